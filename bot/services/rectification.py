"""The enterprise's side of a hazard: the 五落实 plan and the proof of rectification.

Both steps belong to the enterprise's managers alone (an officer cannot file them for the
enterprise), on hazards an officer has graded (rectifying). lifecycle re-exports them: the
chat and the console call ``lifecycle.submit_plan`` and ``lifecycle.submit_proof``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Attachment, Hazard, RectificationPlan, User
from bot.services import notifications, penalties
from bot.services import workflow_texts as T
from bot.services.clock import local
from bot.services.workflow_common import (
    Party,
    WorkflowError,
    clean_text,
    load_for_step,
    record_event,
    required_text,
)

MAX_PERSON_CHARS = 64
MAX_PLAN_TEXT_CHARS = 1000
MAX_PROOF_NOTE_CHARS = 1000


@dataclass(frozen=True)
class PlanDraft:
    """五落实 as the manager typed it."""

    responsible_person: str
    measures: str
    funds_wan: Decimal
    deadline: date
    contingency: str


def submit_plan(session: Session, number: str, *, actor: User, plan: PlanDraft, now: datetime) -> Hazard:
    """五落实 by an enterprise manager of that enterprise, while rectifying (replaces an
    earlier plan; the history keeps each one as an event "plan"). Its time limit may not pass
    the officers' deadline. The measures become the ledger's 整改措施. Tells the officers."""
    hazard = load_for_step(session, number, actor=actor, step="plan", party=Party.MANAGER,
                           states=("rectifying",))
    person = required_text(plan.responsible_person, T.WHAT_PERSON, MAX_PERSON_CHARS)
    measures = required_text(plan.measures, T.WHAT_MEASURES, MAX_PLAN_TEXT_CHARS)
    contingency = required_text(plan.contingency, T.WHAT_CONTINGENCY, MAX_PLAN_TEXT_CHARS)
    funds = penalties.money_wan(plan.funds_wan, error=T.FUNDS_INVALID)
    today = local(now).date()
    if plan.deadline < today:
        raise WorkflowError(T.DEADLINE_PAST.format(today=today.isoformat()))
    if hazard.deadline is not None and plan.deadline > hazard.deadline:
        raise WorkflowError(T.PLAN_AFTER_DEADLINE.format(deadline=hazard.deadline.isoformat()))
    row = plan_of(session, hazard) or RectificationPlan(hazard_id=hazard.id)
    row.responsible_person, row.measures, row.funds_wan = person, measures, funds
    row.deadline, row.contingency = plan.deadline, contingency
    row.submitted_by, row.submitted_at = actor.id, now
    session.add(row)
    hazard.measures = measures
    event = record_event(session, hazard, action="plan", actor=actor, now=now, note=T.NOTE_PLAN.format(
        person=person, funds=funds, deadline=plan.deadline.isoformat()))
    notifications.plan_submitted(session, hazard, person=person, measures=measures, funds=str(funds),
                                 deadline=plan.deadline, contingency=contingency, event=event, now=now)
    return hazard


def submit_proof(
    session: Session, number: str, *, actor: User, photo_ids: list[int], note: str, now: datetime
) -> Hazard:
    """提交整改 by a manager: rectifying → awaiting_verification; needs a plan on file and a
    note or at least one photo. The photos (the manager's own uploads, not yet used) get
    hazard_id and event_id of this event. Tells the officers."""
    hazard = load_for_step(session, number, actor=actor, step="proof", party=Party.MANAGER,
                           states=("rectifying",))
    if plan_of(session, hazard) is None:
        raise WorkflowError(T.PLAN_REQUIRED)
    text = clean_text(note, what=T.WHAT_PROOF_NOTE, max_chars=MAX_PROOF_NOTE_CHARS, required=False)
    ids = list(dict.fromkeys(photo_ids))
    if not ids and text is None:
        raise WorkflowError(T.PROOF_EMPTY)
    photos = list(session.scalars(
        select(Attachment).where(
            Attachment.id.in_(ids), Attachment.uploader_id == actor.id,
            Attachment.hazard_id.is_(None), Attachment.event_id.is_(None),
            Attachment.status != "rejected",
        )
    )) if ids else []
    if len(photos) != len(ids):
        raise WorkflowError(T.PHOTOS_INVALID)
    event = record_event(session, hazard, action="proof", to_state="awaiting_verification",
                         actor=actor, now=now, note=text)
    for photo in photos:
        photo.hazard_id, photo.event_id = hazard.id, event.id
    notifications.proof_submitted(session, hazard, note=text, photos=len(photos), event=event, now=now)
    return hazard


def plan_of(session: Session, hazard: Hazard) -> RectificationPlan | None:
    return session.scalars(
        select(RectificationPlan).where(RectificationPlan.hazard_id == hazard.id)
    ).one_or_none()
