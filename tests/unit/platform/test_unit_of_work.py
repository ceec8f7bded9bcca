"""The unit of work: a report is saved whole or not at all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Hazard, HazardEvent
from bot.services.platform.unit_of_work import UnitOfWork

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture
def factory(clean_db: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=clean_db)


def _hazard(number: str) -> Hazard:
    return Hazard(
        number=number, state="submitted", source="public_report", enterprise_name="某某厂",
        region_code="140105", description="二号车间行车吊钩无防脱钩装置", reported_at=NOW,
    )


def _numbers(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(Hazard.number).order_by(Hazard.number)))


def test_work_not_committed_is_rolled_back(factory: sessionmaker[Session]) -> None:
    uow = UnitOfWork(factory)
    with uow:
        uow.session.add(_hazard("YH202611240001"))
        uow.flush()  # written to the database, but never committed
        assert uow.session.scalar(select(func.count()).select_from(Hazard)) == 1
    assert uow.committed is False
    assert _numbers(factory) == []


def test_commit_keeps_the_work(factory: sessionmaker[Session]) -> None:
    uow = UnitOfWork(factory)
    with uow:
        hazard = _hazard("YH202611240001")
        uow.session.add(hazard)
        uow.flush()
        uow.session.add(HazardEvent(hazard_id=hazard.id, at=NOW, action="submit", to_state="submitted"))
        uow.commit()
    assert uow.committed is True
    assert _numbers(factory) == ["YH202611240001"]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(HazardEvent)) == 1


def test_only_the_committed_part_survives(factory: sessionmaker[Session]) -> None:
    uow = UnitOfWork(factory)
    with uow:
        uow.session.add(_hazard("YH202611240001"))
        uow.commit()
        uow.session.add(_hazard("YH202611240002"))
        uow.flush()
    assert _numbers(factory) == ["YH202611240001"]


def test_exception_inside_leaves_nothing_and_propagates(factory: sessionmaker[Session]) -> None:
    uow = UnitOfWork(factory)
    with pytest.raises(RuntimeError, match="photo store unavailable"):
        with uow:
            hazard = _hazard("YH202611240001")
            uow.session.add(hazard)
            uow.flush()
            uow.session.add(HazardEvent(hazard_id=hazard.id, at=NOW, action="submit", to_state="submitted"))
            uow.flush()
            raise RuntimeError("photo store unavailable")
    assert _numbers(factory) == []
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(HazardEvent)) == 0


def test_each_use_starts_uncommitted_with_a_fresh_session(factory: sessionmaker[Session]) -> None:
    uow = UnitOfWork(factory)
    with uow:
        uow.session.add(_hazard("YH202611240001"))
        uow.commit()
    first = uow.session
    with uow:
        assert uow.committed is False
        assert uow.session is not first
        uow.session.add(_hazard("YH202611240002"))
    assert _numbers(factory) == ["YH202611240001"]


def test_a_failed_unit_does_not_hold_the_database(factory: sessionmaker[Session]) -> None:
    """After a rollback the next writer gets in at once (SQLite: the write lock is released)."""
    with pytest.raises(ValueError):
        with UnitOfWork(factory) as uow:
            uow.session.add(_hazard("YH202611240001"))
            uow.flush()
            raise ValueError("bad draft")
    with UnitOfWork(factory) as uow:
        uow.session.add(_hazard("YH202611240001"))
        uow.commit()
    assert _numbers(factory) == ["YH202611240001"]
