"""What every workflow step shares: finding the hazard, the access rule, the event, the unit.

The access rule is deliberately one function (``load_for_step``) so that every step, the
reward steps included, refuses the same way: an unknown number, a hazard outside the actor's
jurisdiction, and a hazard his enterprise has not been told about all read "not found", so a
manager cannot learn that a worker reported his plant and nobody can probe numbers.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Hazard, HazardEvent, Region, User
from bot.services.hazards import workflow_texts as T
from bot.services.people.jurisdiction import is_within
from bot.services.people.roles import OFFICER_ROLES

_MAX_NUMBER_ECHO = 30  # a typed "number" is echoed in the refusal; keep it short
REPORT_SOURCES = ("worker_report", "public_report")  # a person's report, not an inspection's finding


class WorkflowError(ValueError):
    """A refused step; ``str(exc)`` is the Chinese message shown to the person as it is."""


class Party(Enum):
    """Who may take a step: the regulator (officers) or the enterprise (its managers)."""

    OFFICER = "officer"
    MANAGER = "manager"


def normalize_number(number: str) -> str:
    return number.strip().upper()


def not_found(number: str) -> WorkflowError:
    return WorkflowError(T.NOT_FOUND.format(number=normalize_number(number)[:_MAX_NUMBER_ECHO]))


def find_hazard(session: Session, number: str, *, lock: bool) -> Hazard | None:
    """The hazard by number; ``lock`` takes its row lock (PostgreSQL) so that two officers
    acting at once serialise and the second sees the first one's state. SQLite needs no lock:
    every write transaction there starts with BEGIN IMMEDIATE (bot/db.py)."""
    query = select(Hazard).where(Hazard.number == normalize_number(number))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def officer_covers(session: Session, actor: User, hazard: Hazard) -> bool:
    """An officer acts on hazards in his region and everything under it."""
    return (
        actor.role in OFFICER_ROLES
        and actor.region_code is not None
        and is_within(session, actor.region_code, hazard.region_code)
    )


def manager_sees(actor: User, hazard: Hazard) -> bool:
    """A manager sees his enterprise's hazards once an officer has graded them (and so told
    him); before that, even knowing that a report exists would expose the reporter."""
    return (
        actor.role == "enterprise_manager"
        and actor.enterprise_id is not None
        and hazard.enterprise_id == actor.enterprise_id
        and hazard.level is not None
    )


def load_for_step(
    session: Session,
    number: str,
    *,
    actor: User,
    step: str,
    party: Party,
    states: Collection[str],
    lock: bool = True,
) -> Hazard:
    """The hazard, if ``actor`` may take ``step`` on it now; otherwise a WorkflowError.

    Order of the checks: existence and visibility (one message for both), then the party
    (an officer cannot file the enterprise's plan, nor a manager close his own hazard), then
    the state.
    """
    hazard = find_hazard(session, number, lock=lock)
    if hazard is None:
        raise not_found(number)
    is_officer = officer_covers(session, actor, hazard)
    if not is_officer and not manager_sees(actor, hazard):
        raise not_found(number)
    if party is Party.OFFICER and not is_officer:
        raise WorkflowError(T.OFFICERS_ONLY.format(step=T.STEP_NAMES[step]))
    if party is Party.MANAGER and is_officer:
        raise WorkflowError(T.MANAGERS_ONLY.format(step=T.STEP_NAMES[step]))
    check_state(hazard, step, states)
    return hazard


def check_state(hazard: Hazard, step: str, states: Collection[str]) -> None:
    if hazard.state not in states:
        raise WorkflowError(
            T.WRONG_STATE.format(state=T.STATE_NAMES.get(hazard.state, hazard.state),
                                 step=T.STEP_NAMES[step])
        )


def record_event(
    session: Session,
    hazard: Hazard,
    *,
    action: str,
    actor: User | None,
    now: datetime,
    to_state: str | None = None,
    note: str | None = None,
) -> HazardEvent:
    """Append the step to the hazard's history and move its state (the cached last
    ``to_state``) in the same breath; flushed, so photos and messages can point at it."""
    event = HazardEvent(
        hazard_id=hazard.id,
        at=now,
        action=action,
        from_state=hazard.state,
        to_state=to_state or hazard.state,
        actor_id=actor.id if actor else None,
        note=note,
    )
    hazard.state = event.to_state
    session.add(event)
    session.flush()
    return event


def unit_name(session: Session, region_code: str | None) -> str:
    """The officer's authority as people know it: "<region>应急管理局"."""
    region = session.get(Region, region_code) if region_code else None
    return region.name + T.UNIT_SUFFIX if region else T.UNKNOWN_UNIT


def clean_text(text: str | None, *, what: str, max_chars: int, required: bool = True) -> str | None:
    """Free text typed in chat: stripped, required or not, bounded."""
    text = (text or "").strip()
    if not text:
        if required:
            raise WorkflowError(T.TEXT_REQUIRED.format(what=what))
        return None
    if len(text) > max_chars:
        raise WorkflowError(T.TEXT_TOO_LONG.format(what=what, length=len(text), max=max_chars))
    return text


def required_text(text: str | None, what: str, max_chars: int) -> str:
    """Like ``clean_text`` for text that must be there (a reason, a responsible person)."""
    value = clean_text(text, what=what, max_chars=max_chars)
    assert value is not None
    return value
