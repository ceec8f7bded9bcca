"""Scan to sign in, as a desk browser and a phone see it: the login code comes from the fake
WeChat server (a temporary QR_STR_SCENE code), the scan is a signed SCAN event through
/wechat, the browser is a plain HTTP session polling the console.

What is shown: a console user's scan signs in that browser (and only that one), once; anyone
else's scan is refused in chat and on the page; an expired code signs no one in and a new
one can be asked for; a code is good for one sign-in only.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.demo_console import DEMO_PREFIX, load_console_demo
from bot.dev.peer import WeChatPeer
from bot.models import ConsoleLoginTicket, User
from bot.services.platform.clock import utcnow
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

OFFICER = DEMO_PREFIX + "county-xiaodian"
DESK_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0.0.0 Safari/537.36")


@pytest.fixture
def officers(live: LiveServer) -> None:
    with Session(live.app.extensions["engine"]) as session:
        load_console_demo(session, now=utcnow())
        session.commit()


class DeskBrowser:
    """A browser at an office PC: opens the login page, asks for the code, polls."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.http.headers["User-Agent"] = DESK_UA
        page = self.http.get(f"{base_url}/console/login", timeout=10)
        assert page.status_code == 200
        found = re.search(r'data-csrf="([^"]+)"', page.text)
        assert found, "the login page carries the CSRF token for its script"
        self.csrf = found.group(1)

    def code(self, *, refresh: bool = False) -> dict[str, object]:
        resp = self.http.post(f"{self.base_url}/console/login/qr", json={"refresh": refresh},
                              headers={"X-CSRF-Token": self.csrf}, timeout=10)
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def status(self) -> dict[str, object]:
        resp = self.http.get(f"{self.base_url}/console/login/status", timeout=10)
        assert resp.status_code == 200
        return dict(resp.json())

    def dashboard(self) -> requests.Response:
        return self.http.get(f"{self.base_url}/console/", timeout=10, allow_redirects=False)


def login_scenes(fake: FakeWeChatServer) -> list[str]:
    """The scenes of the temporary codes WeChat was asked for, oldest first."""
    return [code["scene"] for code in fake.qrcodes().values() if code["action_name"] == "QR_STR_SCENE"]


def test_an_officer_scans_and_the_desk_browser_signs_in_once(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer, officers: None
) -> None:
    desk = DeskBrowser(live.url)
    first = desk.code()
    assert first["status"] == "pending" and str(first["image"]).startswith("data:image/png;base64,")
    assert first["link"] is None, "no simulator link outside dev mode"
    assert desk.code()["image"] == first["image"], "a reload keeps the waiting code"
    (scene,) = login_scenes(fake_wechat)
    assert scene.startswith("login:")
    asked = [c for c in fake_wechat.calls if c.path.endswith("/qrcode/create")][-1]
    assert asked.json["expire_seconds"] == 300, "a temporary code, void after five minutes"
    assert desk.status()["status"] == "pending"
    assert desk.dashboard().status_code == 302, "not signed in before the scan"

    reply = peer.send_event(OFFICER, "SCAN", scene)
    assert "已登录监管后台" in reply.content and "Chrome 131 · Windows" in reply.content

    other = DeskBrowser(live.url)  # another browser, polling with no code of its own
    assert other.status()["status"] == "unknown"
    assert other.dashboard().status_code == 302

    signed = desk.status()
    assert signed["status"] == "signed_in" and signed["next"] == "/console/"
    page = desk.dashboard()
    assert page.status_code == 200 and "演示科长（小店区）" in page.text

    again = peer.send_event(OFFICER, "SCAN", scene, create_time=int(time.time()) + 5)  # scanned again
    assert "已使用过" in again.content and "已登录监管后台" not in again.content
    assert other.status()["status"] == "unknown"


def test_a_member_of_the_public_is_refused_in_chat_and_on_the_page(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer, officers: None
) -> None:
    desk = DeskBrowser(live.url)
    desk.code()
    (scene,) = login_scenes(fake_wechat)
    reply = peer.send_event("o-public-passer-by", "SCAN", scene)
    assert "您不是监管后台用户" in reply.content
    status = desk.status()
    assert status["status"] == "refused" and "不是监管后台用户" in str(status["message"])
    assert desk.dashboard().status_code == 302
    # The refused code is spent: an officer scanning it afterwards is not signed in either.
    late = peer.send_event(OFFICER, "SCAN", scene, create_time=int(time.time()) + 5)
    assert "已使用过" in late.content
    assert desk.status()["status"] == "refused"


def test_a_new_follower_scanning_gets_the_welcome_and_the_refusal(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer, officers: None
) -> None:
    desk = DeskBrowser(live.url)
    desk.code()
    (scene,) = login_scenes(fake_wechat)
    reply = peer.send_event("o-new-follower", "subscribe", "qrscene_" + scene)
    assert "您不是监管后台用户" in reply.content


def test_an_expired_code_is_refused_and_a_fresh_one_works(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer, officers: None
) -> None:
    desk = DeskBrowser(live.url)
    desk.code()
    (old,) = login_scenes(fake_wechat)
    with Session(live.app.extensions["engine"]) as session:  # five minutes pass
        session.execute(update(ConsoleLoginTicket).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    assert desk.status()["status"] == "expired"
    reply = peer.send_event(OFFICER, "SCAN", old)
    assert "已过期" in reply.content and "已登录监管后台" not in reply.content
    assert desk.status()["status"] == "expired"

    fresh = desk.code(refresh=True)
    assert fresh["status"] == "pending"
    scenes = login_scenes(fake_wechat)
    assert len(scenes) == 2 and scenes[1] != old
    assert "已登录监管后台" in peer.send_event(OFFICER, "SCAN", scenes[1]).content
    assert desk.status()["status"] == "signed_in"
    assert desk.dashboard().status_code == 200


def test_forged_and_unknown_login_scenes_sign_no_one_in(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer, officers: None
) -> None:
    desk = DeskBrowser(live.url)
    desk.code()
    for n, scene in enumerate(("login:", "login:" + "A" * 32, "login:../../etc", "login:" + "x" * 200)):
        reply = peer.send_event(OFFICER, "SCAN", scene, create_time=int(time.time()) + n)
        assert "无效" in reply.content
    assert desk.status()["status"] == "pending"
    with Session(live.app.extensions["engine"]) as session:
        (ticket,) = session.scalars(select(ConsoleLoginTicket)).all()
        (scene,) = login_scenes(fake_wechat)
        assert scene.removeprefix("login:") not in (ticket.secret_hash, ticket.qr_url), "only a hash is kept"


def test_asking_for_a_code_without_the_page_token_is_refused(live: LiveServer, officers: None) -> None:
    desk = DeskBrowser(live.url)
    resp = desk.http.post(f"{live.url}/console/login/qr", json={}, timeout=10)
    assert resp.status_code == 400 and "页面已过期" in resp.text


def test_a_scan_confirmed_for_someone_unbound_since_signs_no_one_in(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer, officers: None
) -> None:
    desk = DeskBrowser(live.url)
    desk.code()
    (scene,) = login_scenes(fake_wechat)
    assert "已登录监管后台" in peer.send_event(OFFICER, "SCAN", scene).content
    with Session(live.app.extensions["engine"]) as session:  # his role is taken away meanwhile
        session.execute(update(User).where(User.openid == OFFICER).values(role="public", region_code=None))
        session.commit()
    assert desk.status()["status"] == "refused"
    assert desk.dashboard().status_code == 302


def test_when_wechat_fails_the_page_says_so_and_nothing_is_stored(
    live: LiveServer, fake_wechat: FakeWeChatServer, officers: None
) -> None:
    desk = DeskBrowser(live.url)
    desk.code()  # fetches the access token; the next call to WeChat fails
    fake_wechat.fail_next(1, errcode=45009)
    resp = desk.http.post(f"{live.url}/console/login/qr", json={"refresh": True},
                          headers={"X-CSRF-Token": desk.csrf}, timeout=10)
    assert resp.status_code == 502 and "暂时无法生成登录二维码" in resp.json()["message"]
    with Session(live.app.extensions["engine"]) as session:
        assert len(session.scalars(select(ConsoleLoginTicket)).all()) == 1


def test_page_loads_by_a_script_cannot_make_codes_without_end(live: LiveServer, officers: None) -> None:
    now = utcnow()
    with Session(live.app.extensions["engine"]) as session:  # 200 codes already waiting
        session.add_all(ConsoleLoginTicket(secret_hash=f"{n:064x}", status="pending", browser="", qr_url="x",
                                           created_at=now, expires_at=now + timedelta(minutes=5))
                        for n in range(200))
        session.commit()
    desk = DeskBrowser(live.url)
    resp = desk.http.post(f"{live.url}/console/login/qr", json={},
                          headers={"X-CSRF-Token": desk.csrf}, timeout=10)
    assert resp.status_code == 503 and "请稍后刷新重试" in resp.json()["message"]
