"""Texts meant for the enterprise never carry the reporter, however he typed himself in."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.services.people.anonymity import scrub
from tests.common.factories import make_hazard, make_user


def test_reporter_name_and_phone_are_blanked_even_when_spaced(clean_db: Engine) -> None:
    with Session(clean_db) as session:
        reporter = make_user(session, role="public", name="王强", phone="13912345678")
        hazard = make_hazard(
            session, reporter=reporter, reporter_name="王强", reporter_phone="13912345678",
            description="我是王强，电话 139 1234-5678，三号炉冷却水泄漏",
        )
        cleaned = scrub(session, hazard, hazard.description)
    assert "王强" not in cleaned
    assert "1234" not in cleaned and "5678" not in cleaned
    assert "三号炉冷却水泄漏" in cleaned
