"""Console fixtures: the app in live mode with WeChat web authorization on the fake server,
demo people and hazards, and a client that signs in the way a browser does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from bot.demo_console import DEMO_PREFIX, load_console_demo
from bot.dev.peer import WeChatPeer
from bot.models import User
from bot.services.platform.clock import utcnow
from tests.conftest import TEST_AES_KEY, TEST_APPID, TEST_TOKEN, app_config
from tests.fakes.wechat_api import FakeWeChatServer
from tests.servers import serving

BASE_URL = "http://console.test"


@pytest.fixture
def console_app(
    clean_db: Engine, database_url: str, tmp_path: Path, fake_wechat: FakeWeChatServer
) -> Iterator[Flask]:
    """Live mode: sign-in goes through the fake WeChat server's web authorization."""
    app = create_app(app_config(
        database_url, tmp_path / "instance",
        app={"public_base_url": BASE_URL},
        wechat={"api_base_url": fake_wechat.base_url},
        console={"oauth_base_url": fake_wechat.root_url + "connect/",
                 "oauth_api_base_url": fake_wechat.root_url, "page_size": 10},
    ))
    yield app
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


@pytest.fixture
def db(clean_db: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=clean_db, expire_on_commit=False)


@pytest.fixture
def demo(db: sessionmaker[Session]) -> dict[str, User]:
    """The demo console people (keys as in bot.demo_console.DEMO_USERS) and their hazards."""
    with db() as s:
        load_console_demo(s, now=utcnow())
        s.commit()
        users = s.scalars(select(User).where(User.openid.like(DEMO_PREFIX + "%"))).all()
        return {u.openid.removeprefix(DEMO_PREFIX): u for u in users}


class Console:
    """A browser's view of the console through the Flask test client."""

    def __init__(self, client: FlaskClient, fake: FakeWeChatServer) -> None:
        self.client = client
        self.fake = fake

    def sign_in(self, openid: str) -> Any:
        """WeChat web authorization as the browser follows it; returns the callback's response."""
        self.fake.authorize_as(openid)
        start = self.client.get("/console/login/wechat")
        assert start.status_code == 302, start.status_code
        at_wechat = requests.get(start.location, allow_redirects=False, timeout=5)
        assert at_wechat.status_code == 302, at_wechat.text
        back = urlsplit(at_wechat.headers["Location"])
        assert f"{back.scheme}://{back.netloc}" == BASE_URL
        return self.client.get(f"{back.path}?{back.query}")

    def csrf(self) -> str:
        """The session's token, as any page with a form would have put it there."""
        with self.client.session_transaction() as session:
            return str(session.setdefault("csrf_token", "token-of-this-session"))

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kw: Any) -> Any:
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.csrf()
        return self.client.post(path, data=form, **kw)


@pytest.fixture
def console(console_app: Flask, fake_wechat: FakeWeChatServer) -> Console:
    return Console(console_app.test_client(), fake_wechat)


def hazard_numbers(html: str) -> list[str]:
    return re.findall(r'class="hz-link">(YH\d+)<', html)


@pytest.fixture
def chat(console_app: Flask) -> Iterator[WeChatPeer]:
    """The console's app also serving /wechat over HTTP, and WeChat in safe mode: the same
    people in chat and at their desks."""
    with serving(console_app) as url:
        yield WeChatPeer(f"{url}/wechat", token=TEST_TOKEN, appid=TEST_APPID,
                         encoding_aes_key=TEST_AES_KEY, mode="safe")


def invite(app: Flask, *args: str) -> str:
    """``flask users invite …`` as the admin runs it; the code it prints."""
    result = app.test_cli_runner().invoke(args=["users", "invite", *args])
    assert result.exit_code == 0, result.output
    return result.output.split("绑定码：", 1)[1].split("（", 1)[0]
