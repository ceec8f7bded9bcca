"""Readable hazard numbers: YH + local (Asia/Shanghai) date + 4-digit sequence, e.g. YH202611240001."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from bot.models import HazardCounter
from bot.services.platform.clock import local


def next_hazard_number(session: Session, now: datetime) -> str:
    """Issue the next number of the local day: unique, and increasing within the day.

    On PostgreSQL the counter row is moved by one statement in autocommit, on a separate
    connection, so it is committed at once: no lock is held across the report's transaction, so
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
    """The counter moved on a connection of its own in autocommit: the upsert is its whole
    transaction, one round trip (no BEGIN, no COMMIT), and commits at once."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return _take(conn, day)


def _take_inside(session: Session, day: str) -> int:
    """The counter moved in the report's own transaction (SQLite)."""
    return _take(session.connection(), day)


# One upsert: the day's row made with 1, or moved on by one (SQLite ≥ 3.35 and PostgreSQL
# spell it alike). Written out, not built with the dialects' ``on_conflict_do_update``, which
# SQLAlchemy cannot cache: that one was compiled anew for every report.
_UPSERT = text(
    f"INSERT INTO {HazardCounter.__tablename__} (day, last) VALUES (:day, 1) "
    f"ON CONFLICT (day) DO UPDATE SET last = {HazardCounter.__tablename__}.last + 1 RETURNING last"
)


def _take(conn: Connection, day: str) -> int:
    return int(conn.execute(_UPSERT, {"day": day}).scalar_one())


def _format(day: str, last: int) -> str:
    return f"YH{day}{last:04d}"


_NUMBER = re.compile(r"YH\d{12,}")


def is_hazard_number(text: str) -> bool:
    """True for a well-formed number (more than 9,999 a day simply adds a digit)."""
    return _NUMBER.fullmatch(text) is not None
