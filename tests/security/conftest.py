"""Fixtures of the security tests.

- The access matrix's module-scoped fixtures: ONE app (chat, API and console together), one
  fake WeChat server and one world of people, built once and reused by hundreds of cases.
  Each case makes its own target hazard, so an allowed step cannot disturb the next case; the
  people, enterprises, campaign and checklists are shared. The tables are emptied and seeded
  the way ``clean_db`` does it, once for the module instead of once per case.
- ``attack_app`` with ``live``, ``peer`` and ``client``: chat and API in one app per test, with
  the settings a module names in its ``app_settings`` fixture (small limits, so that an attack
  reaches them in a few requests).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from bot.dev.peer import WeChatPeer
from tests.api.conftest import ApiClient, api_config
from tests.common.database import reset_database
from tests.conftest import TEST_APPID, TEST_SECRET, app_config
from tests.console.conftest import BASE_URL
from tests.e2e.chat import make_peer
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer
from tests.security.access import Matrix, build_matrix
from tests.servers import serving


@pytest.fixture(scope="module")
def matrix_fake() -> Iterator[FakeWeChatServer]:
    with FakeWeChatServer(appid=TEST_APPID, secret=TEST_SECRET) as server:
        yield server


@pytest.fixture(scope="module")
def matrix_db(engine: Engine) -> sessionmaker[Session]:
    reset_database(engine)
    return sessionmaker(bind=engine, expire_on_commit=False)


@pytest.fixture(scope="module")
def matrix_app(
    matrix_db: sessionmaker[Session], database_url: str, tmp_path_factory: pytest.TempPathFactory,
    matrix_fake: FakeWeChatServer,
) -> Iterator[Flask]:
    """Live mode: chat on /wechat, the mini-program API, the console signing in through the
    fake server's web authorization."""
    instance: Path = tmp_path_factory.mktemp("matrix") / "instance"
    app = create_app(app_config(
        database_url, instance,
        app={"public_base_url": BASE_URL},
        wechat={"api_base_url": matrix_fake.base_url},
        api={"miniprogram_appid": matrix_fake.mini_appid, "miniprogram_secret": matrix_fake.mini_secret},
        console={"oauth_base_url": matrix_fake.root_url + "connect/",
                 "oauth_api_base_url": matrix_fake.root_url},
    ))
    yield app
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


@pytest.fixture(scope="module")
def matrix(matrix_app: Flask, matrix_db: sessionmaker[Session], matrix_fake: FakeWeChatServer) -> Matrix:
    return build_matrix(matrix_app, matrix_db, matrix_fake)


@pytest.fixture
def app_settings() -> dict[str, Any]:
    """Config sections a module sets for its ``attack_app``; none by default."""
    return {}


@pytest.fixture
def attack_app(
    clean_db: Engine, database_url: str, tmp_path: Path, fake_wechat: FakeWeChatServer,
    app_settings: dict[str, Any],
) -> Iterator[Flask]:
    """Chat and API in one app, live mode, through the fake WeChat server."""
    config = api_config(database_url, tmp_path / "instance", fake_wechat)
    config.update(app_settings)
    app = create_app(config)
    app.test_client_class = ApiClient
    yield app
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


@pytest.fixture
def live(attack_app: Flask) -> Iterator[LiveServer]:
    with serving(attack_app) as url:
        yield LiveServer(attack_app, url)


@pytest.fixture
def peer(live: LiveServer) -> WeChatPeer:
    return make_peer(live)


@pytest.fixture
def client(attack_app: Flask) -> ApiClient:
    return attack_app.test_client()  # type: ignore[return-value]
