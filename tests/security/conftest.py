"""Module-scoped fixtures for the access matrix: ONE app (chat, API and console together), one
fake WeChat server and one world of people, built once and reused by hundreds of cases.

Each case makes its own target hazard, so an allowed step cannot disturb the next case; the
people, enterprises, campaign and checklists are shared. The tables are emptied and seeded
the way ``clean_db`` does it, once for the module instead of once per case.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from tests.common.database import reset_database
from tests.conftest import TEST_APPID, TEST_SECRET, app_config
from tests.console.conftest import BASE_URL
from tests.fakes.wechat_api import FakeWeChatServer
from tests.security.access import Matrix, build_matrix


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
