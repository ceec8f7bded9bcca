"""Shanxi's divisions (GB/T 2260), loaded from the data file shipped in ``bot/data``."""

from __future__ import annotations

import csv
from importlib import resources

from sqlalchemy.orm import Session

from bot.models import Region

# The statistics bureau's functional zones are not GB/T 2260 divisions (see the data README).
_NOT_DIVISIONS = {"nbs_functional_zone"}


def read_divisions() -> list[dict[str, str]]:
    with resources.files("bot.data").joinpath("shanxi_divisions.csv").open(encoding="utf-8") as fh:
        return [row for row in csv.DictReader(fh) if row["level"] not in _NOT_DIVISIONS]


def load_regions(session: Session) -> int:
    """Insert or update every division; returns how many rows were written. Idempotent."""
    rows = read_divisions()
    for row in rows:  # the file lists parents before children
        region = session.get(Region, row["code"]) or Region(code=row["code"])
        region.name = row["name"]
        region.level = row["level"]
        region.parent_code = row["parent_code"] or None
        session.add(region)
        session.flush()
    return len(rows)
