"""Time at the edges: services take ``now`` as an argument; views, jobs and the CLI call this."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local(dt: datetime) -> datetime:
    """A UTC instant as the wall-clock time in Shanxi, for display."""
    return dt.astimezone(LOCAL_TZ)


def format_local(dt: datetime) -> str:
    return local(dt).strftime("%Y-%m-%d %H:%M")
