"""Backups that restore (issue 21, item 2): ``flask backup create|verify|restore``.

Demo data with photos (a real WeChat dialogue whose photos the worker fetches from the fake
WeChat API, plus factory hazards along the workflow) is backed up, then restored into a brand-new
database and an empty media store behind a second app; once over the directory store and once
over S3 buckets (moto's server on 127.0.0.1: the backup copies every object of the bucket).
The restored system must hold the same hazards, events and attachments, byte-identical
photos, and write the same 附件2 and weekly table (cell for cell). A corrupted file fails
``verify`` (and ``restore``), and a database that already has tables is refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from bot import create_app
from bot.models import Attachment, Hazard, HazardEvent
from bot.services.platform.storage import MediaStore
from bot.services.platform.storage_config import store_from_config
from tests.common.factories import enterprise, make_hazard
from tests.conftest import app_config, fresh_database
from tests.e2e.chat import jpeg_with_gps, make_peer, report_until_confirm, say
from tests.e2e.conftest import LiveServer
from tests.fakes.s3_server import MotoS3Server
from tests.fakes.wechat_api import FakeWeChatServer
from tests.servers import serving

pytestmark = pytest.mark.slow

REGION = "140000"  # 山西省: every demo hazard
WEEK = "2026-W48"  # the factories' reporting week


def _rows(engine: Engine, model: type[Any]) -> list[dict[str, Any]]:
    table = model.__table__
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]


def _cells(path: Path) -> dict[str, list[list[Any]]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}


def _cli(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return str(result.output)


def _exports(app: Flask, out: Path) -> tuple[dict[str, list[list[Any]]], dict[str, list[list[Any]]]]:
    out.mkdir()
    _cli(app, "report", "ledger", "--region", REGION, "--out", str(out / "ledger.xlsx"))
    _cli(app, "report", "weekly", "--region", REGION, "--week", WEEK, "--out", str(out / "weekly.xlsx"))
    return _cells(out / "ledger.xlsx"), _cells(out / "weekly.xlsx")


def _media_section(request: pytest.FixtureRequest, backend: str) -> dict[str, Any]:
    """``[media]`` for ``backend``: the app's own directory, or a new, empty bucket."""
    if backend == "local":
        return {}
    server: MotoS3Server = request.getfixturevalue("s3_server")
    return server.media_config(server.new_bucket())


def _make_app(url: str, instance: Path, fake: FakeWeChatServer, media: dict[str, Any]) -> Flask:
    return create_app(app_config(url, instance, media=media, wechat={"api_base_url": fake.base_url}))


@pytest.fixture(params=["local", "s3"])
def source(request: pytest.FixtureRequest, clean_db: Engine, database_url: str, tmp_path: Path,
           fake_wechat: FakeWeChatServer) -> Iterator[Flask]:
    """The app in live mode over the directory store or an S3 bucket (moto's server)."""
    app = _make_app(database_url, tmp_path / "instance", fake_wechat, _media_section(request, request.param))
    yield app
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


@pytest.fixture
def with_photos(source: Flask, fake_wechat: FakeWeChatServer, clean_db: Engine) -> Flask:
    """Two reports with photos through WeChat (fetched by the worker) and a major hazard."""
    app = source
    with serving(app) as url:
        live = LiveServer(app, url)
        peer = make_peer(live)
        for i, color in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200)]):
            fake_wechat.add_media(f"MEDIA_{i}", jpeg_with_gps(color))
        report_until_confirm(peer, "o_backup_1", photos=["MEDIA_0", "MEDIA_1"])
        assert "提交成功" in say(peer, "o_backup_1", "确认")
        report_until_confirm(peer, "o_backup_2", photos=["MEDIA_2"], contact="王强 13912345678")
        assert "提交成功" in say(peer, "o_backup_2", "确认")
        live.run_worker()
    with sessionmaker(bind=clean_db)() as s:
        ent = enterprise(s, "太原晋钢钢铁有限公司")
        make_hazard(s, enterprise=ent, state="rectifying")
        make_hazard(s, enterprise=ent, state="closed", possibly_major=True)
        s.commit()
    assert len(_rows(clean_db, Attachment)) == 3
    return app


@pytest.fixture
def restored(request: pytest.FixtureRequest, source: Flask, tmp_path: Path,
             fake_wechat: FakeWeChatServer) -> Iterator[Flask]:
    """A second app on a brand-new, empty database and an empty media store of the same kind."""
    media = _media_section(request, source.config["HAZARDBOT"]["media"]["backend"])
    with fresh_database(tmp_path) as url:
        app = _make_app(url, tmp_path / "restored", fake_wechat, media)
        yield app
        app.extensions["worker"].stop()
        app.extensions["engine"].dispose()


def _media(app: Flask) -> MediaStore:
    return store_from_config(app.config["HAZARDBOT"]["media"])


def test_a_backup_restores_the_same_records_photos_and_forms(
    with_photos: Flask, restored: Flask, clean_db: Engine, tmp_path: Path
) -> None:
    source = with_photos
    backup = tmp_path / "backup"
    assert "3 evidence objects" in _cli(source, "backup", "create", str(backup))
    assert "backup OK" in _cli(source, "backup", "verify", str(backup))
    manifest = json.loads((backup / "manifest.json").read_text("utf-8"))
    assert manifest["evidence"]["store"] == source.config["HAZARDBOT"]["media"]["backend"]
    before = {m: _rows(clean_db, m) for m in (Hazard, HazardEvent, Attachment)}
    forms_before = _exports(source, tmp_path / "forms_before")

    # The live database keeps changing after the backup: none of it may reach the restore.
    with sessionmaker(bind=clean_db)() as s:
        make_hazard(s, description="备份之后才举报的隐患")
        s.commit()

    assert "restored" in _cli(restored, "backup", "restore", str(backup))
    engine = restored.extensions["engine"]
    assert {m: _rows(engine, m) for m in (Hazard, HazardEvent, Attachment)} == before
    assert len(before[Hazard]) == 4 and len(before[Attachment]) == 3
    relpaths = [r["relpath"] for r in before[Attachment]]
    assert all(relpaths) and {r["status"] for r in before[Attachment]} == {"stored"}
    for relpath in relpaths:
        assert _media(restored).read(relpath) == _media(source).read(relpath)
    assert sorted(_media(restored).keys()) == sorted(_media(source).keys())

    ledger, weekly = _exports(restored, tmp_path / "forms_after")
    assert (ledger, weekly) == forms_before
    assert any("太原晋钢钢铁有限公司" in str(v) for rows in ledger.values() for r in rows for v in r)


def test_verify_finds_a_corrupted_photo_and_restore_refuses_it(
    with_photos: Flask, restored: Flask, tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    _cli(with_photos, "backup", "create", str(backup))
    photo = next(p for p in (backup / "evidence").rglob("*") if p.is_file())
    data = bytearray(photo.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: a bad disk sector
    photo.write_bytes(bytes(data))

    result = with_photos.test_cli_runner().invoke(args=["backup", "verify", str(backup)])
    assert result.exit_code == 1
    name = photo.relative_to(backup).as_posix()
    assert f"FAILED {name}: sha256 differs" in result.output

    result = restored.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
    assert result.exit_code == 1 and "does not verify, nothing was restored" in result.output
    assert list(_media(restored).keys()) == []
    with restored.extensions["engine"].connect() as conn:
        assert not restored.extensions["engine"].dialect.has_table(conn, "hazards")


def test_restore_refuses_a_database_that_is_not_empty(with_photos: Flask, tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    _cli(with_photos, "backup", "create", str(backup))
    result = with_photos.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
    assert result.exit_code == 1
    assert "the target database is not empty" in result.output


def test_create_refuses_a_directory_that_holds_something(source: Flask, tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "notes.txt").write_text("x")
    result = source.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "old")])
    assert result.exit_code == 1 and "is not empty" in result.output
