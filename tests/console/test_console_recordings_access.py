"""A report's voice message and video go only to officers who may see the hazard: never to the
enterprise's manager (a voice can name its speaker), never to another county's officer."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Attachment, Hazard, User
from bot.services.reporting.recordings import store_recording
from tests.common.factories import enterprise, make_hazard
from tests.common.media_samples import amr_voice
from tests.console.conftest import Console


def _voice_on_a_report(db: sessionmaker[Session], media: Path) -> tuple[str, int]:
    stored = store_recording(amr_voice(), media, kind="voice", max_bytes=1 << 20)
    with db() as s:
        hazard = make_hazard(s, enterprise=enterprise(s, "太原晋钢钢铁有限公司"))
        voice = Attachment(hazard_id=hazard.id, seq=1, media_id="V1", kind="voice", status="stored",
                           relpath=stored.relpath, content_type=stored.content_type,
                           size_bytes=stored.size_bytes, transcript="除尘器泄爆口朝向通道",
                           created_at=hazard.reported_at)
        s.add(voice)
        s.commit()
        return hazard.number, voice.id


def test_the_officer_of_the_county_gets_the_recording_and_no_one_else(
    console: Console, demo: dict[str, User], db: sessionmaker[Session], console_app: Flask
) -> None:
    number, voice_id = _voice_on_a_report(db, Path(console_app.config["HAZARDBOT"]["media"]["dir"]))
    with db() as s:
        assert s.scalars(select(Hazard).where(Hazard.number == number)).one().region_code == "140105"

    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get(f"/console/hazards/{number}").get_data(as_text=True)
    assert f"/console/evidence/{voice_id}" in page and "除尘器泄爆口朝向通道" in page
    assert "没有照片" in page  # a voice message is not listed as a photo
    with console.get(f"/console/evidence/{voice_id}") as response:
        assert response.status_code == 200 and response.mimetype == "audio/amr"
        assert response.data == amr_voice()
    with console.get(f"/console/evidence/{voice_id}/download") as response:
        assert "attachment" in response.headers["Content-Disposition"]
    assert console.get(f"/console/evidence/{voice_id}/thumb").status_code == 404  # a voice has none

    for other in ("county-qingxu", "manager"):
        console.sign_in(demo[other].openid)
        assert console.get(f"/console/evidence/{voice_id}").status_code == 404, other
        assert console.get(f"/console/evidence/{voice_id}/download").status_code == 404, other
