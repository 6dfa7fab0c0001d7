"""The per-request reads done with plain queries give what the ORM gives, a kept page costs one statement, and
sessions stay as safe as Django's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ducha.audit.generation import STAMP_SQL, data_generation
from ducha.conftest import MiniCounty, login
from ducha.core.models import Session
from ducha.core.plain_reads import column, fetch_instances
from ducha.core.request_reads import RequestReadsMiddleware, current
from ducha.core.results import data_stamp
from ducha.core.sessions import SessionStore, UserBackend
from ducha.indicators.cache import scope_ids
from ducha.orgs.actions import create_org_unit, create_user
from ducha.orgs.models import Membership, OrgUnit, OrgUnitKind, Role
from ducha.orgs.selectors import memberships_of, root_units, visible_units

pytestmark = pytest.mark.django_db


def fields_of(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_fetch_instances_equals_the_orm(mini_county: MiniCounty) -> None:
    mini_county.admin.last_login = timezone.now()
    mini_county.admin.save()
    for user in get_user_model().objects.all():
        got = fetch_instances(get_user_model(), f"{column(get_user_model(), 'id')} = %s", [user.pk])
        assert [fields_of(u) for u in got] == [fields_of(user)]
        assert got[0]._state.adding is False and got[0]._state.db == "default"
    units = fetch_instances(OrgUnit, f"{column(OrgUnit, 'code')} LIKE %s", ["T0%"])
    assert sorted(u.code for u in units) == sorted(OrgUnit.objects.filter(code__startswith="T0").values_list(
        "code", flat=True))


def test_user_backend_refuses_inactive_missing_and_malformed(mini_county: MiniCounty) -> None:
    backend = UserBackend()
    assert backend.get_user(mini_county.leader.pk).username == "leader1"
    assert backend.get_user(str(mini_county.leader.pk)).username == "leader1"
    assert backend.get_user(999_999) is None
    assert backend.get_user("not-a-number") is None
    mini_county.leader.is_active = False
    mini_county.leader.save()
    assert backend.get_user(mini_county.leader.pk) is None


def test_logging_out_ends_the_session_for_every_holder_of_the_cookie(mini_county: MiniCounty) -> None:
    browser = login("inspector1")
    stolen = Client()
    stolen.cookies["sessionid"] = browser.cookies["sessionid"].value
    assert stolen.get("/").status_code == 200
    assert browser.post("/logout/").status_code in (200, 302)
    response = stolen.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_expired_session_is_not_read(mini_county: MiniCounty) -> None:
    browser = login("inspector1")
    key = browser.cookies["sessionid"].value
    assert SessionStore(key).load().get("_auth_user_id") == str(mini_county.inspector.pk)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None
    assert browser.get("/").status_code == 302


def test_a_deactivated_user_is_logged_out_at_the_next_request(mini_county: MiniCounty) -> None:
    browser = login("officer_a")
    assert browser.get("/").status_code == 200
    get_user_model().objects.filter(pk=mini_county.officer_a.pk).update(is_active=False)
    assert browser.get("/").status_code == 302


def test_memberships_and_roots_equal_the_orm_reads(mini_county: MiniCounty) -> None:
    town_a, town_b = mini_county.town_a, mini_county.town_b
    both = create_user(actor=None, username="two_towns", password="ducha-test-1",
                       memberships=[(town_b, Role.MCH_OFFICER), (town_a, Role.MCH_OFFICER),
                                    (mini_county.village_a1, Role.LEADER)])
    superuser = get_user_model().objects.create_superuser("root1", password="ducha-test-1")
    for user in [*mini_county.users.values(), both, superuser]:
        user = get_user_model().objects.get(pk=user.pk)  # nothing kept on the instance
        expected = [(m.pk, m.role, fields_of(m.org_unit)) for m in
                    Membership.objects.filter(user=user).select_related("org_unit").order_by("pk")]
        assert [(m.pk, m.role, fields_of(m.org_unit)) for m in memberships_of(user)] == expected
        units = list(visible_units(user).order_by("level", "sort_order", "code"))
        paths = [u.path for u in units]
        tops = [u.code for u in units if not any(u.path != p and u.path.startswith(p) for p in paths)]
        assert [u.code for u in root_units(user)] == tops, user.username
    assert [u.code for u in root_units(get_user_model().objects.get(pk=both.pk))] == ["T01", "T02"]


def test_kept_scope_ids_follow_an_audited_new_unit(mini_county: MiniCounty) -> None:
    inspector = get_user_model().objects.get(pk=mini_county.inspector.pk)
    before = scope_ids(inspector, mini_county.county)
    assert before == tuple(OrgUnit.objects.filter(path__startswith=mini_county.county.path).order_by("pk")
                           .values_list("pk", flat=True))
    new = create_org_unit(actor=mini_county.admin, code="T04", name="丁镇卫生院", kind=OrgUnitKind.TOWNSHIP_CENTRE,
                          parent=mini_county.county)
    after = scope_ids(get_user_model().objects.get(pk=inspector.pk), mini_county.county)
    assert after == (*before, new.pk)
    officer = get_user_model().objects.get(pk=mini_county.officer_a.pk)
    assert scope_ids(officer, mini_county.county) == tuple(sorted((mini_county.town_a.pk, mini_county.village_a1.pk)))


def test_a_kept_page_costs_one_statement_read_with_the_session(mini_county: MiniCounty) -> None:
    browser = login("inspector1")
    key = browser.cookies["sessionid"].value
    assert Session.objects.get(session_key=key).user_id == mini_county.inspector.pk
    for path in ("/", "/indicators/?period=2012Q1"):
        assert browser.get(path).status_code == 200  # fills what is kept
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(path).status_code == 200
        assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]
        assert "JOIN" in queries.captured_queries[0]["sql"]


def test_the_stamp_read_with_the_session_is_the_data_generation(mini_county: MiniCounty) -> None:
    with connection.cursor() as cursor:
        cursor.execute(STAMP_SQL)
        assert cursor.fetchone()[0] == data_generation()


def test_a_write_request_reads_its_own_stamp_and_nothing_outlives_the_request(mini_county: MiniCounty) -> None:
    browser = login("inspector1")
    key = browser.cookies["sessionid"].value
    seen: dict[str, object] = {}

    def view(request: HttpRequest) -> HttpResponse:
        SessionStore(key).load()
        reads = current()
        assert reads is not None
        seen[request.method or ""] = (reads.stamp, reads.user and reads.user[1].username)
        if request.method == "POST":  # a write moves the stamp; this request must see it move
            before = data_stamp()
            create_org_unit(actor=mini_county.admin, code="T09", name="新镇卫生院", kind=OrgUnitKind.TOWNSHIP_CENTRE,
                            parent=mini_county.county)
            seen["moved"] = data_stamp() != before
        return HttpResponse("ok")

    middleware = RequestReadsMiddleware(view)
    stamp = data_generation()
    middleware(RequestFactory().get("/"))
    middleware(RequestFactory().post("/"))
    assert seen["GET"] == (stamp, "inspector1")
    assert seen["POST"] == (None, "inspector1") and seen["moved"] is True
    assert current() is None


def test_a_changed_password_ends_the_other_sessions(mini_county: MiniCounty) -> None:
    browser = login("inspector1")
    assert browser.get("/").status_code == 200
    user = get_user_model().objects.get(pk=mini_county.inspector.pk)
    user.set_password("ducha-another-2")
    user.save()
    response = browser.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]
