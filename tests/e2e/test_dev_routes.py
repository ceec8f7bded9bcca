"""Dev routes: absent outside dev mode, and careful with what the simulator hands them.

The browser test plays the whole simulator; these check, without a browser, the edges it
does not reach: live mode exposes none of it, uploads are size-limited with a Chinese
answer, and ``/dev/simulator/send`` really signs (and encrypts) what it posts to ``/wechat``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from werkzeug.test import TestResponse

from bot import create_app
from bot.services.messaging import outbox
from bot.services.platform.clock import utcnow
from tests.conftest import app_config
from tests.servers import serving

MAX_BYTES = 1024
OPENID = "o_sim_routes01"


@pytest.fixture
def dev_app(clean_db: Engine, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Dev mode with a tiny picture limit; no worker thread (nothing here needs one)."""
    app = create_app(
        app_config(database_url, tmp_path / "instance", app={"dev_mode": True},
                   media={"max_bytes": MAX_BYTES})
    )
    yield app
    app.extensions["engine"].dispose()  # a pooled psycopg connection must not reach the GC


@pytest.fixture
def dev_client(dev_app: Flask) -> FlaskClient:
    return dev_app.test_client()


@pytest.fixture
def dev_url(dev_app: Flask) -> Iterator[str]:
    """Over real HTTP and threaded: /dev/simulator/send posts to this server's own /wechat."""
    with serving(dev_app) as url:
        yield url


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/dev/"),
        ("GET", "/dev/simulator"),
        ("POST", "/dev/simulator/send"),
        ("POST", "/dev/simulator/upload"),
        ("GET", "/dev/media/dev_0123"),
        ("GET", f"/dev/inbox?openid={OPENID}"),
        ("GET", "/dev/hazards/YH202601010001"),
    ],
)
def test_dev_routes_do_not_exist_in_live_mode(app: Flask, method: str, path: str) -> None:
    assert not app.config["HAZARDBOT"]["app"]["dev_mode"]
    assert app.test_client().open(path, method=method).status_code == 404


def test_simulator_page_is_served_in_dev_mode(dev_client: FlaskClient) -> None:
    res = dev_client.get("/dev/simulator")
    assert res.status_code == 200
    page = res.get_data(as_text=True)
    for text in ("开发收件箱", "发送", "举报", "37.723", "112.568"):
        assert text in page
    assert "://" not in page  # no CDN, no external asset: it must work offline
    for asset in ("simulator.js", "simulator.css"):
        res = dev_client.get(f"/static/dev/{asset}")
        assert res.status_code == 200 and b"://" not in res.data
        res.close()


def test_upload_refuses_an_oversize_picture(dev_client: FlaskClient) -> None:
    res = _upload(dev_client, b"\xff" * (MAX_BYTES + 1))
    assert res.status_code == 413
    assert res.get_json() == {"error": "图片太大，请选择 1 KB 以内的图片"}


def test_upload_refuses_a_body_far_over_the_limit_before_reading_it(dev_client: FlaskClient) -> None:
    res = _upload(dev_client, b"\xff" * (200 * 1024))
    assert res.status_code == 413
    assert "图片太大" in res.get_json()["error"]


def test_upload_keeps_the_picture_and_serves_it_as_its_picurl(dev_client: FlaskClient) -> None:
    picture = b"\xff\xd8 small jpeg-ish bytes"
    res = _upload(dev_client, picture)
    assert res.status_code == 201
    data = res.get_json()
    assert data["media_id"].startswith("dev_") and data["size"] == len(picture)
    assert data["pic_url"].endswith(f"/dev/media/{data['media_id']}")

    served = dev_client.get(f"/dev/media/{data['media_id']}")
    assert served.status_code == 200 and served.data == picture
    assert served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_upload_without_a_picture_is_refused_in_chinese(dev_client: FlaskClient) -> None:
    res = dev_client.post("/dev/simulator/upload", data={}, content_type="multipart/form-data")
    assert res.status_code == 400 and res.get_json() == {"error": "请选择一张图片"}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"openid": "bad openid!", "mode": "safe", "kind": "text", "fields": {"content": "举报"}}, "openid"),
        ({"openid": OPENID, "mode": "aes", "kind": "text", "fields": {"content": "举报"}}, "模式无效"),
        ({"openid": OPENID, "mode": "safe", "kind": "voice", "fields": {}}, "消息类型无效"),
        ({"openid": OPENID, "mode": "safe", "kind": "text", "fields": {"content": "  "}}, "消息不能为空"),
        ({"openid": OPENID, "mode": "safe", "kind": "location", "fields": {"lat": "北纬", "lng": 1}},
         "纬度应为数字"),
        ({"openid": OPENID, "mode": "safe", "kind": "location", "fields": {"lat": 91, "lng": 1}}, "纬度应在"),
        ({"openid": OPENID, "mode": "safe", "kind": "image", "fields": {"media_id": "../x"}}, "MediaId"),
    ],
)
def test_send_refuses_what_wechat_would_never_send(
    dev_client: FlaskClient, payload: dict[str, object], message: str
) -> None:
    res = dev_client.post("/dev/simulator/send", json=payload)
    assert res.status_code == 400
    assert message in res.get_json()["error"]


@pytest.mark.parametrize("mode", ["safe", "compatible", "plaintext"])
def test_send_signs_encrypts_and_shows_the_wire(dev_url: str, mode: str) -> None:
    res = requests.post(
        f"{dev_url}/dev/simulator/send", timeout=10,
        json={"openid": OPENID, "mode": mode, "kind": "text", "fields": {"content": "帮助"}},
    )
    assert res.status_code == 200, res.text
    wire = res.json()
    assert wire["status"] == 200 and wire["error"] is None
    assert "使用说明" in wire["reply"]
    assert "<Content><![CDATA[帮助]]></Content>" in wire["plain_xml"]
    assert "signature=" in wire["request_url"] and f"openid={OPENID}" in wire["request_url"]
    encrypted = mode != "plaintext"
    assert ("msg_signature=" in wire["request_url"]) is encrypted
    assert ("<Encrypt>" in wire["request_body"]) is encrypted
    assert ("帮助" in wire["request_body"]) is (mode != "safe")  # compatible keeps the plaintext
    assert ("<Encrypt>" in wire["response_body"]) is encrypted
    assert "使用说明" in wire["reply_xml"]


def test_inbox_lists_the_outbox_for_one_openid_in_shanghai_time(
    dev_app: Flask, dev_client: FlaskClient
) -> None:
    with dev_app.extensions["session_factory"]() as session:
        now = utcnow()
        for key, openid, text in (("t:1", OPENID, "您的报告已受理"), ("t:2", "o_someone_else", "别人的")):
            outbox.queue_message(session, key=key, openid=openid, kind="notice", text=text, now=now)
        session.commit()
    data = dev_client.get(f"/dev/inbox?openid={OPENID}").get_json()
    assert data["openid"] == OPENID
    (message,) = data["messages"]
    assert (message["kind"], message["text"], message["status"]) == ("notice", "您的报告已受理", "pending")
    assert message["channel"] is None and message["created_at"].endswith("+08:00")

    assert dev_client.get("/dev/inbox?openid=").status_code == 400


def test_unknown_hazard_is_a_json_404(dev_client: FlaskClient) -> None:
    res = dev_client.get("/dev/hazards/YH209901010001")
    assert res.status_code == 404 and "YH209901010001" in res.get_json()["error"]


def _upload(client: FlaskClient, data: bytes) -> TestResponse:
    return client.post(
        "/dev/simulator/upload", content_type="multipart/form-data",
        data={"picture": (io.BytesIO(data), "photo.jpg", "image/jpeg")},
    )
