"""待办 in chat: every open item of an officer or manager, most urgent first, a page at a time.

Why not ``lifecycle.pending_for``: that is the API's oldest-first list, capped; a province
officer with 64 open items must hear "共 64 项" and reach the 64th (``更多``), and what he
must act on first is what is overdue, then what is due soonest — not what came in first.
An item's due moment: its 受理时限 while it awaits 受理, else its rectification deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.models import Hazard, User
from bot.services.people.jurisdiction import jurisdiction_codes
from bot.services.people.roles import OFFICER_ROLES
from bot.services.platform.clock import local

MAX_ITEMS = 2000  # far beyond any jurisdiction's open items; a guard, not a page


@dataclass(frozen=True)
class TodoItem:
    hazard: Hazard
    due: date | None  # the day it must be done by (受理时限 or 整改期限), if any
    days_left: int | None  # negative: overdue by that many days


@dataclass(frozen=True)
class TodoPage:
    items: list[TodoItem]
    total: int
    offset: int


def _due(hazard: Hazard) -> date | None:
    if hazard.state == "submitted" and hazard.ack_due_at is not None:
        return local(hazard.ack_due_at).date()
    return hazard.deadline


def awaiting(session: Session, actor: User) -> Select[tuple[Hazard]] | None:
    """The hazards awaiting ``actor``: for officers, those of their jurisdiction to accept or
    verify; for managers, their enterprise's to rectify; None for anyone else."""
    if actor.role in OFFICER_ROLES and actor.region_code:
        codes = jurisdiction_codes(session, actor.region_code)
        return select(Hazard).where(Hazard.region_code.in_(codes),
                                    Hazard.state.in_(("submitted", "awaiting_verification")))
    if actor.role == "enterprise_manager" and actor.enterprise_id is not None:
        return select(Hazard).where(Hazard.enterprise_id == actor.enterprise_id, Hazard.state == "rectifying")
    return None


def todo_page(session: Session, actor: User, *, now: datetime, offset: int = 0, limit: int = 10) -> TodoPage:
    """The actor's open items from ``offset``: overdue first (most overdue first), then by
    days left, then those with no date, oldest first; ``total`` counts them all."""
    query = awaiting(session, actor)
    if query is None:
        return TodoPage([], 0, 0)
    query = query.limit(MAX_ITEMS)
    today = local(now).date()
    items = []
    for hazard in session.scalars(query):
        due = _due(hazard)
        items.append(TodoItem(hazard, due, None if due is None else (due - today).days))
    items.sort(key=lambda i: (i.due is None, i.due or today, i.hazard.reported_at, i.hazard.id))
    offset = max(0, min(offset, len(items)))
    return TodoPage(items[offset:offset + max(1, limit)], len(items), offset)
