"""Logging out and a new role end a person's console sessions at once, on every browser.

The session is a signed cookie, which the server cannot take back; what it can do is refuse
it. An attacker who copied an officer's cookie (a shared PC, a proxy log, a stolen backup of
the browser profile) replays it after the officer has logged out, or after the officer has
been re-bound to another role or region, exactly as a browser would send it.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.console.auth import UID, VERSION
from bot.dev.peer import WeChatPeer
from bot.models import User
from tests.common.factories import enterprise
from tests.console.conftest import Console, invite

ENDED = "登录已失效（已退出登录，或您的角色、辖区已变更），请重新登录。"
COOKIE = "session"


def copy_of(console: Console, app: Flask) -> FlaskClient:
    """A second browser holding a copy of ``console``'s session cookie, byte for byte."""
    cookie = console.client.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def refused(client: FlaskClient) -> None:
    """The page asked for is not served: the login page says why, with no server error."""
    response = client.get("/console/hazards")
    assert response.status_code == 302 and "/console/login" in response.location
    login = client.get(response.location)
    assert login.status_code == 200 and ENDED in login.get_data(as_text=True)
    assert client.get("/console/hazards").status_code == 302  # and it stays signed out


def test_a_cookie_copied_before_logout_is_refused_after_it(
    console: Console, console_app: Flask, demo: dict[str, User]
) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    thief = copy_of(console, console_app)
    assert thief.get("/console/hazards").status_code == 200  # the copy works while he is in

    response = console.post("/console/logout")
    assert response.status_code == 302 and "/console/login" in response.location
    assert "已退出登录。" in console.get(response.location).get_data(as_text=True)
    refused(thief)


def test_logout_ends_the_sessions_on_every_browser_of_that_user_only(
    console: Console, console_app: Flask, demo: dict[str, User]
) -> None:
    officer = demo["county-xiaodian"].openid
    console.sign_in(officer)
    phone = Console(console_app.test_client(), console.fake)
    phone.sign_in(officer)  # the same officer, signed in a second time on his phone
    colleague = Console(console_app.test_client(), console.fake)
    colleague.sign_in(demo["city-taiyuan"].openid)

    assert phone.post("/console/logout").status_code == 302
    refused(console.client)
    assert colleague.get("/console/hazards").status_code == 200  # another person is not touched

    console.sign_in(officer)  # signing in again gives a session that works
    assert console.get("/console/hazards").status_code == 200


def test_a_stale_cookie_that_posts_gets_a_4xx_page_in_chinese(
    console: Console, console_app: Flask, demo: dict[str, User]
) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    token = console.csrf()
    thief = copy_of(console, console_app)
    console.post("/console/logout")

    response = thief.post("/console/logout", data={"csrf_token": token})
    assert response.status_code == 401
    assert "请先登录" in response.get_data(as_text=True)


def test_a_cookie_without_a_session_version_is_refused(
    console: Console, demo: dict[str, User]
) -> None:
    """A cookie issued before versions existed, or with one forged to another type."""
    console.sign_in(demo["county-xiaodian"].openid)
    for forged in (None, "0", 0.0, True):
        with console.client.session_transaction() as session:
            session[UID] = demo["county-xiaodian"].id
            if forged is None:
                session.pop(VERSION, None)
            else:
                session[VERSION] = forged
        refused(console.client)
        console.sign_in(demo["county-xiaodian"].openid)


def test_a_new_role_bound_in_chat_ends_the_old_roles_console_sessions(
    console: Console, console_app: Flask, demo: dict[str, User], chat: WeChatPeer,
    db: sessionmaker[Session],
) -> None:
    officer = demo["county-xiaodian"]
    console.sign_in(officer.openid)
    assert "县级监管人员" in console.get("/console/").get_data(as_text=True)
    thief = copy_of(console, console_app)

    code = invite(console_app, "--role", "city_officer", "--region", "140100")
    reply = chat.send_text(officer.openid, f"绑定 {code}")
    assert reply.status_code == 200 and "绑定成功" in reply.content, reply.content
    with db() as s:
        assert s.scalars(select(User.role).where(User.id == officer.id)).one() == "city_officer"

    refused(console.client)
    refused(thief)
    console.sign_in(officer.openid)  # a new sign-in carries the new role
    assert "市级监管人员" in console.get("/console/").get_data(as_text=True)


def test_a_new_enterprise_for_a_manager_ends_his_console_sessions(
    console: Console, console_app: Flask, demo: dict[str, User], chat: WeChatPeer,
    db: sessionmaker[Session],
) -> None:
    """Same role, another scope: the jurisdiction changed, so the session ends too."""
    manager = demo["manager"]
    console.sign_in(manager.openid)
    assert console.get("/console/hazards").status_code == 200
    with db() as s:
        other = enterprise(s, "清徐宏达焦化钢铁有限公司")
        assert other.id != manager.enterprise_id
    code = invite(console_app, "--role", "enterprise_manager", "--enterprise", str(other.id))
    assert "绑定成功" in chat.send_text(manager.openid, f"绑定 {code}").content
    refused(console.client)
