"""Jurisdictions: province → everything, city → itself and its counties, county → itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.models import Region
from bot.services.people.jurisdiction import is_within, jurisdiction_codes


@pytest.fixture
def session(clean_db: Engine) -> Iterator[Session]:
    with Session(clean_db) as s:
        yield s


def test_the_province_covers_every_division(session: Session) -> None:
    codes = jurisdiction_codes(session, "140000")
    assert len(codes) == session.scalar(select(func.count()).select_from(Region))
    assert {"140000", "140100", "140105", "141181"} <= codes


def test_a_city_covers_itself_and_its_counties_only(session: Session) -> None:
    codes = jurisdiction_codes(session, "140100")
    assert codes == {"140100", "140105", "140106", "140107", "140108", "140109", "140110",
                     "140121", "140122", "140123", "140181"}


def test_a_county_covers_itself(session: Session) -> None:
    assert jurisdiction_codes(session, "140105") == {"140105"}


def test_an_unknown_code_grants_nothing(session: Session) -> None:
    assert jurisdiction_codes(session, "999999") == set()
    assert not is_within(session, "999999", "140105")
    assert not is_within(session, "140000", "999999")


@pytest.mark.parametrize(
    ("officer", "target", "expected"),
    [
        ("140000", "140105", True),
        ("140000", "140100", True),
        ("140100", "140105", True),
        ("140100", "140100", True),
        ("140105", "140105", True),
        ("140100", "140302", False),  # 阳泉市城区 is not Taiyuan's
        ("140105", "140106", False),  # a neighbouring county
        ("140105", "140100", False),  # a county officer does not act for his city
        ("140302", "140502", False),  # the two 城区
    ],
)
def test_is_within(session: Session, officer: str, target: str, expected: bool) -> None:
    assert is_within(session, officer, target) is expected
    assert (target in jurisdiction_codes(session, officer)) is expected
