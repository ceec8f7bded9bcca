"""``flask media migrate --to s3``: an existing media directory moved into a bucket, verified.

The bucket is moto's S3 server on 127.0.0.1. After the copy the app is switched to
``backend = "s3"`` and must serve the very photos it served from the directory.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from PIL import Image
from sqlalchemy import Engine

from bot import create_app
from bot.services.reporting.photos import store_photo
from tests.conftest import app_config
from tests.fakes.s3_server import MotoS3Server
from tests.fakes.wechat_api import FakeWeChatServer


@contextmanager
def _app(database_url: str, instance: Path, fake: FakeWeChatServer, media: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config(database_url, instance, media=media,
                                wechat={"api_base_url": fake.base_url}))
    try:
        yield app
    finally:
        app.extensions["worker"].stop()
        app.extensions["engine"].dispose()


def _jpeg(color: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (30, 20), color).save(buf, "JPEG")
    return buf.getvalue()


def test_migrate_copies_verifies_and_can_run_again(
    database_url: str, clean_db: Engine, tmp_path: Path, fake_wechat: FakeWeChatServer,
    s3_server: MotoS3Server,
) -> None:
    media_dir = tmp_path / "media"
    photos = [store_photo(_jpeg(c), media_dir) for c in ("red", "green", "blue")]
    bucket = s3_server.new_bucket()
    # Still local: the bucket settings are filled in, the backend not switched yet.
    settings = {**s3_server.media_config(bucket), "backend": "local", "dir": str(media_dir)}
    with _app(database_url, tmp_path / "instance", fake_wechat, settings) as app:
        first = app.test_cli_runner().invoke(args=["media", "migrate", "--to", "s3"])
        assert first.exit_code == 0, first.output
        assert "3 copied" in first.output and "0 failed" in first.output
        objects = s3_server.objects(bucket)
        assert sorted(objects) == sorted(f"hazardbot/{p.relpath}" for p in photos)
        for p in photos:
            assert hashlib.sha256(objects[f"hazardbot/{p.relpath}"]).hexdigest() == p.sha256

        again = app.test_cli_runner().invoke(args=["media", "migrate", "--to", "s3"])
        assert again.exit_code == 0 and "0 copied" in again.output and "3 already there" in again.output

    with _app(database_url, tmp_path / "instance", fake_wechat, {**settings, "backend": "s3"}) as app:
        store = app.extensions["media_store"]
        assert store.backend == "s3" and sorted(store.keys()) == sorted(p.relpath for p in photos)
        assert store.read(photos[0].relpath) == (media_dir / photos[0].relpath).read_bytes()


def test_a_damaged_file_is_reported_and_not_carried_over(
    database_url: str, clean_db: Engine, tmp_path: Path, fake_wechat: FakeWeChatServer,
    s3_server: MotoS3Server,
) -> None:
    media_dir = tmp_path / "media"
    good, bad = store_photo(_jpeg("red"), media_dir), store_photo(_jpeg("blue"), media_dir)
    (media_dir / bad.relpath).write_bytes(b"bit rot")
    bucket = s3_server.new_bucket()
    settings = {**s3_server.media_config(bucket, prefix=""), "dir": str(media_dir)}
    with _app(database_url, tmp_path / "instance", fake_wechat, settings) as app:
        result = app.test_cli_runner().invoke(args=["media", "migrate", "--to", "s3"])
    assert result.exit_code == 1
    assert f"{bad.relpath}: failed: source does not match its content-addressed name" in result.output
    assert "1 copied" in result.output and "1 failed" in result.output
    assert "部分文件未能迁移" in result.output
    assert list(s3_server.objects(bucket)) == [good.relpath]


def test_migrate_needs_a_bucket_it_can_reach(
    database_url: str, clean_db: Engine, tmp_path: Path, fake_wechat: FakeWeChatServer,
    s3_server: MotoS3Server,
) -> None:
    with _app(database_url, tmp_path / "a", fake_wechat, {}) as app:
        result = app.test_cli_runner().invoke(args=["media", "migrate", "--to", "s3"])
        assert result.exit_code == 1 and "请先在配置 [media] 中填写 s3_bucket" in result.output
    missing = {**s3_server.media_config("never-created"), "backend": "local"}
    with _app(database_url, tmp_path / "b", fake_wechat, missing) as app:
        Path(app.config["HAZARDBOT"]["media"]["dir"]).mkdir(parents=True, exist_ok=True)
        result = app.test_cli_runner().invoke(args=["media", "migrate", "--to", "s3"])
        assert result.exit_code == 1 and "无法访问目标存储桶" in result.output
        info = app.test_cli_runner().invoke(args=["media", "info"])
        assert info.exit_code == 0 and info.output.startswith("local directory")
