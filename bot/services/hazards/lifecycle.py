"""The hazard lifecycle (docs/design.md §4) as one domain service for chat, API and console.

The signatures below are the contract the chat handlers are written against.

Every step: (1) finds the hazard by number (unknown → WorkflowError "没有找到编号…"),
(2) checks the actor's role and jurisdiction (an officer acts on hazards whose region_code is
within his region — bot.services.people.jurisdiction; an enterprise manager only on hazards of his
enterprise that have been graded, and only the manager steps), (3) checks the current state
(an illegal step → WorkflowError naming the current state, e.g. "该隐患当前状态为“整改中”，
不能受理"), then validates its input, (4) changes the hazard and appends a HazardEvent (who,
when, from, to, action, note) in the caller's transaction, (5) queues the outbox messages the
step causes (bot.services.hazards.notifications), and never commits (the caller's unit of work does).
Refusals change nothing: every check runs before the first write. Foreign or invisible
hazards are refused with the same message as unknown ones ("没有找到编号为 … 的隐患，或您无权
处理"), so numbers cannot be probed.

States: submitted → acknowledged (受理) → rectifying (定级) → awaiting_verification (提交整改)
→ closed (验收/销号); submitted → rejected (不予受理); awaiting_verification → rectifying (退回);
submitted|acknowledged|rectifying → merged (合并).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bot.config import ConfigError
from bot.models import Hazard, IdentityAccess, User
from bot.services.hazards import clause_hints, notifications, penalties, rewards, todo
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.penalties import PenaltyDraft
from bot.services.hazards.rectification import (
    DEFAULT_HORIZON_DAYS,
    MAX_HORIZON_DAYS,
    PlanDraft,
    check_deadline,
    plan_of,
    submit_plan,
    submit_proof,
)
from bot.services.hazards.rewards import DEFAULT_REWARDS, RewardSettings
from bot.services.hazards.workflow_common import (
    Party,
    WorkflowError,
    check_state,
    clean_text,
    find_hazard,
    load_for_step,
    normalize_number,
    not_found,
    officer_covers,
    record_event,
    required_text,
    unit_name,
)
from bot.services.people import anonymity

__all__ = [
    "MERGE_STATES", "PenaltyDraft", "PlanDraft", "ReporterView", "WorkflowError", "WorkflowSettings",
    "ack_due", "acknowledge", "classify", "classify_finding", "merge", "notify_new_report",
    "pending_for", "record_penalty",
    "reject", "reporter_identity", "send_back", "set_deadline", "submit_plan", "submit_proof",
    "supervise", "verify",
]

MAX_REASON_CHARS = 500
MAX_BASIS_CHARS = 500
IDENTITY_CHANNELS = ("chat", "console", "api")
MERGE_STATES = ("submitted", "acknowledged", "rectifying")
PENALTY_STATES = ("acknowledged", "rectifying", "awaiting_verification", "closed")


@dataclass(frozen=True)
class WorkflowSettings:
    """The deployment's numbers for the workflow (config sections [workflow] and [rewards])."""

    ack_hours: int = 24
    rewards: RewardSettings = DEFAULT_REWARDS
    # 限期 and a plan's 时限 at most this many days ahead: a deadline of 9999-12-31 would
    # keep a hazard from ever being overdue, nudged or escalated.
    deadline_horizon_days: int = DEFAULT_HORIZON_DAYS

    @classmethod
    def from_config(cls, config: Mapping[str, Mapping[str, Any]]) -> WorkflowSettings:
        ack_hours = config["workflow"]["ack_hours"]
        horizon = int(config["workflow"].get("deadline_horizon_days", DEFAULT_HORIZON_DAYS))
        rate = Decimal(str(config["rewards"]["rate"]))
        low, high = config["rewards"]["min_yuan"], config["rewards"]["max_yuan"]
        if ack_hours <= 0:
            raise ConfigError("workflow.ack_hours must be more than 0")
        if not 1 <= horizon <= MAX_HORIZON_DAYS:
            raise ConfigError(f"workflow.deadline_horizon_days must be from 1 to {MAX_HORIZON_DAYS}")
        if not 0 < rate <= 1:
            raise ConfigError("rewards.rate must be more than 0 and at most 1 (0.15 is 15%)")
        if not 0 <= low <= high:
            raise ConfigError("rewards.min_yuan must be at least 0 and at most rewards.max_yuan")
        return cls(ack_hours=ack_hours, rewards=RewardSettings(rate=rate, min_yuan=low, max_yuan=high),
                   deadline_horizon_days=horizon)


DEFAULT_SETTINGS = WorkflowSettings()


@dataclass(frozen=True)
class ReporterView:
    """What an officer of the jurisdiction may see of the reporter (each look is logged)."""

    anonymous: bool
    name: str | None
    phone: str | None
    source: str  # worker_report | public_report


def notify_new_report(
    session: Session, hazard: Hazard, *, now: datetime, settings: WorkflowSettings = DEFAULT_SETTINGS,
    photos: int | None = None,
) -> None:
    """Called by reports.submit_report: set ack_due_at (reported_at + ack_hours) and queue the
    new-report message to the county officers of hazard.region_code (and the city's officers
    too when hazard.possibly_major, or when the county has none bound); sets their
    last_notified_hazard_id. The message never carries the reporter's identity. ``photos``:
    how many the report has, when the caller knows (saves counting them)."""
    due = ack_due(hazard.reported_at, settings)
    if hazard.ack_due_at != due:  # submit_report writes it in the INSERT: no flush for nothing
        hazard.ack_due_at = due
    notifications.new_report(session, hazard, now=now, photos=photos)


def ack_due(reported_at: datetime, settings: WorkflowSettings = DEFAULT_SETTINGS) -> datetime:
    """When a report must be 受理'd by (config ``workflow.ack_hours``)."""
    return reported_at + timedelta(hours=settings.ack_hours)


def acknowledge(session: Session, number: str, *, actor: User, now: datetime) -> Hazard:
    """受理: submitted → acknowledged. Records the officer's authority as 检查单位 when none is
    set, and tells the named reporter."""
    hazard = _officer_step(session, number, actor, "acknowledge", ("submitted",))
    unit = unit_name(session, actor.region_code)
    hazard.check_unit = hazard.check_unit or unit
    record_event(session, hazard, action="acknowledge", to_state="acknowledged", actor=actor, now=now)
    notifications.acknowledged(session, hazard, unit=unit, now=now)
    return hazard


def reject(session: Session, number: str, *, actor: User, reason: str, now: datetime) -> Hazard:
    """不予受理: submitted → rejected, with a reason (required). Tells the named reporter."""
    hazard = _officer_step(session, number, actor, "reject", ("submitted",))
    why = required_text(reason, T.WHAT_REJECT_REASON, MAX_REASON_CHARS)
    record_event(session, hazard, action="reject", to_state="rejected", actor=actor, now=now, note=why)
    notifications.rejected(session, hazard, unit=unit_name(session, actor.region_code), reason=why, now=now)
    return hazard


def classify(
    session: Session, number: str, *, actor: User, level: str, basis: str | None, now: datetime
) -> Hazard:
    """定级 一般|重大 [判定依据]: acknowledged → rectifying, or a re-grade while rectifying (no
    state change; without a new basis the old one stays if the level does). The first grading
    tells the enterprise's managers the hazard is theirs to fix (no reporter identity) and asks
    for the 五落实 plan; a re-grade tells them the new level. Grading down to 一般 lifts a
    挂牌督办, which is for major hazards only. A basis given as a clause's short form ("4.4")
    is stored as its citation."""
    hazard = _officer_step(session, number, actor, "classify", ("acknowledged", "rectifying"))
    _grade(session, hazard, level=level, basis=basis, actor=actor, now=now,
           unit=unit_name(session, actor.region_code))
    return hazard


def classify_finding(
    session: Session, hazard: Hazard, *, actor: User, level: str, basis: str | None, unit: str,
    now: datetime, tell_actor: bool = True,
) -> Hazard:
    """定级 at once for an inspection's finding that carries its level (a checklist item's):
    the same step, event and notice as ``classify``, by the inspector who found it (his stage
    gave him the right, see inspections.walks), in the name of ``unit`` (the inspection's
    检查单位). ``tell_actor`` False: a manager's own 自查 finding is not sent back to him
    (the walk's summary tells him); the enterprise's other managers are told."""
    check_state(hazard, "classify", ("acknowledged",))
    _grade(session, hazard, level=level, basis=basis, actor=actor, now=now, unit=unit,
           skip=None if tell_actor else actor)
    return hazard


def set_deadline(
    session: Session, number: str, *, actor: User, deadline: date, now: datetime,
    settings: WorkflowSettings = DEFAULT_SETTINGS,
) -> Hazard:
    """限期: sets the rectification deadline (acknowledged or rectifying; not before today in
    Shanxi, nor past ``settings.deadline_horizon_days`` from it). Tells the managers once they
    know of the hazard (rectifying); before that the deadline reaches them with the assignment."""
    hazard = _officer_step(session, number, actor, "deadline", ("acknowledged", "rectifying"))
    check_deadline(deadline, now=now, horizon_days=settings.deadline_horizon_days)
    # Both dates are kept (this one in the event, the plan's in its row); the earlier one is
    # what the deadline sweep nudges against: a later 限期 does not undo the plan's promise.
    plan = plan_of(session, hazard)
    hazard.deadline = min(deadline, plan.deadline) if plan is not None else deadline
    event = record_event(session, hazard, action="deadline", actor=actor, now=now,
                         note=deadline.isoformat())
    if hazard.state == "rectifying":
        notifications.deadline_set(session, hazard, event=event, now=now)
    return hazard


def supervise(session: Session, number: str, *, actor: User, now: datetime) -> Hazard:
    """督办 (挂牌督办): major hazards only, rectifying; supervising_unit = the officer's region
    name + "应急管理局". Event without state change; tells the managers."""
    hazard = _officer_step(session, number, actor, "supervise", ("rectifying",))
    if hazard.level != "major":
        raise WorkflowError(T.NOT_MAJOR)
    if hazard.supervising_unit:
        raise WorkflowError(T.ALREADY_SUPERVISED.format(unit=hazard.supervising_unit))
    hazard.supervising_unit = unit_name(session, actor.region_code)
    event = record_event(session, hazard, action="supervise", actor=actor, now=now,
                         note=hazard.supervising_unit)
    notifications.supervised(session, hazard, event=event, now=now)
    return hazard


def verify(
    session: Session, number: str, *, actor: User, now: datetime,
    settings: WorkflowSettings = DEFAULT_SETTINGS,
) -> Hazard:
    """验收 / 销号: awaiting_verification → closed, closed_at = now. Tells the named reporter,
    the managers, and the named reporters of the reports merged into it. For a major hazard
    from worker_report/public_report with a named reporter, opens a RewardCase
    (rewards.open_case) and tells the reporter how to claim."""
    hazard = _officer_step(session, number, actor, "close", ("awaiting_verification",))
    hazard.closed_at = now
    record_event(session, hazard, action="close", to_state="closed", actor=actor, now=now)
    unit = unit_name(session, actor.region_code)
    notifications.closed(session, hazard, unit=unit, now=now)
    notifications.merged_target_closed(session, hazard, unit=unit, now=now)
    rewards.open_case(session, hazard, now=now, settings=settings.rewards)
    return hazard


def send_back(session: Session, number: str, *, actor: User, reason: str, now: datetime) -> Hazard:
    """退回: awaiting_verification → rectifying, with a reason. Tells the managers."""
    hazard = _officer_step(session, number, actor, "send_back", ("awaiting_verification",))
    why = required_text(reason, T.WHAT_SEND_BACK_REASON, MAX_REASON_CHARS)
    event = record_event(session, hazard, action="send_back", to_state="rectifying", actor=actor,
                         now=now, note=why)
    notifications.sent_back(session, hazard, reason=why, event=event, now=now)
    return hazard


def merge(session: Session, number: str, *, into: str, actor: User, now: datetime) -> Hazard:
    """合并: a duplicate report → merged into another hazard of the same county that the
    officer also covers (not a rejected or merged one). Both histories record it; the named
    reporter and (if they knew of it) the managers are told which number to follow. A report
    not yet taken on (submitted) may be merged at once: a duplicate needs no 受理 of its own."""
    hazard = _officer_step(session, number, actor, "merge", MERGE_STATES)
    if normalize_number(into) == hazard.number:
        raise WorkflowError(T.MERGE_SELF)
    target = find_hazard(session, into, lock=True)
    if target is None or not officer_covers(session, actor, target):
        raise not_found(into)
    if target.state in ("rejected", "merged"):
        raise WorkflowError(T.MERGE_TARGET_STATE.format(
            number=target.number, state=T.STATE_NAMES[target.state]))
    if target.region_code != hazard.region_code:
        raise WorkflowError(T.MERGE_OTHER_REGION)
    record_event(session, hazard, action="merge", to_state="merged", actor=actor, now=now,
                 note=T.NOTE_MERGED_INTO.format(into=target.number))
    record_event(session, target, action="merge_in", actor=actor, now=now,
                 note=T.NOTE_MERGED_FROM.format(number=hazard.number))
    notifications.merged(session, hazard, into=target.number, now=now)
    return hazard


def pending_for(session: Session, actor: User, *, limit: int = 20) -> list[Hazard]:
    """待办, oldest first: for officers, hazards in their jurisdiction awaiting them
    (submitted, awaiting_verification); for managers, their enterprise's rectifying ones."""
    query = todo.awaiting(session, actor)
    if query is None:
        return []
    limit = max(1, min(limit, 100))
    return list(session.scalars(query.order_by(Hazard.reported_at, Hazard.id).limit(limit)))


def reporter_identity(
    session: Session, number: str, *, actor: User, channel: str, now: datetime
) -> ReporterView:
    """The reporter as an officer of the jurisdiction may see him; logs an IdentityAccess row
    every time (anonymous reports too: the look itself is what is audited). Enterprise roles,
    the public and other officers get the "not found" refusal."""
    if channel not in IDENTITY_CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    hazard = find_hazard(session, number, lock=False)
    if hazard is None or not officer_covers(session, actor, hazard):
        raise not_found(number)
    session.add(IdentityAccess(hazard_id=hazard.id, officer_id=actor.id, channel=channel, at=now))
    session.flush()
    if hazard.anonymous:
        return ReporterView(anonymous=True, name=None, phone=None, source=hazard.source)
    person = anonymity.named_reporter(session, hazard)
    return ReporterView(
        anonymous=False,
        name=hazard.reporter_name or (person.name if person else None),
        phone=hazard.reporter_phone or (person.phone if person else None),
        source=hazard.source,
    )


def record_penalty(
    session: Session, number: str, *, actor: User, penalty: PenaltyDraft, now: datetime,
    settings: WorkflowSettings = DEFAULT_SETTINGS,
) -> None:
    """行政处罚 on the hazard's enterprise (registered enterprises only), by an officer of the
    jurisdiction, once the report is acknowledged; event "penalty" without state change. A
    reward case still open is recomputed, since the reward follows the fines."""
    hazard = _officer_step(session, number, actor, "penalty", PENALTY_STATES)
    if hazard.enterprise_id is None:
        raise WorkflowError(T.PENALTY_UNREGISTERED)
    clean = penalties.validated(penalty)
    penalties.add_penalty(session, hazard, clean, actor=actor, now=now)
    record_event(session, hazard, action="penalty", actor=actor, now=now, note=penalties.describe(clean))
    rewards.refresh_amount(session, hazard, settings.rewards)


# --- helpers ----------------------------------------------------------------------------------


def _officer_step(session: Session, number: str, actor: User, step: str, states: tuple[str, ...]) -> Hazard:
    return load_for_step(session, number, actor=actor, step=step, party=Party.OFFICER, states=states)


def _grade(
    session: Session, hazard: Hazard, *, level: str, basis: str | None, actor: User, now: datetime,
    unit: str, skip: User | None = None,
) -> None:
    """The one rule of 定级, for the chat's step and an inspection's finding alike."""
    code = T.LEVEL_WORDS.get((level or "").strip().lower())
    if code is None:
        raise WorkflowError(T.BAD_LEVEL)
    new_basis = clean_text(clause_hints.expand(basis.strip() if basis else basis), what=T.WHAT_BASIS,
                           max_chars=MAX_BASIS_CHARS, required=False)
    if new_basis is None and code == hazard.level:
        new_basis = hazard.basis
    first = hazard.state == "acknowledged"
    # A finding recorded before findings were graded at once arrives acknowledged with its
    # level already set: grading it the same way for the first time is what sends it to the
    # enterprise, not a no-op.
    if not first and code == hazard.level and new_basis == hazard.basis:
        raise WorkflowError(T.SAME_LEVEL.format(level=T.LEVEL_NAMES[code]))
    note = T.LEVEL_NAMES[code] + (T.BASIS_SUFFIX.format(basis=new_basis) if new_basis else "")
    if code == "general" and hazard.supervising_unit:
        note += "；" + T.NOTE_SUPERVISION_LIFTED.format(unit=hazard.supervising_unit)
        hazard.supervising_unit = None
    hazard.level, hazard.basis = code, new_basis
    event = record_event(session, hazard, action="classify", to_state="rectifying", actor=actor,
                         now=now, note=note)
    if first:
        notifications.assigned(session, hazard, unit=unit, now=now, skip=skip)
    else:
        notifications.regraded(session, hazard, event=event, now=now)
