"""Working days in mainland China (statutory holidays and their make-up working weekends).

Uses ``chinesecalendar``; a year it does not know yet (the State Council publishes each
year's holidays in November) falls back to Monday–Friday, with a warning.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)
_warned: set[int] = set()


def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned:
            _warned.add(day.year)
            log.warning("chinesecalendar knows no holidays for %s: using Monday–Friday", day.year)
        return day.weekday() < 5


def on_or_before_workday(day: date) -> date:
    """``day`` itself if it is a working day, else the last working day before it."""
    for _ in range(31):  # no holiday lasts a month; guards against a broken calendar
        if is_workday(day):
            return day
        day -= timedelta(days=1)
    return day
