"""The console and its exports, the same over both media stores: a directory and an S3 bucket.

``console_app`` is overridden here to run every test once per ``[media] backend``; the S3
one talks to moto's server on 127.0.0.1 (tests/fakes/s3_server.py). Access checks are the
console's own, so an officer who may not see a hazard gets 404 from either store, and with
the bucket nothing is written to the local media directory.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from bot.models import Attachment, User
from bot.services.inspections.inspection_export import hazard_list, render_xlsx
from bot.services.reporting.photos import StoredPhoto, store_photo
from bot.services.reporting.recordings import store_recording
from tests.common.factories import T0, enterprise, make_hazard, make_inspection
from tests.common.media_samples import mp4_video
from tests.conftest import app_config
from tests.console.conftest import BASE_URL, Console
from tests.fakes.s3_server import MotoS3Server
from tests.fakes.wechat_api import FakeWeChatServer, free_port


@pytest.fixture(params=["local", "s3"])
def console_app(
    request: pytest.FixtureRequest, clean_db: Engine, database_url: str, tmp_path: Path,
    fake_wechat: FakeWeChatServer,
) -> Iterator[Flask]:
    media: dict[str, Any] = {}
    if request.param == "s3":
        media = request.getfixturevalue("s3_media")
    app = create_app(app_config(
        database_url, tmp_path / "instance", media=media,
        app={"public_base_url": BASE_URL}, wechat={"api_base_url": fake_wechat.base_url},
        console={"oauth_base_url": fake_wechat.root_url + "connect/",
                 "oauth_api_base_url": fake_wechat.root_url, "page_size": 10},
    ))
    yield app
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


def _phone_jpeg(color: str = "red") -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


def _photo_of(db: sessionmaker[Session], stored: StoredPhoto, enterprise_name: str) -> tuple[str, int]:
    with db() as s:
        hazard = make_hazard(s, enterprise=enterprise(s, enterprise_name))
        photo = Attachment(hazard_id=hazard.id, seq=1, media_id="m", status="stored",
                           relpath=stored.relpath, content_type=stored.content_type,
                           created_at=hazard.reported_at)
        s.add(photo)
        s.commit()
        return hazard.number, photo.id


def _local_files(app: Flask) -> list[Path]:
    root = Path(app.config["HAZARDBOT"]["media"]["dir"])
    return [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []


def test_a_photo_is_served_from_the_store_only_to_who_may_see_its_hazard(
    console: Console, console_app: Flask, demo: dict[str, User], db: sessionmaker[Session],
) -> None:
    store = console_app.extensions["media_store"]
    stored = store_photo(_phone_jpeg(), store)
    mine = _photo_of(db, stored, "太原晋钢钢铁有限公司")  # 小店区
    theirs = _photo_of(db, stored, "清徐宏达焦化钢铁有限公司")  # 清徐县
    console.sign_in(demo["county-xiaodian"].openid)
    assert f"/console/photos/{mine[1]}" in console.get(f"/console/hazards/{mine[0]}").get_data(as_text=True)
    with console.get(f"/console/photos/{mine[1]}") as response:
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.content_length == stored.size_bytes
        assert response.data == store.read(stored.relpath) and b"PhoneMaker" not in response.data
    assert console.get(f"/console/photos/{theirs[1]}").status_code == 404
    if store.backend == "s3":
        assert _local_files(console_app) == []  # nothing on this host's disk


def test_a_photo_gone_from_the_store_is_404_not_an_error(
    console: Console, console_app: Flask, demo: dict[str, User], db: sessionmaker[Session],
) -> None:
    store = console_app.extensions["media_store"]
    stored = store_photo(_phone_jpeg("blue"), store)
    _, photo_id = _photo_of(db, stored, "太原晋钢钢铁有限公司")
    store.delete(stored.relpath)
    console.sign_in(demo["county-xiaodian"].openid)
    assert console.get(f"/console/photos/{photo_id}").status_code == 404


def test_the_hazard_list_embeds_thumbnails_read_from_the_store(
    console_app: Flask, db: sessionmaker[Session], demo: dict[str, User],
) -> None:
    store = console_app.extensions["media_store"]
    stored = store_photo(_phone_jpeg("green"), store)
    with db() as s:
        hazard = make_hazard(s, enterprise=enterprise(s, "太原晋钢钢铁有限公司"), state="acknowledged")
        s.add(Attachment(hazard_id=hazard.id, seq=1, media_id="m", status="stored",
                         relpath=stored.relpath, content_type=stored.content_type, created_at=T0))
        s.add(Attachment(hazard_id=hazard.id, seq=2, media_id="m2", status="stored",
                         relpath="ff/ff/" + "f" * 64 + ".jpg", content_type="image/jpeg", created_at=T0))
        inspection = make_inspection(
            s, enterprise=enterprise(s, "太原晋钢钢铁有限公司"), stage="joint_inspection",
            by=s.get(User, demo["county-xiaodian"].id), started_at=T0, findings=(hazard,))
        s.commit()
        data = hazard_list(s, inspection, store=store)
    assert data.rows[0].evidence == "现场照片 2 张" and len(data.rows[0].photos) == 1  # the lost one left out
    sheet = load_workbook(io.BytesIO(render_xlsx(data))).active
    assert len(sheet._images) == 1  # noqa: SLF001 - openpyxl keeps embedded pictures here


def test_readyz_names_the_backend_and_checks_it(console_app: Flask) -> None:
    ready = console_app.test_client().get("/readyz")
    backend = console_app.config["HAZARDBOT"]["media"]["backend"]
    assert ready.status_code == 200
    assert ready.get_json()["checks"]["storage"] == "ok" and ready.get_json()["storage_backend"] == backend


def test_readyz_refuses_when_the_bucket_cannot_be_reached(
    database_url: str, clean_db: Engine, tmp_path: Path, fake_wechat: FakeWeChatServer,
    s3_server: MotoS3Server,
) -> None:
    down = s3_server.media_config("evidence", prefix="")
    down["s3_endpoint_url"] = f"http://127.0.0.1:{free_port()}"
    down["s3_timeout"] = 0.5
    app = create_app(app_config(database_url, tmp_path / "down", media=down,
                                wechat={"api_base_url": fake_wechat.base_url}))
    try:
        ready = app.test_client().get("/readyz")
    finally:
        app.extensions["worker"].stop()
        app.extensions["engine"].dispose()
    body = ready.get_json()
    assert ready.status_code == 503 and body["storage_backend"] == "s3"
    assert body["checks"]["storage"].startswith("unavailable (s3 head_bucket failed")
    assert "127.0.0.1" not in ready.get_data(as_text=True)


def test_a_missing_bucket_makes_readyz_refuse(
    database_url: str, clean_db: Engine, tmp_path: Path, fake_wechat: FakeWeChatServer,
    s3_server: MotoS3Server,
) -> None:
    app = create_app(app_config(database_url, tmp_path / "nobucket",
                                media=s3_server.media_config("never-created"),
                                wechat={"api_base_url": fake_wechat.base_url}))
    try:
        ready = app.test_client().get("/readyz")
    finally:
        app.extensions["worker"].stop()
        app.extensions["engine"].dispose()
    assert ready.status_code == 503 and "head_bucket" in ready.get_json()["checks"]["storage"]



def test_a_video_and_its_thumbnail_play_from_the_store_only_for_its_county(
    console: Console, console_app: Flask, demo: dict[str, User], db: sessionmaker[Session],
) -> None:
    store = console_app.extensions["media_store"]
    clip = mp4_video(200 * 1024)  # more than one streamed chunk
    video = store_recording(clip, store, kind="video", max_bytes=1 << 21)
    thumb = store_photo(_phone_jpeg("yellow"), store)
    with db() as s:
        hazard = make_hazard(s, enterprise=enterprise(s, "太原晋钢钢铁有限公司"))
        row = Attachment(hazard_id=hazard.id, seq=1, media_id="V1", kind="video", status="stored",
                         relpath=video.relpath, content_type=video.content_type,
                         size_bytes=video.size_bytes, thumb_relpath=thumb.relpath,
                         created_at=hazard.reported_at)
        s.add(row)
        s.commit()
        video_id = row.id
    console.sign_in(demo["county-xiaodian"].openid)
    with console.get(f"/console/evidence/{video_id}") as response:
        assert response.status_code == 200 and response.mimetype == "video/mp4"
        assert response.data == clip
    with console.get(f"/console/evidence/{video_id}/thumb") as response:
        assert response.status_code == 200 and response.data == store.read(thumb.relpath)
    if store.backend == "s3":
        assert _local_files(console_app) == []
    console.sign_in(demo["county-qingxu"].openid)
    assert console.get(f"/console/evidence/{video_id}").status_code == 404
