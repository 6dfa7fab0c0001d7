"""Screenshots of the demo county for the documentation, and a check that the exports open.

Usage (the demo must be built first; this script builds nothing itself)::

    DUCHA_HOME=/tmp/shots .venv/bin/ducha demo
    DUCHA_HOME=/tmp/shots .venv/bin/python scripts/screenshots.py

It starts ``ducha serve`` (with its background-job worker) on a free localhost port over that DUCHA_HOME,
drives Debian's Chromium (/usr/bin/chromium, headless) through Playwright as the demo users, and saves
PNGs into docs/screenshots/. Before each shot it checks the page's heading, so an error page or a login
page is never saved as a screenshot; after it, that the PNG is not blank. Along the way it approves one
month in the reporting status grid and runs a quality scan from the quality page (both through the UI,
so they are written to that DUCHA_HOME's database, with audit rows, like any user's work).

It also downloads the exports the pages offer (indicator table .xlsx and .csv, the monthly-report Excel
template, the register templates) and checks that each opens with openpyxl (and python-docx for any
.docx); there is no Word export yet. Exit status 0 when every shot and export is good, 1 otherwise.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PERIOD = "2012Q1"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# The unit and month approved through the status grid (submitted on time in the demo).
APPROVE_UNIT, APPROVE_MONTH = "西簧", "201201"


def password(username: str) -> str:
    return f"ducha-{username}-2012"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ducha_command() -> list[str]:
    script = Path(sys.executable).with_name("ducha")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ducha.cli"]


@contextmanager
def serve(home: Path) -> Iterator[str]:
    """``ducha serve`` on a free port over ``home``; yields the base URL, stops the server (and worker) after."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_")}
    env["DUCHA_HOME"] = str(home)
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen([*ducha_command(), "serve", "--port", str(port), "--workers", "2"],
                                   env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            wait_until_up(base, process, log)
            yield base
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_up(base: str, process: subprocess.Popen[str], log: Any) -> None:
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise SystemExit(f"ducha serve 退出（{process.returncode}）：\n{log.read()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"{base}/healthz 90 秒内没有回应") from None
            time.sleep(0.3)


class Shooter:
    """Logs in, opens pages, checks their heading, saves and checks the PNGs."""

    def __init__(self, browser: Any, base: str) -> None:
        self.browser, self.base = browser, base
        self.saved: list[Path] = []
        self.problems: list[str] = []

    def tab(self, username: str, *, phone: bool = False) -> Any:
        if phone:
            context = self.browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                               has_touch=True, locale="zh-CN")
        else:
            context = self.browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{self.base}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password(username))
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.base}/")
        return page

    def open(self, page: Any, path: str, heading: str) -> None:
        answer = page.goto(f"{self.base}{path}")
        if answer is None or answer.status != 200:
            raise SystemExit(f"{path}：HTTP {answer.status if answer else '无回应'}")
        self.expect(page, heading, path)

    def expect(self, page: Any, heading: str, where: str) -> None:
        page.wait_for_load_state("networkidle")
        h1 = page.locator("h1").first.inner_text().strip()
        if heading not in h1:
            raise SystemExit(f"{where}：标题是“{h1}”，应含“{heading}”（错误页或登录页？）")

    def shoot(self, page: Any, name: str, *, full_page: bool = True, max_height: int = 3000) -> Path:
        """Save the page (whole, or the window), at most ``max_height`` CSS pixels of it, as docs/screenshots/NAME.png."""
        page.wait_for_load_state("networkidle")
        path = OUT / f"{name}.png"
        height = page.evaluate("document.documentElement.scrollHeight")
        if full_page and height > max_height:
            width = page.viewport_size["width"]
            page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": max_height})
        else:
            page.screenshot(path=str(path), full_page=full_page)
        problem = blank_problem(self.browser, path)
        if problem:
            self.problems.append(f"{path.name}：{problem}")
        self.saved.append(path)
        print(f"  {path.relative_to(REPO)}（{path.stat().st_size // 1024} KB）{problem or ''}")
        return path


BLANK_CHECK = """async (url) => {
  const image = new Image(); image.src = url; await image.decode();
  const canvas = document.createElement("canvas"); canvas.width = 64; canvas.height = 64;
  const context = canvas.getContext("2d"); context.drawImage(image, 0, 0, 64, 64);
  const pixels = context.getImageData(0, 0, 64, 64).data, counts = new Map();
  for (let i = 0; i < pixels.length; i += 4) {
    const key = (pixels[i] >> 4) + "," + (pixels[i + 1] >> 4) + "," + (pixels[i + 2] >> 4);
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  return [counts.size, Math.max(...counts.values())];
}"""


def blank_problem(browser: Any, path: Path) -> str:
    """Why the PNG looks empty (hardly any colours, or one colour nearly everywhere), or "" when it has
    real content. The browser decodes it (no image library is installed)."""
    url = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()
    context = browser.new_context()
    try:
        colours, dominant = context.new_page().evaluate(BLANK_CHECK, url)
    finally:
        context.close()
    if colours < 8 or dominant > 0.97 * 64 * 64:
        return f"图片几乎是空白的（{colours} 种颜色）"
    return ""


# ---- the pages -------------------------------------------------------------------------------------

def dashboards(s: Shooter) -> None:
    page = s.tab("duchayuan")
    s.open(page, f"/?period={PERIOD}", "工作看板")
    page.wait_for_selector("canvas, svg", timeout=30_000)  # the ECharts chart has been drawn
    s.shoot(page, "demo-dashboard", full_page=False)
    s.shoot(page, "demo-dashboard-full")
    phone = s.tab("duchayuan", phone=True)
    s.open(phone, f"/?period={PERIOD}", "工作看板")
    s.shoot(phone, "demo-dashboard-phone", full_page=False)
    page.context.close()
    phone.context.close()


def indicators(s: Shooter) -> None:
    page = s.tab("duchayuan")
    s.open(page, f"/indicators/?period={PERIOD}", "指标查询")
    group = page.locator("details.indicator-group").first
    if group.get_attribute("open") is None:
        group.locator("summary").click()
    group.locator(".group-rows table, table.data >> nth=1").first.wait_for()
    page.wait_for_function("() => !document.querySelector('details.indicator-group[open] .group-rows p')")
    s.shoot(page, "demo-indicators")
    page.context.close()


def approve_month(s: Shooter) -> None:
    """Approve one submitted month in the status grid through its button, then shoot the grid."""
    page = s.tab("duchayuan")
    s.open(page, f"/reports/status/?period={PERIOD}", "报送情况")
    cell = grid_cell(page)
    if cell.locator(".approval-mark").count() == 0:
        cell.locator("button", has_text="审核通过").click()
        page.wait_for_load_state("networkidle")
        s.expect(page, "报送情况", "审核后")
    cell = grid_cell(page)
    if cell.locator(".approval-mark").count() != 1:
        raise SystemExit(f"{APPROVE_UNIT} {APPROVE_MONTH} 审核后格子里没有“审”")
    s.shoot(page, "demo-reporting-status")
    s.open(page, "/reports/units/", "报送单位")
    s.shoot(page, "demo-report-units")
    page.context.close()


def grid_cell(page: Any) -> Any:
    row = page.locator("#status-grid tr").filter(has=page.locator("td.unit-name", has_text=APPROVE_UNIT))
    return row.locator(f"td[data-period='{APPROVE_MONTH}']")


def entry_form(s: Shooter) -> None:
    page = s.tab("xihuang")
    s.open(page, "/reports/entry/?period=201203", "数据填报")
    page.locator("form input[type=text], form input[type=number], form input[inputmode]").first.wait_for()
    s.shoot(page, "demo-entry")
    s.open(page, "/reports/entry/?period=201201", "数据填报")
    if page.locator("#approval", has_text="已审核").count() != 1:
        s.problems.append(f"{APPROVE_MONTH} 的填报页没有显示“已审核，不能修改”")
    s.shoot(page, "demo-entry-approved")
    page.context.close()


def quality(s: Shooter) -> None:
    """Run a scan from the quality page, shoot its finished job page, the results and one suspect record."""
    page = s.tab("duchayuan")
    s.open(page, f"/quality/?period={PERIOD}", "数据质量")
    button = page.locator("#scan-form button[type=submit]")
    if button.is_disabled():
        page.click("#scan-running")
    else:
        button.click()
    page.wait_for_url(re.compile(r".*/jobs/\d+/$"))
    page.wait_for_selector("#job-status[data-state=done], #job-status[data-state=failed]", timeout=300_000)
    if page.locator("#job-status").get_attribute("data-state") != "done":
        raise SystemExit("质量检查任务失败：" + page.locator("#job-error").inner_text())
    s.expect(page, "数据质量检查", "任务页面")
    s.shoot(page, "demo-job-done")
    page.click("#job-result")
    s.expect(page, "数据质量", "检查结果")
    s.shoot(page, "demo-quality", max_height=1800)
    link = page.locator("#by-unit tbody td.unit-name a").first
    link.click()
    s.expect(page, "为什么可疑", "可疑手册")
    s.shoot(page, "demo-suspect")
    page.context.close()


# ---- exports -----------------------------------------------------------------------------------------

def check_exports(s: Shooter) -> None:
    """Download every export the pages offer and open it the way a user's Excel/Word would be read."""
    page = s.tab("duchayuan")
    s.open(page, f"/indicators/?period={PERIOD}", "指标查询")
    for label in ("导出 Excel", "导出 CSV"):
        check_download(s, page, click_on(f"a.btn:has-text('{label}')"), f"指标{label}")
    page.context.close()
    staff = s.tab("xihuang")
    s.open(staff, "/reports/excel/upload/", "Excel 模板")
    check_download(s, staff, click_on("form[action*='/reports/excel/template/'] button[type=submit]"),
                   "月报 Excel 模板（已填入现有数据）")
    s.open(staff, "/registers/import/", "导入")
    links = staff.locator("a[href*='/registers/template/'][download]")
    for n in range(links.count()):
        name = links.nth(n).inner_text().strip()
        check_download(s, staff, click_on(f"a[href*='/registers/template/'][download] >> nth={n}"),
                       f"登记模板 {name}", template=True)
    staff.context.close()


def click_on(selector: str) -> Callable[[Any], None]:
    def click(page: Any) -> None:
        page.click(selector)

    return click


def check_download(s: Shooter, page: Any, click: Callable[[Any], None], label: str, *, template: bool = False
                   ) -> None:
    """Download what ``click`` starts and open it; a template needs only its header row, an export data too."""
    with page.expect_download() as info:
        click(page)
    download = info.value
    name = download.suggested_filename
    data = Path(download.path()).read_bytes()
    problem = open_problem(name, data, min_rows=1 if template else 2)
    if problem:
        s.problems.append(f"{label}（{name}）：{problem}")
    print(f"  {label}：{name}，{len(data):,} 字节，{problem or '能打开'}")


def open_problem(name: str, data: bytes, *, min_rows: int) -> str:
    """Why the file does not open as what its name says, or "" when it opens with ``min_rows`` non-empty rows."""
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        rows = sum(1 for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) if any(row))
        return "" if rows >= min_rows else f"只有 {rows} 行内容"
    if name.endswith(".docx"):
        from docx import Document

        document = Document(io.BytesIO(data))
        return "" if any(p.text.strip() for p in document.paragraphs) else "没有正文"
    if name.endswith(".csv"):
        text = data.decode("utf-8-sig")
        rows = sum(1 for line in text.splitlines() if line.strip(","))
        return "" if rows >= min_rows else f"只有 {rows} 行内容"
    return "不认识的文件类型"


def main() -> int:
    parser = argparse.ArgumentParser(description="演示县的界面截图（docs/screenshots/）和导出文件检查")
    parser.add_argument("--only", nargs="*", default=None,
                        help="只做其中几项：dashboards indicators approval entry quality exports")
    args = parser.parse_args()
    home = os.environ.get("DUCHA_HOME")
    if not home or not (Path(home) / "ducha.sqlite3").exists():
        print("请先建演示库：DUCHA_HOME=/tmp/shots .venv/bin/ducha demo，再用同一个 DUCHA_HOME 运行本脚本",
              file=sys.stderr)
        return 1
    steps: dict[str, Callable[[Shooter], None]] = {
        "dashboards": dashboards, "indicators": indicators, "approval": approve_month, "entry": entry_form,
        "quality": quality, "exports": check_exports,
    }
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with serve(Path(home)) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        shooter = Shooter(browser, base)
        for name, step in steps.items():
            if args.only is None or name in args.only:
                print(name)
                step(shooter)
        browser.close()
    for problem in shooter.problems:
        print(f"问题：{problem}", file=sys.stderr)
    print(f"共 {len(shooter.saved)} 张截图，{len(shooter.problems)} 个问题")
    return 1 if shooter.problems else 0


if __name__ == "__main__":
    sys.exit(main())
