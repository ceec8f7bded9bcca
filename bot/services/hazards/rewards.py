"""举报奖励 (安监总财〔2018〕19号): a case opened when a reported major hazard is closed,
approved and paid by officers of the jurisdiction.

The amount is 15% of the fines recorded on the hazard (enterprise + principal, 一案双罚),
at least 3,000 and at most 300,000 yuan; the three numbers are configuration
(``[rewards]``) because provinces raise them for workers' reports (应急〔2020〕69号).
Only a named reporter can be rewarded: an anonymous report keeps no link to the person, so
it gets no case at all. The reporter claims in person, with ID, within 60 days of the notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Hazard, RewardCase, User
from bot.services.hazards import notifications
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.penalties import total_fines_wan
from bot.services.hazards.workflow_common import (
    WorkflowError,
    find_hazard,
    not_found,
    officer_covers,
    record_event,
    unit_name,
)
from bot.services.platform.clock import local

CLAIM_DAYS = 60
REWARDED_SOURCES = ("worker_report", "public_report")
_YUAN_PER_WAN = 10000


@dataclass(frozen=True)
class RewardSettings:
    rate: Decimal = Decimal("0.15")
    min_yuan: int = 3000
    max_yuan: int = 300_000


DEFAULT_REWARDS = RewardSettings()


def amount_for(fines_wan: Decimal, settings: RewardSettings) -> tuple[int, str]:
    """The reward in whole yuan and how it was reached (kept on the case for the file)."""
    if fines_wan > 0:
        raw = int((fines_wan * _YUAN_PER_WAN * settings.rate).to_integral_value(ROUND_HALF_UP))
        basis = T.REWARD_BASIS_FINES.format(
            fines=fines_wan, rate=_percent(settings.rate), raw=raw
        )
    else:
        raw = 0
        basis = T.REWARD_BASIS_NO_FINE
    amount = min(max(raw, settings.min_yuan), settings.max_yuan)
    if amount > raw:
        basis += T.REWARD_BASIS_MIN.format(min=settings.min_yuan)
    elif amount < raw:
        basis += T.REWARD_BASIS_MAX.format(max=settings.max_yuan)
    return amount, basis + T.REWARD_BASIS_RULE


def is_eligible(hazard: Hazard) -> bool:
    """A closed major hazard that a named worker or member of the public reported."""
    return (
        hazard.state == "closed"
        and hazard.level == "major"
        and hazard.source in REWARDED_SOURCES
        and not hazard.anonymous
        and hazard.reporter_id is not None
    )


def open_case(
    session: Session, hazard: Hazard, *, now: datetime, settings: RewardSettings = DEFAULT_REWARDS
) -> RewardCase | None:
    """Open the case for an eligible hazard and tell the reporter how claiming works.

    Returns None (and writes nothing) for an ineligible hazard or one that has a case.
    """
    if not is_eligible(hazard) or _case_of(session, hazard) is not None:
        return None
    assert hazard.reporter_id is not None
    amount, basis = amount_for(total_fines_wan(session, hazard.id), settings)
    case = RewardCase(
        hazard_id=hazard.id, reporter_id=hazard.reporter_id, amount_yuan=amount, basis=basis,
        status="open", opened_at=now,
    )
    session.add(case)
    session.flush()
    notifications.reward_opened(session, hazard, claim_days=CLAIM_DAYS, now=now)
    return case


def refresh_amount(session: Session, hazard: Hazard, settings: RewardSettings = DEFAULT_REWARDS) -> None:
    """Recompute an open case after a penalty is recorded late; approved amounts stay."""
    case = _case_of(session, hazard)
    if case is not None and case.status == "open":
        case.amount_yuan, case.basis = amount_for(total_fines_wan(session, hazard.id), settings)


def approve(session: Session, number: str, *, actor: User, now: datetime) -> RewardCase:
    """An officer of the jurisdiction approves the amount; the reporter gets the award notice
    (amount, where, the 60-day claim deadline)."""
    hazard, case = _load_case(session, number, actor=actor, status="open", step=T.REWARD_STEP_APPROVE)
    case.status = "approved"
    case.approved_by = actor.id
    case.approved_at = now
    record_event(session, hazard, action="reward_approve", actor=actor, now=now,
                 note=T.NOTE_REWARD.format(amount=case.amount_yuan))
    claim_by = (local(now) + timedelta(days=CLAIM_DAYS)).date()
    notifications.reward_approved(
        session, hazard, amount=case.amount_yuan, claim_by=claim_by, claim_days=CLAIM_DAYS,
        unit=unit_name(session, actor.region_code), now=now,
    )
    return case


def mark_paid(session: Session, number: str, *, actor: User, now: datetime) -> RewardCase:
    """The reporter has collected the reward."""
    hazard, case = _load_case(session, number, actor=actor, status="approved", step=T.REWARD_STEP_PAY)
    case.status = "paid"
    case.paid_at = now
    record_event(session, hazard, action="reward_paid", actor=actor, now=now,
                 note=T.NOTE_REWARD.format(amount=case.amount_yuan))
    return case


def _load_case(
    session: Session, number: str, *, actor: User, status: str, step: str
) -> tuple[Hazard, RewardCase]:
    # Officers of the jurisdiction only; to anyone else, enterprise included, the hazard and
    # its reward do not exist.
    hazard = find_hazard(session, number, lock=True)
    if hazard is None or not officer_covers(session, actor, hazard):
        raise not_found(number)
    case = _case_of(session, hazard, lock=True)
    if case is None:
        raise WorkflowError(T.REWARD_NONE.format(number=hazard.number))
    if case.status != status:
        raise WorkflowError(T.REWARD_WRONG_STATUS.format(
            status=T.REWARD_STATUS_NAMES.get(case.status, case.status), step=step))
    return hazard, case


def _case_of(session: Session, hazard: Hazard, *, lock: bool = False) -> RewardCase | None:
    query = select(RewardCase).where(RewardCase.hazard_id == hazard.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def _percent(rate: Decimal) -> str:
    return format((rate * 100).normalize(), "f")
