"""Readable hazard numbers: YH + local (Asia/Shanghai) date + 4-digit sequence, e.g. YH202611240001."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models import HazardCounter
from bot.services.platform.clock import local


def next_hazard_number(session: Session, now: datetime) -> str:
    """Issue the next number of the local day: unique, and increasing within the day.

    On PostgreSQL the counter row is moved in a short transaction of its own, on a separate
    connection, and committed at once: no lock is held across the report's transaction, so
    confirmations do not queue behind one another. A report that rolls back after taking its
    number leaves a gap (README: numbers may skip). SQLite has one writer at a time anyway
    (the report's transaction holds the file's write lock, which a second connection would wait
    for), so there the counter moves in the caller's transaction and a rollback gives the
    number back.
    """
    day = local(now).strftime("%Y%m%d")
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        return _format(day, _take_inside(session, day))
    engine = bind.engine if isinstance(bind, Connection) else bind
    return _format(day, _take_apart(engine, day))


def _take_apart(engine: Engine, day: str) -> int:
    """The counter moved and committed on its own connection, at once."""
    with engine.connect() as conn:
        last = _take(conn, day)
        conn.commit()
    return last


def _take_inside(session: Session, day: str) -> int:
    """The counter moved in the report's own transaction (SQLite)."""
    return _take(session.connection(), day)


def _take(conn: Connection, day: str) -> int:
    """One upsert: the day's row made with 1, or moved on by one (SQLite ≥ 3.35, PostgreSQL)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    upsert = insert(HazardCounter).values(day=day, last=1)
    upsert = upsert.on_conflict_do_update(
        index_elements=[HazardCounter.day], set_={"last": HazardCounter.last + 1}
    )
    return int(conn.execute(upsert.returning(HazardCounter.last)).scalar_one())


def _format(day: str, last: int) -> str:
    return f"YH{day}{last:04d}"


_NUMBER = re.compile(r"YH\d{12,}")


def is_hazard_number(text: str) -> bool:
    """True for a well-formed number (more than 9,999 a day simply adds a digit)."""
    return _NUMBER.fullmatch(text) is not None
