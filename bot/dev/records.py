"""Dev-only JSON views of what the app stored: the dev inbox and a hazard's whole record.

They exist so a developer (and the browser test) can see, without a database shell, that a
report made in the simulator landed complete. Everything is shown, hashes included: dev data
only, and these routes are not registered outside dev mode.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_mapper, selectinload

from bot.models import Hazard, OutboxMessage
from bot.services.platform.clock import local


def inbox(session: Session, openid: str, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest ``limit`` outbox rows for ``openid``, oldest first, times in Asia/Shanghai."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.openid == openid)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": row.id, "kind": row.kind, "text": row.text, "status": row.status,
            "channel": row.channel, "attempts": row.attempts, "last_error": row.last_error,
            "created_at": _jsonable(row.created_at), "sent_at": _jsonable(row.sent_at),
        }
        for row in reversed(rows)
    ]


def hazard_record(session: Session, number: str) -> dict[str, Any] | None:
    """Every column of the hazard, with its events and attachments; None if no such number."""
    hazard = session.scalars(
        select(Hazard)
        .where(Hazard.number == number)
        .options(selectinload(Hazard.events), selectinload(Hazard.attachments))
    ).one_or_none()
    if hazard is None:
        return None
    record = columns(hazard)
    record["events"] = [columns(event) for event in hazard.events]
    record["attachments"] = [columns(attachment) for attachment in hazard.attachments]
    return record


def columns(row: object) -> dict[str, Any]:
    """A model row as JSON-ready data: every mapped column, by attribute name."""
    return {attr.key: _jsonable(getattr(row, attr.key)) for attr in object_mapper(row).column_attrs}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return local(value).isoformat()  # stored UTC, shown in Asia/Shanghai (docs/design.md §6)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value
