"""A photo sent in WeChat, downloaded by the worker, kept in an S3 bucket (``[media] backend = "s3"``).

The same chat as the directory case (test_dialogue_paths.py), with ``app`` overridden to
use moto's S3 server on 127.0.0.1: the scrubbed picture is in the bucket, under the prefix,
and nothing was written to this host's media directory.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import Engine

from bot import create_app
from bot.dev.peer import WeChatPeer
from bot.models import Attachment, Hazard
from tests.conftest import app_config
from tests.e2e.chat import engine_of, jpeg_with_gps, one, report_until_confirm, say
from tests.e2e.conftest import LiveServer
from tests.fakes.s3_server import MotoS3Server
from tests.fakes.wechat_api import FakeWeChatServer

BOB = "o_bob_bucket_01"


@pytest.fixture
def app(
    clean_db: Engine, database_url: str, tmp_path: Path, fake_wechat: FakeWeChatServer,
    s3_media: dict[str, Any],
) -> Iterator[Flask]:
    app = create_app(app_config(database_url, tmp_path / "instance", media=s3_media,
                                wechat={"api_base_url": fake_wechat.base_url}))
    yield app
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


def test_a_chat_photo_is_scrubbed_into_the_bucket(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer, s3_server: MotoS3Server,
    s3_media: dict[str, Any],
) -> None:
    original = jpeg_with_gps()
    fake_wechat.add_media("MEDIA_BUCKET", original)
    report_until_confirm(peer, BOB, photos=["MEDIA_BUCKET"])
    say(peer, BOB, "确认")
    live.run_worker()

    engine = engine_of(live)
    photo, hazard = one(engine, Attachment), one(engine, Hazard)
    assert photo.hazard_id == hazard.id and photo.status == "stored"
    objects = s3_server.objects(s3_media["s3_bucket"])
    assert list(objects) == [f"hazardbot/{photo.relpath}"]
    data = objects[f"hazardbot/{photo.relpath}"]
    assert hashlib.sha256(data).hexdigest() == photo.sha256 != hashlib.sha256(original).hexdigest()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and not image.getexif() and b"PhoneMaker" not in data
    media_dir = Path(live.app.config["HAZARDBOT"]["media"]["dir"])
    assert not media_dir.exists() or not [p for p in media_dir.rglob("*") if p.is_file()]
