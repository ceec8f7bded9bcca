"""The enterprise's side of a hazard: the 五落实 plan and the proof of rectification.

Both steps belong to the enterprise's managers, on hazards an officer has graded
(rectifying). An enterprise nobody speaks for in the system (unregistered, or no manager
bound) would leave its hazards stuck in 整改中: for such an enterprise an officer of the
jurisdiction files them on its behalf, and the history says so (the event's actor is the
officer, its note starts with 代企业填报). Where a manager is bound, only he files.

The plan's time limit becomes the hazard's deadline, so the deadline sweep nudges and
escalates against what the enterprise committed to; it may not pass the officers' own limit
(限期, the last "deadline" event), which stays what a later plan is checked against.

lifecycle re-exports the steps: the chat and the console call ``lifecycle.submit_plan`` and
``lifecycle.submit_proof``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Attachment, Hazard, HazardEvent, RectificationPlan, User
from bot.services.hazards import notifications, penalties
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.workflow_common import (
    Party,
    WorkflowError,
    check_state,
    clean_text,
    find_hazard,
    load_for_step,
    not_found,
    officer_covers,
    record_event,
    required_text,
)
from bot.services.people.roles import OFFICER_ROLES
from bot.services.platform.clock import local

DEFAULT_HORIZON_DAYS = 365  # workflow.deadline_horizon_days
MAX_HORIZON_DAYS = 3650
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


def load_target(
    session: Session, number: str, *, actor: User, step: str, lock: bool = True
) -> tuple[Hazard, bool]:
    """The hazard whose plan or proof ``actor`` may file now, and whether he files it on the
    enterprise's behalf (an officer, for an enterprise with no bound manager); otherwise a
    WorkflowError, with the same "not found" for what he may not see."""
    if actor.role not in OFFICER_ROLES:
        return load_for_step(session, number, actor=actor, step=step, party=Party.MANAGER,
                             states=("rectifying",), lock=lock), False
    hazard = find_hazard(session, number, lock=lock)
    if hazard is None or not officer_covers(session, actor, hazard):
        raise not_found(number)
    if notifications.managers(session, hazard):
        raise WorkflowError(T.MANAGERS_ONLY_BOUND.format(step=T.STEP_NAMES[step]))
    check_state(hazard, step, ("rectifying",))
    return hazard, True


def check_deadline(deadline: date, *, now: datetime, horizon_days: int = DEFAULT_HORIZON_DAYS) -> None:
    """A rectification deadline (限期 or a plan's 时限) from today in Shanxi to the horizon.

    Why a horizon: the deadline sweep nudges and escalates against the deadline, so one set
    at 9999-12-31 would let a hazard sit in 整改中 for ever without anyone being told.
    """
    today = local(now).date()
    if deadline < today:
        raise WorkflowError(T.DEADLINE_PAST.format(today=today.isoformat()))
    latest = today + timedelta(days=horizon_days)
    if deadline > latest:
        raise WorkflowError(T.DEADLINE_TOO_FAR.format(latest=latest.isoformat(), days=horizon_days))


def officer_limit(session: Session, hazard: Hazard) -> date | None:
    """The officers' 整改期限: the last 限期 event's date. Without one, the hazard's deadline
    unless a plan may have set it (then there is no limit but the plan's own)."""
    note = session.scalar(
        select(HazardEvent.note)
        .where(HazardEvent.hazard_id == hazard.id, HazardEvent.action == "deadline")
        .order_by(HazardEvent.at.desc(), HazardEvent.id.desc())
        .limit(1)
    )
    if note:
        try:
            return date.fromisoformat(note)
        except ValueError:
            pass
    return hazard.deadline if plan_of(session, hazard) is None else None


def submit_plan(
    session: Session, number: str, *, actor: User, plan: PlanDraft, now: datetime,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> Hazard:
    """五落实 by an enterprise manager of that enterprise (or an officer on behalf of an
    enterprise with none), while rectifying; replaces an earlier plan (the history keeps
    each one as an event "plan"). Its time limit may not pass the officers' limit nor the
    horizon (``workflow.deadline_horizon_days``) and becomes the hazard's deadline. The
    measures become the ledger's 整改措施. Tells the officers."""
    hazard, on_behalf = load_target(session, number, actor=actor, step="plan")
    person = required_text(plan.responsible_person, T.WHAT_PERSON, MAX_PERSON_CHARS)
    measures = required_text(plan.measures, T.WHAT_MEASURES, MAX_PLAN_TEXT_CHARS)
    contingency = required_text(plan.contingency, T.WHAT_CONTINGENCY, MAX_PLAN_TEXT_CHARS)
    funds = penalties.money_wan(plan.funds_wan, error=T.FUNDS_INVALID)
    check_deadline(plan.deadline, now=now, horizon_days=horizon_days)
    limit = officer_limit(session, hazard)
    if limit is not None and plan.deadline > limit:
        raise WorkflowError(T.PLAN_AFTER_DEADLINE.format(deadline=limit.isoformat()))
    row = plan_of(session, hazard) or RectificationPlan(hazard_id=hazard.id)
    row.responsible_person, row.measures, row.funds_wan = person, measures, funds
    row.deadline, row.contingency = plan.deadline, contingency
    row.submitted_by, row.submitted_at = actor.id, now
    session.add(row)
    hazard.measures = measures
    hazard.deadline = plan.deadline  # what the deadline sweep nudges and escalates against
    note = T.NOTE_PLAN.format(person=person, funds=funds, deadline=plan.deadline.isoformat())
    event = record_event(session, hazard, action="plan", actor=actor, now=now,
                         note=T.NOTE_ON_BEHALF + note if on_behalf else note)
    notifications.plan_submitted(session, hazard, person=person, measures=measures, funds=str(funds),
                                 deadline=plan.deadline, contingency=contingency, event=event, now=now)
    return hazard


def submit_proof(
    session: Session, number: str, *, actor: User, photo_ids: list[int], note: str, now: datetime
) -> Hazard:
    """提交整改 by a manager (or an officer on behalf of an enterprise with none):
    rectifying → awaiting_verification; needs a plan on file and a note or at least one
    photo. The photos (the actor's own uploads, not yet used) get hazard_id and event_id of
    this event. Tells the officers."""
    hazard, on_behalf = load_target(session, number, actor=actor, step="proof")
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
    event_note = (T.NOTE_ON_BEHALF + (text or "")).rstrip("：") if on_behalf else text
    event = record_event(session, hazard, action="proof", to_state="awaiting_verification",
                         actor=actor, now=now, note=event_note)
    for photo in photos:
        photo.hazard_id, photo.event_id = hazard.id, event.id
    notifications.proof_submitted(session, hazard, note=event_note, photos=len(photos), event=event, now=now)
    return hazard


def plan_of(session: Session, hazard: Hazard) -> RectificationPlan | None:
    return session.scalars(
        select(RectificationPlan).where(RectificationPlan.hazard_id == hazard.id)
    ).one_or_none()
