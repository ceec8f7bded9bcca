"""Shared fixtures: a migrated database (SQLite or PostgreSQL), the app, the fake WeChat API.

The backend comes from ``HAZARDBOT_TEST_DB`` (``sqlite``, the default, or ``postgresql``);
``make test`` runs the whole suite once for each. Every test gets empty tables plus the
reference data (regions) and the demo enterprises.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from bot.db import make_engine
from bot.migrate import upgrade
from tests.common.database import reset_database
from tests.common.factories import World, make_world
from tests.fakes.s3_server import MotoS3Server, credentials_in_environ
from tests.fakes.wechat_api import FakeWeChatServer

PG_ADMIN_URL = os.environ.get(
    "HAZARDBOT_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKEND = os.environ.get("HAZARDBOT_TEST_DB", "sqlite")
TEST_APPID = "wxtest0000000001"
TEST_SECRET = "test-secret"
TEST_TOKEN = "test-token"
TEST_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aQ"


def pytest_report_header() -> str:
    return f"hazardbot test database: {BACKEND}"


@contextmanager
def fresh_database(tmp_dir: Path) -> Iterator[str]:
    """A brand-new, empty database on the configured backend; dropped afterwards on PostgreSQL.

    :param tmp_dir: where a SQLite file goes (ignored on PostgreSQL).
    """
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_dir / f'test_{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"HAZARDBOT_TEST_DB must be sqlite or postgresql, not {BACKEND}")
    name = f"hazardbot_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A brand-new database for this test run."""
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database that has never been migrated."""
    with fresh_database(tmp_path) as url:
        eng = make_engine(url)
        try:
            yield eng
        finally:
            eng.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The test database, migrated to head by Alembic (as production is)."""
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def clean_db(engine: Engine) -> Engine:
    """Empty every table, then load regions and the demo enterprises."""
    reset_database(engine)
    return engine


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChatServer]:
    with FakeWeChatServer(appid=TEST_APPID, secret=TEST_SECRET) as server:
        yield server


def app_config(database_url: str, instance: Path, **sections: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Config for a test app: the test database, a temp instance dir, test WeChat secrets."""
    config: dict[str, dict[str, Any]] = {
        "app": {
            "dev_mode": False, "instance_dir": str(instance), "log_level": "INFO",
            "secret_key": "test-secret-key",
        },
        "database": {"url": database_url},
        "security": {"query_code_key": "test-query-code-key"},
        "wechat": {
            "token": TEST_TOKEN, "appid": TEST_APPID, "secret": TEST_SECRET,
            "encoding_aes_key": TEST_AES_KEY,
        },
        "jobs": {"in_process": False, "backoff_seconds": 0.01, "backoff_max_seconds": 0.02},
    }
    for section, values in sections.items():
        config.setdefault(section, {}).update(values)
    return config


@pytest.fixture
def app(
    clean_db: Engine, database_url: str, tmp_path: Path, fake_wechat: FakeWeChatServer
) -> Iterator[Flask]:
    """The app in live mode, talking to the fake WeChat API.

    Its engine is disposed afterwards: a pooled psycopg connection left to the garbage
    collector raises a ResourceWarning, which ``filterwarnings = error`` turns into a failure.
    """
    app = create_app(
        app_config(database_url, tmp_path / "instance",
                   wechat={"api_base_url": fake_wechat.base_url})
    )
    yield app
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


@pytest.fixture
def factory(clean_db: Engine) -> sessionmaker[Session]:
    """A session factory on the clean test database, for service-level tests."""
    return sessionmaker(bind=clean_db, expire_on_commit=False)


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    """Regions, enterprises and people to act with (tests/common/factories.py)."""
    with factory() as s:
        w = make_world(s)
        s.commit()
    return w


@pytest.fixture(scope="session")
def s3_server() -> Iterator[MotoS3Server]:
    """moto's S3 server on 127.0.0.1 (tests/fakes/s3_server.py), started once when first asked."""
    with credentials_in_environ(), MotoS3Server() as server:
        yield server


@pytest.fixture
def s3_media(s3_server: MotoS3Server) -> dict[str, Any]:
    """A ``[media]`` section on a fresh, empty bucket of the S3 server."""
    return s3_server.media_config(s3_server.new_bucket())
