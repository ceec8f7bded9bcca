"""Mini-program uploads land in the configured media store: the directory or an S3 bucket.

``api_app`` is overridden to run once per ``[media] backend`` (the bucket is moto's server
on 127.0.0.1). A bucket that cannot be reached refuses the report with a Chinese message
and writes nothing, so the reporter can simply send it again.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from bot.models import Attachment, Hazard
from tests.api.conftest import ApiClient, api_config, login
from tests.api.test_reports import count, form, post_report
from tests.fakes.s3_server import MotoS3Server
from tests.fakes.wechat_api import FakeWeChatServer, free_port


def _start(config: dict[str, Any]) -> Flask:
    app = create_app(config)
    app.test_client_class = ApiClient
    return app


@pytest.fixture(params=["local", "s3"])
def api_app(
    request: pytest.FixtureRequest, clean_db: Engine, database_url: str, tmp_path: Path,
    fake_wechat: FakeWeChatServer,
) -> Iterator[Flask]:
    config = api_config(database_url, tmp_path / "instance", fake_wechat)
    if request.param == "s3":
        config["media"] = request.getfixturevalue("s3_media")
    app = _start(config)
    yield app
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


def test_uploaded_photos_are_kept_scrubbed_in_the_store(
    api_app: Flask, fake_wechat: FakeWeChatServer, db: sessionmaker[Session],
) -> None:
    client = api_app.test_client()
    token = login(client, fake_wechat, "oMini_store")
    made = post_report(client, token, form())
    assert made.status_code == 201, made.get_json()
    with db() as s:
        photos = s.scalars(select(Attachment).order_by(Attachment.seq)).all()
    store = api_app.extensions["media_store"]
    assert sorted(store.keys()) == sorted(str(p.relpath) for p in photos) and len(photos) == 2
    with Image.open(io.BytesIO(store.read(str(photos[0].relpath)))) as im:
        assert not im.getexif() and "exif" not in im.info  # GPS and device gone
    local = Path(api_app.config["HAZARDBOT"]["media"]["dir"])
    on_disk = [p for p in local.rglob("*") if p.is_file()] if local.is_dir() else []
    assert len(on_disk) == (2 if store.backend == "local" else 0)


def test_an_unreachable_bucket_refuses_the_report_and_writes_nothing(
    database_url: str, clean_db: Engine, tmp_path: Path, fake_wechat: FakeWeChatServer,
    db: sessionmaker[Session], s3_server: MotoS3Server,
) -> None:
    config = api_config(database_url, tmp_path / "down", fake_wechat)
    config["media"] = {**s3_server.media_config("evidence"),
                       "s3_endpoint_url": f"http://127.0.0.1:{free_port()}", "s3_timeout": 0.5}
    app = _start(config)
    try:
        client = app.test_client()
        token = login(client, fake_wechat, "oMini_down")
        refused = post_report(client, token, form())
    finally:
        app.extensions["worker"].stop()
        app.extensions["engine"].dispose()
    assert refused.status_code == 503 and refused.get_json()["code"] == "storage_unavailable"
    assert refused.get_json()["message"] == "照片暂时无法保存，请稍后重试"
    assert count(db, Hazard) == 0 and count(db, Attachment) == 0
