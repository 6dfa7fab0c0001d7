"""Under the Content-Security-Policy every page still works and the browser reports no violation.

The policy allows only this server's scripts and styles (no inline <script>, no style= attributes, no
eval). A violation fires ``securitypolicyviolation`` and a "Refused to …" console error; both are
collected from the first byte of each page (an init script) and must stay empty.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""
# A canvas counts as drawn when some of its pixels are not transparent.
CANVAS_DRAWN = """() => Array.from(document.querySelectorAll("[data-chart] canvas")).some(function (c) {
  var data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  for (var i = 3; i < data.length; i += 4) { if (data[i] !== 0) { return true; } }
  return false;
})"""


class Violations:
    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(COLLECT)
        page.on("console", self._on_console)

    def _on_console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.console.append(text)

    def of_page(self) -> list[str]:
        return list(self.page.evaluate("window.__csp || []")) + self.console


def wait_until_drawn(page: Any) -> None:
    """Poll with evaluate (page.wait_for_function compiles its predicate with eval, which the CSP forbids)."""
    for _ in range(100):
        if page.evaluate(CANVAS_DRAWN):
            return
        page.wait_for_timeout(100)
    raise AssertionError("ECharts 图表没有绘制")


def visit(page: Any, url: str, violations: Violations) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    assert "script-src 'self';" in response.headers["content-security-policy"] + ";"
    assert violations.of_page() == [], url


def test_dashboard_and_indicator_pages_have_no_csp_violation(
        page: Any, live_server: Any, quarter_county: Any, ui: Any) -> None:
    violations = Violations(page)
    base = live_server.url
    ui.log_in(page, base, "inspector1")
    visit(page, f"{base}/", violations)
    page.wait_for_selector("[data-chart] canvas")
    wait_until_drawn(page)
    page.hover("[data-chart] canvas", position={"x": 200, "y": 120})  # the ECharts tooltip
    page.wait_for_timeout(300)
    ui.screenshot(page, "csp-dashboard-tooltip")
    # htmx swaps the panel (no inline indicator styles, no eval) and charts.js redraws it
    page.click("#indicator-panel .tabs a:has-text('叶酸补服人数')")
    page.wait_for_selector("#indicator-panel table.ranked[data-indicator=FOLIC_COUNT]")
    wait_until_drawn(page)
    assert violations.of_page() == []
    visit(page, f"{base}/indicators/", violations)
    page.select_option("#f-indicator", "TRIPLE_TEST_COUNT")
    page.click("button:has-text('查询')")
    page.wait_for_url("**indicator=TRIPLE_TEST_COUNT**")
    assert violations.of_page() == []


def test_other_pages_have_no_csp_violation(page: Any, live_server: Any, quarter_county: Any, ui: Any) -> None:
    violations = Violations(page)
    base = live_server.url
    visit(page, f"{base}/login/", violations)
    ui.log_in(page, base, "officer_a")
    for path in ("/reports/entry/?unit=T01&period=201203", "/reports/status/", "/reports/excel/upload/",
                 "/registers/", "/registers/import/", "/registers/pregnancy/new/", "/quality/",
                 "/quality/checks/", "/api/docs"):
        visit(page, f"{base}{path}", violations)
    page.goto(f"{base}/")
    ui.log_out(page)
    get_user_model().objects.create_superuser("root", password="ducha-test-1")
    ui.log_in(page, base, "root")
    for path in ("/admin/", "/admin/orgs/orgunit/", "/admin/orgs/orgunit/add/"):
        visit(page, f"{base}{path}", violations)
