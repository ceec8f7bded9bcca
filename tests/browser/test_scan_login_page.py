"""Scan to sign in at an office PC, in headless Chromium at desk width, in live mode against
the fake WeChat server: the login page shows the temporary code, the test plays the WeChat
scan (a signed SCAN event through /wechat), the page moves on by itself.

Screenshots go to ``test-artifacts/console-scan-login-*.png``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.demo_console import DEMO_PREFIX, load_console_demo
from bot.dev.peer import WeChatPeer
from bot.models import ConsoleLoginTicket
from bot.services.platform.clock import utcnow
from tests.browser.simulator_nav import Simulator
from tests.browser.test_csp import Watched
from tests.conftest import TEST_AES_KEY, TEST_APPID, TEST_TOKEN
from tests.fakes.wechat_api import FakeWeChatServer
from tests.servers import serving

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 768}
OFFICER = DEMO_PREFIX + "county-xiaodian"


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """The app in live mode (WeChat is the fake server), with the demo console people."""
    with Session(app.extensions["engine"]) as session:
        load_console_demo(session, now=utcnow())
        session.commit()
    with serving(app) as url:
        yield url


@pytest.fixture
def peer(live_url: str) -> WeChatPeer:
    return WeChatPeer(f"{live_url}/wechat", token=TEST_TOKEN, appid=TEST_APPID,
                      encoding_aes_key=TEST_AES_KEY, mode="safe")


@pytest.fixture
def desk(browser: Browser) -> Iterator[Page]:
    """A desk browser whose pages report every CSP violation (the login page's script runs
    under the strict policy): none may occur."""
    context = browser.new_context(viewport=DESK, locale="zh-CN")
    context.set_default_timeout(15_000)
    watched = Watched(context)
    page = watched.new_page()
    yield page
    assert watched.violations(page) == []
    context.close()


def shown_scene(page: Page, fake: FakeWeChatServer, seen: int = 0) -> str:
    """Wait for the page's code to appear; the scene WeChat would report when it is scanned."""
    expect(page.locator("#login-qr")).to_be_visible()
    scenes = [c["scene"] for c in fake.qrcodes().values() if c["action_name"] == "QR_STR_SCENE"]
    assert len(scenes) == seen + 1
    return str(scenes[-1])


def test_an_officer_signs_in_at_his_desk_by_scanning(
    live_url: str, desk: Page, peer: WeChatPeer, fake_wechat: FakeWeChatServer, artifacts: Path
) -> None:
    desk.goto(f"{live_url}/console/hazards")  # a bookmark: the login page, then back there
    expect(desk.locator("h1")).to_have_text("登录监管后台")
    scene = shown_scene(desk, fake_wechat)
    expect(desk.locator("#login-message")).to_contain_text("请使用已绑定身份的微信扫描二维码")
    expect(desk.locator("#login-dev")).to_be_hidden()
    desk.screenshot(path=str(artifacts / "console-scan-login-code.png"), full_page=True)

    reply = peer.send_event(OFFICER, "SCAN", scene)
    assert reply.content.startswith("已登录监管后台（") and "Chrome" in reply.content

    expect(desk.locator("#whoami")).to_contain_text("演示科长（小店区）")  # moved on by itself
    assert desk.url.endswith("/console/hazards")
    desk.screenshot(path=str(artifacts / "console-scan-login-done.png"), full_page=True)


def test_a_member_of_the_public_scanning_is_refused_on_the_page(
    live_url: str, desk: Page, peer: WeChatPeer, fake_wechat: FakeWeChatServer, artifacts: Path
) -> None:
    desk.goto(f"{live_url}/console/login")
    scene = shown_scene(desk, fake_wechat)
    reply = peer.send_event("o-public-passer-by", "SCAN", scene)
    assert "您不是监管后台用户" in reply.content
    expect(desk.locator("#login-message")).to_contain_text("扫码的微信不是监管后台用户，未能登录")
    expect(desk.locator("#login-qr")).to_be_hidden()
    expect(desk.locator("#whoami")).to_have_count(0)
    desk.screenshot(path=str(artifacts / "console-scan-login-refused.png"), full_page=True)

    desk.locator("#login-refresh").click()  # the officer himself, with a fresh code
    fresh = shown_scene(desk, fake_wechat, seen=1)
    assert fresh != scene
    assert "已登录监管后台" in peer.send_event(OFFICER, "SCAN", fresh).content
    expect(desk.locator("#whoami")).to_contain_text("演示科长（小店区）")


def test_an_expired_code_says_so_and_can_be_refreshed(
    app: Flask, live_url: str, desk: Page, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    desk.goto(f"{live_url}/console/login")
    old = shown_scene(desk, fake_wechat)
    with Session(app.extensions["engine"]) as session:  # five minutes pass
        session.execute(update(ConsoleLoginTicket).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    expect(desk.locator("#login-message")).to_contain_text("二维码已过期")
    assert "已过期" in peer.send_event(OFFICER, "SCAN", old).content
    expect(desk.locator("#whoami")).to_have_count(0)

    desk.locator("#login-refresh").click()
    fresh = shown_scene(desk, fake_wechat, seen=1)
    expect(desk.locator("#login-message")).to_contain_text("请使用已绑定身份的微信扫描二维码")
    assert "已登录监管后台" in peer.send_event(OFFICER, "SCAN", fresh).content
    expect(desk.locator("#whoami")).to_contain_text("演示科长（小店区）")
    again = peer.send_event(OFFICER, "SCAN", fresh, create_time=int(time.time()) + 5)
    assert "已使用过" in again.content


def test_in_dev_mode_the_simulator_plays_the_scan(dev_app: Flask, dev_url: str, browser: Browser) -> None:
    """No WeChat account: the page offers the simulator, which delivers the SCAN event."""
    with Session(dev_app.extensions["engine"]) as session:
        load_console_demo(session, now=utcnow())
        session.commit()
    context = browser.new_context(viewport=DESK, locale="zh-CN")
    context.set_default_timeout(15_000)
    desk = context.new_page()
    desk.goto(f"{dev_url}/console/login")
    link = desk.locator("#login-dev-link")
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    assert href.startswith("/dev/simulator?scene=login%3A")

    phone = context.new_page()  # the developer's simulator, as the officer
    simulator = Simulator(phone, dev_url).open()
    simulator.become(OFFICER)
    phone.goto(dev_url + href)
    expect(simulator.last_reply()).to_contain_text("已登录监管后台")
    expect(desk.locator("#whoami")).to_contain_text("演示科长（小店区）")
    context.close()
