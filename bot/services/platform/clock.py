"""Time at the edges: services take ``now`` as an argument; views, jobs and the CLI call this.

Everything is stored in UTC. The local zone (``app.timezone``, Asia/Shanghai) decides what
"today" means for hazard numbers and how times are shown to people.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_local_tz = ZoneInfo("Asia/Shanghai")


def configure(timezone_name: str) -> None:
    """Set the display and numbering zone from config (once, at app start)."""
    global _local_tz
    try:
        _local_tz = ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"app.timezone: unknown time zone {timezone_name!r}") from exc


def local_tz() -> ZoneInfo:
    return _local_tz


def utcnow() -> datetime:
    return datetime.now(UTC)


def local(dt: datetime) -> datetime:
    """A UTC instant as the wall-clock time in Shanxi, for display."""
    return dt.astimezone(_local_tz)


def format_local(dt: datetime) -> str:
    return local(dt).strftime("%Y-%m-%d %H:%M")
