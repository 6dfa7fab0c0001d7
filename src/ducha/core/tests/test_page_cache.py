"""Rendered page bodies kept between requests (ducha.core.page_cache): reused, never shared, live where needed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, RequestFactory

from ducha.conftest import PASSWORD, MiniCounty
from ducha.core.page_cache import CachedBodyError, cached_body
from ducha.core.periods import parse_period
from ducha.indicators import views as indicator_views
from ducha.quality import views as quality_views

pytestmark = pytest.mark.django_db
QUALITY = "/quality/?unit=T00&period=2012Q1"


def login(name: str, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    assert client.login(username=name, password=PASSWORD)
    return client


def without_tokens(html: str) -> str:
    """The page without its CSRF token values (each render masks the token anew)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the page bodies built (not taken from the cache), in order."""
    calls: list[str] = []
    for module, name in ((indicator_views, "_home_context"), (quality_views, "_home_context")):
        real = getattr(module, name)

        def counting(request: Any, _real: Any = real, _name: str = module.__name__) -> Any:
            calls.append(_name)
            return _real(request)

        monkeypatch.setattr(module, name, counting)
    return calls


def test_a_body_is_built_once_then_reused(mini_county: MiniCounty, builds: list[str]) -> None:
    client = login("inspector1")
    first = without_tokens(client.get("/?unit=T00&period=201201").content.decode())
    again = without_tokens(client.get("/?unit=T00&period=201201").content.decode())
    assert builds == ["ducha.indicators.views"] and first == again and "工作看板" in first
    client.get("/?unit=T01&period=201201")  # another query string is another body
    assert len(builds) == 2
    login("inspector1").get("/?unit=T00&period=201201")  # another session of the same user: kept
    assert len(builds) == 2


def test_two_users_never_share_a_body(mini_county: MiniCounty, builds: list[str]) -> None:
    county = login("inspector1").get("/?period=201201").content.decode()
    town = login("officer_a").get("/?period=201201").content.decode()
    assert len(builds) == 2
    assert "乙乡" in county and "甲镇" in county
    assert "甲镇" in town and "乙乡" not in town


def test_the_scan_form_stays_live_inside_a_kept_body(mini_county: MiniCounty, builds: list[str]) -> None:
    client = login("inspector1")
    before = client.get(QUALITY).content.decode()
    assert 'id="scan-running"' not in before and '<button type="submit" class="btn btn-primary">运行质量检查' in before
    assert client.post("/quality/scan/", {"unit": "T00", "period": "2012Q1"}).status_code == 302  # queued job
    after = client.get(QUALITY).content.decode()
    assert builds == ["ducha.quality.views"]  # the body was kept…
    assert 'id="scan-running"' in after and "disabled>运行质量检查" in after  # …and the running job shows


def test_each_session_gets_its_own_csrf_token(mini_county: MiniCounty, builds: list[str]) -> None:
    statuses = []
    for _ in range(2):  # two sessions of the same user: the second page body comes from the cache
        client = login("inspector1", csrf=True)
        page = client.get(QUALITY).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token
        response = client.post("/quality/scan/", {"unit": "T00", "period": "2012Q1",
                                                  "csrfmiddlewaretoken": token.group(1)})
        statuses.append(response.status_code)
    assert builds == ["ducha.quality.views"] and statuses == [302, 302]


def test_a_body_holding_a_csrf_token_is_refused(mini_county: MiniCounty) -> None:
    request = RequestFactory().get("/x/")
    request.user = mini_county.inspector
    context = {"can_scan": True, "root": mini_county.county, "period": parse_period("2012Q1"), "run": None}
    with pytest.raises(CachedBodyError, match="含 CSRF 令牌"):
        cached_body(request, "quality/_scan_form.html", build=lambda: (context, 200))


def top_bar(html: str) -> str:
    return html[html.index('<header class="topbar">'):html.index("</header>")]


def test_the_top_bar_is_kept_per_user_and_follows_an_audited_change(mini_county: MiniCounty,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from django.template import loader

    from ducha.orgs.actions import update_org_unit

    renders: list[str] = []
    real = loader.render_to_string

    def counting(name: Any, *args: Any, **kwargs: Any) -> str:
        renders.append(str(name))
        return real(name, *args, **kwargs)

    monkeypatch.setattr("ducha.core.templatetags.ducha_frame.render_to_string", counting)
    officer = login("officer_a", csrf=True)
    first = top_bar(officer.get("/?period=201201").content.decode())
    second = top_bar(officer.get("/?period=201201").content.decode())
    assert renders == ["core/_topbar.html"] and "妇幼专干 · 甲镇" in first and "退出" in second
    inspector = top_bar(login("inspector1").get("/?period=201201").content.decode())
    assert len(renders) == 2 and "甲镇" not in inspector  # another user: its own bar
    update_org_unit(actor=mini_county.admin, unit=mini_county.town_a, short_name="新甲镇")  # audited
    third = top_bar(officer.get("/?period=201201").content.decode())
    assert len(renders) == 3 and "妇幼专干 · 新甲镇" in third
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', third)
    assert token and officer.post("/logout/", {"csrfmiddlewaretoken": token.group(1)}).status_code == 302
