"""Benchmark: the deadline sweep over many hazards (PostgreSQL; not a test, it prints figures).

    python bench/deadline_sweep.py [--count 1000000] [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Creates a throw-away database, migrates it with Alembic, inserts COUNT hazards with COPY
(most closed or due years ahead), then times ``reminders.sweep_deadlines`` with few and with
many hazards due: the time should follow the number due, not the table (the sweep reads the
``ix_hazards_state_deadline`` index). Prints the query plan too. Drops the database after.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text, update  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bot.db import make_engine  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.models import Hazard  # noqa: E402
from bot.services.registry.regions import load_regions  # noqa: E402
from bot.services.reminders.deadlines import sweep_deadlines
from bot.services.reminders.settings import ReminderSettings  # noqa: E402

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Taiyuan
TODAY = date(2026, 11, 24)
COUNTIES = ("140105", "140106", "140107", "140108", "140109", "140110", "140121", "140122")


def insert(engine, count: int) -> None:  # type: ignore[no-untyped-def]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cols = ("number, state, source, level, enterprise_name, region_code, description, anonymous, "
                "reported_at, possibly_major, deadline")
        with cur.copy(f"COPY hazards ({cols}) FROM STDIN") as copy:
            for i in range(count):
                closed = i % 3 != 0
                copy.write_row((
                    f"YH{i:012d}", "closed" if closed else "rectifying", "public_report", "general",
                    f"某某企业{i % 5000}", COUNTIES[i % len(COUNTIES)], "炉前积水", True,
                    datetime(2026, 1, 1) + timedelta(minutes=i % 400_000), False,
                    date(2026, 6, 1) if closed else date(2030, 1, 1) + timedelta(days=i % 300),
                ))
        raw.commit()
        cur.execute("ANALYZE hazards")
        raw.commit()
    finally:
        raw.close()


def make_due(engine, n: int) -> None:  # type: ignore[no-untyped-def]
    """Bring ``n`` rectifying hazards due within the nudge window (and some overdue)."""
    with Session(engine) as session:
        ids = session.scalars(
            text("SELECT id FROM hazards WHERE state = 'rectifying' AND deadline >= '2030-01-01' "
                 "ORDER BY id LIMIT :n").bindparams(n=n)
        ).all()
        for start in range(0, len(ids), 10_000):
            chunk = ids[start:start + 10_000]
            session.execute(update(Hazard).where(Hazard.id.in_(chunk))
                            .values(deadline=TODAY + timedelta(days=(start // 10_000) % 5 - 1)))
        session.commit()
        session.execute(text("ANALYZE hazards"))
        session.commit()


def timed_sweep(engine, settings: ReminderSettings, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        with Session(engine) as session:
            started = time.perf_counter()
            sweep_deadlines(session, now=NOW, settings=settings)
            best = min(best, time.perf_counter() - started)
            session.rollback()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    name = f"hazardbot_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(args.admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(args.admin_url.rsplit("/", 1)[0] + "/" + name)
    try:
        upgrade(engine)
        with Session(engine) as session:
            load_regions(session)
            session.commit()
        started = time.perf_counter()
        insert(engine, args.count)
        print(f"inserted {args.count:,} hazards with COPY in {time.perf_counter() - started:.1f} s")
        settings = ReminderSettings(holiday_shift=False)
        with engine.connect() as conn:
            query = text(
                "EXPLAIN SELECT * FROM hazards WHERE state = 'rectifying' AND deadline IS NOT NULL "
                "AND deadline <= :d ORDER BY deadline, id")
            plan = conn.execute(query.bindparams(d=TODAY + timedelta(days=3))).scalars().all()
        print("plan:", " / ".join(line.strip() for line in plan[:3]))
        done = 0
        for due in (10, 100, 1_000, 10_000, 50_000):
            if due > args.count // 3:
                break
            make_due(engine, due - done)
            done = due
            elapsed_ms = timed_sweep(engine, settings) * 1000
            print(f"{args.count:>10,} hazards, {due:>6,} due: sweep {elapsed_ms:8.1f} ms")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
