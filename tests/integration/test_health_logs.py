"""Health and readiness probes, request ids and the JSON log lines an operator reads."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, text

from bot import create_app
from bot.logs import JsonFormatter, RequestIdFilter, use_json
from tests.conftest import app_config
from tests.fakes.wechat_api import FakeWeChatServer, free_port

REDIS_URL = os.environ.get("HAZARDBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture()
def json_lines() -> Iterator[io.StringIO]:
    """What our JSON handler would write, captured from the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _other_app(database_url: str, tmp_path: Path, fake: FakeWeChatServer, **sections: dict) -> Flask:  # type: ignore[type-arg]
    return create_app(app_config(
        database_url, tmp_path / "other", wechat={"api_base_url": fake.base_url}, **sections,
    ))


def _dispose(app: Flask) -> None:
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()
    if app.extensions.get("redis") is not None:
        app.extensions["redis"].close()


def test_healthz_and_readyz_answer_when_all_is_well(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {
        "status": "ready", "checks": {"database": "ok", "migrations": "ok", "storage": "ok"},
        "storage_backend": "local",
    }


def test_readyz_refuses_a_database_behind_the_code(app: Flask, clean_db: Engine) -> None:
    with clean_db.begin() as conn:
        (head,) = conn.execute(text("SELECT version_num FROM alembic_version")).one()
        conn.execute(text("UPDATE alembic_version SET version_num = 'a0a0a0a0a0a0'"))
    try:
        ready = app.test_client().get("/readyz")
    finally:
        with clean_db.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["status"] == "not ready" and body["checks"]["database"] == "ok"
    assert "a0a0a0a0a0a0" in body["checks"]["migrations"] and head in body["checks"]["migrations"]


def test_readyz_refuses_an_unreachable_database(tmp_path: Path, fake_wechat: FakeWeChatServer) -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/nothing?connect_timeout=2"
    app = _other_app(url, tmp_path, fake_wechat)
    try:
        ready = app.test_client().get("/readyz")
    finally:
        _dispose(app)
    assert ready.status_code == 503
    checks = ready.get_json()["checks"]
    assert checks["database"].startswith("unreachable (") and "nobody" not in json.dumps(checks)


def test_readyz_checks_redis_when_configured(
    database_url: str, clean_db: Engine, tmp_path: Path, fake_wechat: FakeWeChatServer
) -> None:
    down = _other_app(database_url, tmp_path, fake_wechat,
                      redis={"url": f"redis://127.0.0.1:{free_port()}/0", "timeout": 0.5})
    try:
        ready = down.test_client().get("/readyz")
    finally:
        _dispose(down)
    assert ready.status_code == 503 and ready.get_json()["checks"]["redis"].startswith("unreachable")

    up = _other_app(database_url, tmp_path, fake_wechat, redis={"url": REDIS_URL})
    try:
        if up.extensions["redis"].ping() is not True:  # pragma: no cover
            pytest.skip("Redis not reachable")
        ready = up.test_client().get("/readyz")
    except Exception as exc:  # noqa: BLE001 - redis.ConnectionError when there is none
        if os.environ.get("REQUIRE_REDIS"):
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    finally:
        _dispose(up)
    assert ready.status_code == 200 and ready.get_json()["checks"]["redis"] == "ok"


def test_every_line_of_a_request_carries_its_id(app: Flask, json_lines: io.StringIO) -> None:
    client = app.test_client()
    # A forged WeChat request: the endpoint logs the refusal, then the access line follows.
    resp = client.post("/wechat?signature=x&timestamp=1&nonce=2&openid=o_secret_person", data=b"<xml/>",
                       headers={"X-Request-Id": "lb-7f3a.42"})
    assert resp.status_code == 403 and resp.headers["X-Request-Id"] == "lb-7f3a.42"
    lines = [entry for entry in _lines(json_lines) if entry["request_id"] == "lb-7f3a.42"]
    assert [e["logger"] for e in lines] == ["bot.wechat.views", "bot.access"]
    assert "refused WeChat request" in lines[0]["msg"] and lines[0]["level"] == "WARNING"
    assert lines[1]["http"]["status"] == 403 and lines[1]["http"]["path"] == "/wechat"
    assert "o_secret_person" not in json_lines.getvalue()  # WeChat's query names the user


def test_request_ids_are_generated_and_unsafe_ones_replaced(app: Flask, json_lines: io.StringIO) -> None:
    client = app.test_client()
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/healthz").headers["X-Request-Id"]
    assert len(first) == 32 and first != second
    forged = 'abc" "level": "INFO", "msg": "forged' + "x" * 200
    echoed = client.get("/healthz", headers={"X-Request-Id": forged}).headers["X-Request-Id"]
    assert echoed != forged and len(echoed) == 32
    logging.getLogger("bot.test").warning("outside any request")
    assert _lines(json_lines)[-1]["request_id"] == "-"


def test_log_format_follows_dev_mode() -> None:
    assert use_json("auto", dev_mode=False) and not use_json("auto", dev_mode=True)
    assert use_json("json", dev_mode=True) and not use_json("text", dev_mode=False)
    with pytest.raises(ValueError):
        use_json("xml", dev_mode=False)
