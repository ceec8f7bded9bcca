"""The chat's side of the officers' workflow: the ``ChatPort`` methods behind the commands.

Each method calls the domain service (lifecycle, rewards, bindings) for the person talking,
in the message's transaction, and hands back what the confirmation shows. Refusals
(``WorkflowError``, ``BindingError``) pass through unchanged: their text is the answer.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.handlers.core import Outcome, PendingItem, PlanTarget
from bot.models import Hazard, User
from bot.services.hazards import clause_hints, lifecycle, penalties, rectification, rewards, todo
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.lifecycle import (
    PenaltyDraft,
    PlanDraft,
    ReporterView,
    WorkflowError,
    WorkflowSettings,
)
from bot.services.messaging import outbox
from bot.services.people import anonymity, bindings, management
from bot.services.platform.clock import local

log = logging.getLogger(__name__)

_LABEL_CHARS = 80


class WorkflowChat:
    """Mixed into ``ChatServices``: one user, one transaction, one ``now``."""

    session: Session
    user: User
    now: datetime
    workflow: WorkflowSettings

    # --- who is talking ----------------------------------------------------------------------

    def role(self) -> str:
        return bindings.chat_role(self.user)

    def today(self) -> date:
        return local(self.now).date()

    def last_notified_number(self) -> str | None:
        hazard_id = self.user.last_notified_hazard_id
        hazard = self.session.get(Hazard, hazard_id) if hazard_id is not None else None
        return hazard.number if hazard is not None else None

    def bind(self, code: str) -> bindings.Bound:
        bound = bindings.bind(self.session, self.user, code, now=self.now)
        log.info("user %s bound as %s (%s)", self.user.id, bound.role, bound.scope)
        return bound

    def declare_worker(self, enterprise_id: int) -> str:
        return bindings.declare_worker(self.session, self.user, enterprise_id)

    def bound_role(self) -> str | None:
        return self.user.role if self.user.role not in ("public", "admin") else None

    def unbind(self) -> bool:
        handover = management.unbind_self(self.session, self.user, now=self.now, queue=outbox.queue_message)
        log.info("user %s unbound himself in chat", self.user.id)
        return bool(handover.recipients)

    # --- officers ----------------------------------------------------------------------------

    def acknowledge(self, number: str) -> Outcome:
        return _outcome(lifecycle.acknowledge(self.session, number, actor=self.user, now=self.now))

    def reject(self, number: str, reason: str) -> Outcome:
        return _outcome(lifecycle.reject(self.session, number, actor=self.user, reason=reason, now=self.now))

    def classify(self, number: str, level: str, basis: str | None) -> Outcome:
        return _outcome(lifecycle.classify(
            self.session, number, actor=self.user, level=level, basis=basis, now=self.now))

    def classify_hints(self, number: str) -> str:
        return clause_hints.hints_for_officer(self.session, number, actor=self.user)

    def set_deadline(self, number: str, deadline: date) -> Outcome:
        hazard = lifecycle.set_deadline(
            self.session, number, actor=self.user, deadline=deadline, now=self.now, settings=self.workflow)
        outcome = _outcome(hazard)
        if hazard.deadline is not None and hazard.deadline < deadline:  # the plan's date is earlier
            return replace(outcome, officer_deadline=deadline.isoformat())
        return outcome

    def supervise(self, number: str) -> Outcome:
        return _outcome(lifecycle.supervise(self.session, number, actor=self.user, now=self.now))

    def verify(self, number: str) -> Outcome:
        return _outcome(lifecycle.verify(
            self.session, number, actor=self.user, now=self.now, settings=self.workflow))

    def send_back(self, number: str, reason: str) -> Outcome:
        return _outcome(lifecycle.send_back(
            self.session, number, actor=self.user, reason=reason, now=self.now))

    def merge(self, number: str, into: str) -> Outcome:
        return _outcome(lifecycle.merge(self.session, number, into=into, actor=self.user, now=self.now))

    def pending(self, offset: int = 0, limit: int = 10) -> tuple[list[PendingItem], int]:
        page = todo.todo_page(self.session, self.user, now=self.now, offset=offset, limit=limit)
        return [
            PendingItem(
                number=i.hazard.number, enterprise=i.hazard.enterprise_name,
                state_label=T.STATE_NAMES.get(i.hazard.state, i.hazard.state),
                waiting=_waiting(self.now - (i.hazard.events[-1].at if i.hazard.events
                                             else i.hazard.reported_at)),
                urgency=_urgency(i.days_left),
            )
            for i in page.items
        ], page.total

    def reporter(self, number: str) -> ReporterView:
        view = lifecycle.reporter_identity(
            self.session, number, actor=self.user, channel="chat", now=self.now)
        log.info("officer %s looked at the reporter of %s", self.user.id, number)
        return view

    def record_penalty(self, number: str, penalty: PenaltyDraft) -> str:
        lifecycle.record_penalty(
            self.session, number, actor=self.user, penalty=penalty, now=self.now, settings=self.workflow)
        return penalties.describe(penalties.validated(penalty))

    def reward(self, number: str, action: str) -> None:
        step = rewards.approve if action == "approve" else rewards.mark_paid
        step(self.session, number, actor=self.user, now=self.now)

    # --- enterprise managers -------------------------------------------------------------------

    def plan_target(self, number: str, flow: str) -> PlanTarget:
        """The hazard, if the manager (or an officer on behalf of an enterprise with no manager)
        may file its plan (or proof) now: the same checks as the step itself, so a wrong
        number is refused before the questions, in the same words."""
        hazard, on_behalf = rectification.load_target(self.session, number, actor=self.user, step=flow,
                                                      lock=False)
        if flow == "proof" and rectification.plan_of(self.session, hazard) is None:
            raise WorkflowError(T.PLAN_REQUIRED)
        # The manager must not learn the reporter from the description either.
        description = " ".join(
            anonymity.scrub_for_enterprise(self.session, hazard, hazard.description).split())
        if len(description) > _LABEL_CHARS:
            description = description[:_LABEL_CHARS] + "…"
        level = T.LEVEL_NAMES.get(hazard.level or "", "")
        label = f"{hazard.number}（{level}）{description}"
        if on_behalf:
            label = T.ON_BEHALF_LABEL.format(label=label, enterprise=hazard.enterprise_name)
        return PlanTarget(hazard.number, label, rectification.officer_limit(self.session, hazard))

    def submit_plan(self, number: str, plan: PlanDraft) -> Outcome:
        return _outcome(lifecycle.submit_plan(self.session, number, actor=self.user, plan=plan, now=self.now,
                                              horizon_days=self.workflow.deadline_horizon_days))

    def submit_proof(self, number: str, photo_ids: list[int], note: str) -> Outcome:
        return _outcome(lifecycle.submit_proof(
            self.session, number, actor=self.user, photo_ids=photo_ids, note=note, now=self.now))


def _outcome(hazard: Hazard) -> Outcome:
    return Outcome(
        number=hazard.number,
        state_label=T.STATE_NAMES.get(hazard.state, hazard.state),
        level_label=T.LEVEL_NAMES.get(hazard.level or "", ""),
        deadline=hazard.deadline.isoformat() if hazard.deadline else "",
        supervising_unit=hazard.supervising_unit or "",
    )


def _urgency(days_left: int | None) -> str:
    if days_left is None:
        return ""
    if days_left < 0:
        return f"超期{-days_left}天"
    return "今天到期" if days_left == 0 else f"剩{days_left}天"


def _waiting(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if seconds >= 86400:
        return f"{seconds // 86400}天"
    if seconds >= 3600:
        return f"{seconds // 3600}小时"
    return f"{max(seconds // 60, 0)}分钟"
