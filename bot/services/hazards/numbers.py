"""Readable hazard numbers: YH + local (Asia/Shanghai) date + 4-digit sequence, e.g. YH202611240001."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import HazardCounter
from bot.services.platform.clock import local


def next_hazard_number(session: Session, now: datetime) -> str:
    """Issue the next number of the local day.

    The counter row is incremented with UPDATE … RETURNING inside the caller's transaction, so
    concurrent reports serialise on that row and a rolled-back report gives its number back.
    """
    day = local(now).strftime("%Y%m%d")
    if session.get(HazardCounter, day) is None:
        try:
            with session.begin_nested():
                session.execute(insert(HazardCounter).values(day=day, last=0))
        except IntegrityError:
            pass  # another transaction created it first
    last = session.execute(
        update(HazardCounter)
        .where(HazardCounter.day == day)
        .values(last=HazardCounter.last + 1)
        .returning(HazardCounter.last)
    ).scalar_one()
    return f"YH{day}{last:04d}"


_NUMBER = re.compile(r"YH\d{12,}")


def is_hazard_number(text: str) -> bool:
    """True for a well-formed number (more than 9,999 a day simply adds a digit)."""
    return _NUMBER.fullmatch(text) is not None
