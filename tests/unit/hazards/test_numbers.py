"""Hazard numbers as reporters and officers read them: YH + local date + sequence, no repeats."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import HazardCounter
from bot.services.hazards.numbers import is_hazard_number, next_hazard_number
from tests.common.factories import make_hazard


@pytest.fixture
def factory(clean_db: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=clean_db)


def _issue(factory: sessionmaker[Session], now: datetime) -> str:
    with factory() as session:
        number = next_hazard_number(session, now)
        session.commit()
        return number


def test_number_carries_the_shanghai_date(factory: sessionmaker[Session]) -> None:
    # 17:00 UTC on the 23rd is 01:00 on the 24th in Shanxi: the reporter's day is the 24th.
    assert _issue(factory, datetime(2026, 11, 23, 17, 0, tzinfo=UTC)) == "YH202611240001"


def test_last_minute_of_a_local_day_keeps_that_day(factory: sessionmaker[Session]) -> None:
    assert _issue(factory, datetime(2026, 11, 23, 15, 59, tzinfo=UTC)) == "YH202611230001"


def test_numbers_run_on_within_a_day_and_restart_the_next(factory: sessionmaker[Session]) -> None:
    morning = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 09:00 local
    assert [_issue(factory, morning + timedelta(hours=h)) for h in range(3)] == [
        "YH202611240001", "YH202611240002", "YH202611240003",
    ]
    # 16:30 UTC is 00:30 on the 25th locally
    assert _issue(factory, datetime(2026, 11, 24, 16, 30, tzinfo=UTC)) == "YH202611250001"
    assert _issue(factory, morning) == "YH202611240004"


def test_a_rolled_back_report_never_hands_its_number_out_twice(
    factory: sessionmaker[Session], clean_db: Engine
) -> None:
    """README: numbers may skip when a report rolls back, and are never repeated.

    PostgreSQL takes the number in its own transaction, so the rolled-back report's number is
    gone (a gap); SQLite takes it in the report's transaction, so the number is given back.
    """
    now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    assert _issue(factory, now) == "YH202611240001"
    with factory() as session:
        assert next_hazard_number(session, now) == "YH202611240002"
        session.rollback()  # the report failed after taking a number
    after = _issue(factory, now)
    if clean_db.dialect.name == "postgresql":
        assert after == "YH202611240003"
    else:
        assert after == "YH202611240002"


def test_a_rolled_back_first_report_of_the_day_does_not_break_the_day(
    factory: sessionmaker[Session], clean_db: Engine
) -> None:
    now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    with factory() as session:
        assert next_hazard_number(session, now) == "YH202611240001"
        session.rollback()
    with factory() as session:
        counters = session.scalars(select(HazardCounter.last)).all()
    assert counters == ([1] if clean_db.dialect.name == "postgresql" else [])
    assert _issue(factory, now) == ("YH202611240002" if counters else "YH202611240001")


def test_more_than_9999_a_day_adds_a_digit(factory: sessionmaker[Session]) -> None:
    now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    with factory() as session:
        session.add(HazardCounter(day="20261124", last=9999))
        session.commit()
    number = _issue(factory, now)
    assert number == "YH2026112410000"
    assert is_hazard_number(number)


@pytest.mark.parametrize("text", ["YH202611240001", "YH2026112410000"])
def test_well_formed_numbers_are_recognised(text: str) -> None:
    assert is_hazard_number(text)


@pytest.mark.parametrize("text", ["YH20261124001", "yh202611240001", "YH202611240001 ", "AB202611240001"])
def test_malformed_numbers_are_not(text: str) -> None:
    assert not is_hazard_number(text)


@pytest.mark.parametrize("counter_exists", [False, True], ids=["first-of-day", "counter-exists"])
def test_concurrent_reports_get_distinct_consecutive_numbers(
    factory: sessionmaker[Session], counter_exists: bool
) -> None:
    """Eight reports at once, each in its own session: no duplicate, no gap (none rolls back).

    Each transaction holds its number a moment before committing, as a real report does while
    it writes the hazard, so the transactions truly overlap (SQLite: BEGIN IMMEDIATE waits for
    the writer; PostgreSQL: the counter's own short transaction, and the unique day for the
    first report).
    """
    now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    if counter_exists:
        assert _issue(factory, now) == "YH202611240001"
    start = 2 if counter_exists else 1
    workers = 8
    barrier = threading.Barrier(workers)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def report() -> None:
        try:
            barrier.wait(timeout=10)
            with factory() as session:
                number = next_hazard_number(session, now)
                time.sleep(0.02)
                session.commit()
            with lock:
                numbers.append(number)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=report) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(numbers) == [f"YH20261124{n:04d}" for n in range(start, start + workers)]
    with factory() as session:
        assert session.get(HazardCounter, "20261124").last == start + workers - 1  # type: ignore[union-attr]


def test_configured_time_zone_decides_the_day(factory: sessionmaker[Session]) -> None:
    from bot.services.platform import clock

    at = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 01:00 next day in Shanghai
    clock.configure("UTC")
    try:
        with factory() as session:
            assert next_hazard_number(session, at) == "YH202611230001"
            session.rollback()
    finally:
        clock.configure("Asia/Shanghai")
    with pytest.raises(ValueError, match="app.timezone"):
        clock.configure("Mars/Olympus")


@pytest.mark.parametrize("counter_exists", [False, True], ids=["first-of-day", "counter-exists"])
def test_a_confirmation_does_not_wait_for_another_reports_open_transaction(
    factory: sessionmaker[Session], clean_db: Engine, counter_exists: bool
) -> None:
    """PostgreSQL: while one report's transaction is open, number taken, hazard written but not
    committed, a second report takes the next number and commits without waiting for it.

    (SQLite allows one writer at a time, whatever the counter does: nothing to show there.)
    """
    if clean_db.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers by design")
    now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    if counter_exists:
        assert _issue(factory, now) == "YH202611240001"
    first = 2 if counter_exists else 1
    with factory() as holder:
        held = make_hazard(holder, reported_at=now)
        holder.flush()  # the first report: written, its transaction left open
        assert held.number == f"YH20261124{first:04d}"
        done = threading.Event()
        taken: list[str] = []

        def second_report() -> None:
            with factory() as session:
                taken.append(next_hazard_number(session, now))
                session.commit()
            done.set()

        thread = threading.Thread(target=second_report)
        thread.start()
        # Waited for while the first transaction is still open: a lock held across it would
        # make this time out (the old counter kept its row locked until the report's commit).
        finished_while_open = done.wait(timeout=10)
        holder.commit()
        thread.join(timeout=30)
    assert finished_while_open
    assert taken == [f"YH20261124{first + 1:04d}"]
