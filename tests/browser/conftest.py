"""Browser tests: Playwright's sync API drives Debian's Chromium against pytest-django's live server.

Playwright runs an event loop in the test thread, so Django's "async unsafe" guard must be relaxed
for the database work the tests do themselves.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ducha.conftest import PASSWORD, MiniCounty, mini_county  # noqa: F401  (fixture re-exported)
from ducha.core.periods import month
from ducha.indicators.models import Indicator, Target
from ducha.reporting.actions import save_report

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
DOC_SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

# Monthly report of each township for Jan–Mar 2012: (孕妇总数, 孕期建卡, 产妇数, 三病检测, 应补叶酸, 叶酸补服)
MONTHLY = {
    "T01": (40, 30, 38, 30, 45, 38),
    "T02": (50, 33, 47, 35, 52, 40),
    "T03": (30, 24, 28, 20, 30, 21),
    "T10": (20, 12, 60, 55, 10, 8),
}
# (unit, month) reported late (10 days after the month) or not at all
LATE = {("T02", "201202"), ("T10", "201201")}
MISSING = {("T03", "201203")}


def report_values(unit: str) -> dict[str, int]:
    preg, reg, part, triple, due, folic = MONTHLY[unit]
    return {"PREG_TOTAL": preg, "PREG_REGISTERED": reg, "EARLY_REG": reg // 2, "PARTURIENTS": part,
            "LIVE_BIRTHS": part, "HOSP_DELIVERIES": part, "ANC_ANY": part, "ANC_5PLUS": part - 3,
            "SYS_MANAGED": part - 6, "TRIPLE_TESTED": triple, "FOLIC_DUE": due, "FOLIC_NEW": folic,
            "CHILD_U3": 400, "CHILD_U3_SYS": 90 + part // 4, "CHILD_U3_EXAMS": 120}


def build_quarter(mc: MiniCounty) -> None:
    """Q1 2012 reports for the mini county (a few late, one missing) and annual targets."""
    for unit in MONTHLY:
        for m in (1, 2, 3):
            period = month(2012, m)
            if (unit, period.code) in MISSING:
                continue
            days = 10 if (unit, period.code) in LATE else 3
            save_report(actor=mc.inspector, data_set=mc.data_set, unit_code=unit, period=period,
                        values=report_values(unit), submitted_at=_aware(period.end + timedelta(days=days)))
    rates = {"REG_RATE": 75, "MAT_SYS_RATE": 85, "CHILD_SYS_RATE": 80, "MATERNAL_POP_RATIO": 6}
    for code, value in rates.items():
        Target.objects.create(indicator=Indicator.objects.get(code=code), org_unit=mc.county, year=2012,
                              annual_value=value)
    counts = {"FOLIC_COUNT": {"T01": 420, "T02": 520, "T03": 300, "T10": 60},
              "TRIPLE_TEST_COUNT": {"T01": 360, "T02": 420, "T03": 260, "T10": 600}}
    units = {u.code: u for u in (mc.town_a, mc.town_b, mc.town_c, mc.hospital)}
    for code, per_unit in counts.items():
        for unit_code, value in per_unit.items():
            Target.objects.create(indicator=Indicator.objects.get(code=code), org_unit=units[unit_code], year=2012,
                                  annual_value=value)


def _aware(day: Any) -> Any:
    from datetime import datetime, time

    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, time(10, 0)))


@pytest.fixture
def quarter_county(mini_county: MiniCounty) -> MiniCounty:  # noqa: F811
    build_quarter(mini_county)
    return mini_county


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"缺少 {CHROMIUM}：请先 apt-get install chromium fonts-noto-cjk")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def screenshot(tab: Any, name: str, *, publish: bool = False) -> Path:
    """Save a full-page screenshot to artifacts/screenshots/ (and docs/screenshots/ with ``publish``)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    if publish:
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOC_SCREENSHOTS / f"{name}.png")
    return path


def log_in(tab: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    tab.goto(f"{base_url}/login/")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", password)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{base_url}/")


def log_out(tab: Any) -> None:
    tab.click(".logout-form button")
    tab.wait_for_url("**/login/")


class Browsing:
    """Helpers handed to the tests as the ``ui`` fixture (test modules cannot import this conftest)."""

    screenshot = staticmethod(screenshot)
    log_in = staticmethod(log_in)
    log_out = staticmethod(log_out)


@pytest.fixture
def ui() -> Browsing:
    return Browsing()
