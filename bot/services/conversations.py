"""Dialogue state stored in the database, so a restart in mid-dialogue loses nothing."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.handlers.dialogue import Dialogue, State
from bot.models import Conversation, User
from bot.services.reports import ReportDraft


def load(session: Session, user: User) -> tuple[Dialogue, datetime | None]:
    """The user's dialogue (locked for this transaction) and when it last moved."""
    row = session.scalars(
        select(Conversation).where(Conversation.user_id == user.id).with_for_update()
    ).one_or_none()
    if row is None:
        return Dialogue(), None
    return _from_json(row.state, row.data), row.updated_at


def is_expired(dialogue: Dialogue, updated_at: datetime | None, *, now: datetime, idle: timedelta) -> bool:
    return dialogue.state is not State.IDLE and updated_at is not None and now - updated_at > idle


def save(session: Session, user: User, dialogue: Dialogue, *, now: datetime) -> None:
    row = session.scalars(select(Conversation).where(Conversation.user_id == user.id)).one_or_none()
    if row is None:
        row = Conversation(user_id=user.id, state="", data={}, updated_at=now)
        session.add(row)
    row.state = dialogue.state.value
    row.data = _to_json(dialogue)
    row.updated_at = now


def _to_json(dialogue: Dialogue) -> dict[str, Any]:
    return {
        "draft": dataclasses.asdict(dialogue.draft),
        "choices": list(dialogue.choices),
        "typed": dialogue.typed,
    }


def _from_json(state: str, data: dict[str, Any]) -> Dialogue:
    try:
        known = {f.name for f in dataclasses.fields(ReportDraft)}
        draft = ReportDraft(**{k: v for k, v in data.get("draft", {}).items() if k in known})
        return Dialogue(
            state=State(state), draft=draft,
            choices=[str(c) for c in data.get("choices", [])], typed=str(data.get("typed", "")),
        )
    except (ValueError, TypeError):
        # A state from an older release: start afresh rather than fail the user.
        return Dialogue()
