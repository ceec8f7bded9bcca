"""Under the Content-Security-Policy the pages still work, in real Chromium, with no violation.

The policy (bot/security_headers.py) forbids inline script, inline event handlers, eval and
style attributes. A page that still relied on one would break quietly in the browser while
every test client test stayed green, so the browser itself reports: each page listens for
``securitypolicyviolation`` from its first script on, and Chromium's console is watched for
its "Refused to …" lines. The dashboard must draw all its charts (and their tooltips), the
simulator must still carry a report with a picture, the landing page must render.

The last test shows the policy biting: markup with an inline handler, as an attacker would
smuggle it into a page, is refused and reported.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.demo_console import load_console_demo
from bot.models import Enterprise
from bot.services.platform.clock import utcnow
from bot.services.registry import qrcodes
from tests.browser.conftest import PHONE
from tests.browser.console_nav import ConsoleNav
from tests.browser.simulator_nav import Simulator

pytestmark = pytest.mark.browser

OFFICER = "演示科长（小店区）"
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = e.sourceFile + ":" + e.lineNumber;
  window.__csp.push([e.violatedDirective, e.blockedURI || "inline", where].join(" "));
});
"""


class Watched:
    """A browser context whose pages report every CSP violation, from the page and the console."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.console: list[str] = []
        context.add_init_script(LISTEN)
        context.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.console.append(message.text)

    def new_page(self) -> Page:
        page = self.context.new_page()
        page.on("console", self._console)
        return page

    def violations(self, page: Page) -> list[str]:
        return [*page.evaluate("window.__csp"), *self.console]


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    yield Watched(context)
    context.close()


def test_the_dashboard_draws_every_chart_and_its_tooltips_under_the_policy(
    dev_app: Flask, dev_url: str, watched: Watched, artifacts: Path
) -> None:
    with Session(dev_app.extensions["engine"]) as session:
        load_console_demo(session, now=utcnow())
        session.commit()
    page = watched.new_page()
    console = ConsoleNav(page, dev_url, artifacts)
    console.signs_in_as(OFFICER)

    response = page.goto(f"{dev_url}/console/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    console.opens_dashboard(charts=5)
    for chart in page.locator("[data-chart]").all():  # hover: tooltips appear, drawn on canvas
        box = chart.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(150)
    console.screenshot("csp-dashboard")

    pages = ("/console/hazards", "/console/enterprises", "/console/inspections",
             "/console/hazards/YH209901010001")  # the last: the console's own 404 page
    for path in pages:
        page.goto(dev_url + path)
        expect(page.locator("#whoami")).to_contain_text(OFFICER)
    assert watched.violations(page) == []


def picture(path: Path) -> Path:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 120, 200)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def test_the_simulator_and_the_landing_page_work_under_the_policy(
    dev_app: Flask, dev_url: str, browser: Browser, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN")
    context.set_default_timeout(15_000)
    try:
        watched = Watched(context)
        phone = watched.new_page()
        sim = Simulator(phone, dev_url).open()
        assert "企业名称" in sim.tap("举报")
        sim.say("太原晋钢钢铁有限公司")
        sim.send_picture(picture(tmp_path / "photo.jpg"))  # a blob: preview, then the upload
        expect(sim.sent_picture()).to_be_visible()
        assert watched.violations(phone) == []

        with Session(dev_app.extensions["engine"]) as session:
            steel = session.scalars(select(Enterprise).where(Enterprise.name == "太原晋钢钢铁有限公司")).one()
            token = qrcodes.ensure_code(session, steel, utcnow()).token
            session.commit()
        landing = watched.new_page()
        response = landing.goto(f"{dev_url}/q/{token}")
        assert response is not None
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        expect(landing.locator("#enterprise")).to_have_text("太原晋钢钢铁有限公司")
        assert watched.violations(landing) == []
    finally:
        context.close()


def test_smuggled_markup_with_an_inline_handler_does_not_run(
    dev_app: Flask, dev_url: str, watched: Watched, artifacts: Path
) -> None:
    with Session(dev_app.extensions["engine"]) as session:
        load_console_demo(session, now=utcnow())
        session.commit()
    page = watched.new_page()
    ConsoleNav(page, dev_url, artifacts).signs_in_as(OFFICER)
    page.evaluate("""() => {
      document.body.insertAdjacentHTML(
        "beforeend", '<img id="x" src="data:," onerror="window.__ran = 1" onload="window.__ran = 1">');
      const s = document.createElement("script"); s.textContent = "window.__ran = 2"; document.body.append(s);
    }""")
    page.wait_for_function("window.__csp.length >= 2")
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in watched.violations(page))
