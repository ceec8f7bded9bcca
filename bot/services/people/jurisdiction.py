"""Jurisdictions: an officer acts within his region and everything under it.

A province officer sees all of Shanxi, a city officer his city and its counties, a county
officer his county. The tree is read from ``regions.parent_code`` (GB/T 2260), so a new
division in the data file needs no code change.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Region

_MAX_DEPTH = 5  # province → city → county today; the guard only stops a corrupted cycle


def jurisdiction_codes(session: Session, region_code: str) -> set[str]:
    """The region's code and the codes of every division under it.

    An unknown code yields the empty set: it grants nothing rather than failing open.
    """
    if session.get(Region, region_code) is None:
        return set()
    found = {region_code}
    frontier = {region_code}
    for _ in range(_MAX_DEPTH):
        children = set(session.scalars(select(Region.code).where(Region.parent_code.in_(frontier))))
        frontier = children - found
        if not frontier:
            break
        found |= frontier
    return found


def is_within(session: Session, region_code: str, target_code: str) -> bool:
    """Whether ``target_code`` is ``region_code`` itself or lies under it.

    Walks up from the target (at most a few steps) instead of expanding the whole tree.
    """
    code: str | None = target_code
    for _ in range(_MAX_DEPTH + 1):
        if code is None:
            return False
        region = session.get(Region, code)
        if region is None:
            return False
        if region.code == region_code:
            return True
        code = region.parent_code
    return False
