"""行政处罚 records: validation, the one-line summary for the hazard's history, the fine total.

The two fines of 一案双罚 (on the enterprise and on its principal) are kept apart because the
weekly 调度表 counts them apart; the reward rule adds them up (``total_fines_wan``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Hazard, Penalty, User
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.workflow_common import WorkflowError, clean_text

_CENT = Decimal("0.01")
_MAX_WAN = Decimal("9999999999.99")  # Numeric(12, 2)
MAX_NOTE_CHARS = 500


@dataclass(frozen=True)
class PenaltyDraft:
    fine_enterprise_wan: Decimal = Decimal(0)
    fine_principal_wan: Decimal = Decimal(0)
    ordered_rectification: bool = False
    suspended: bool = False
    license_revoked: bool = False
    closed_down: bool = False
    judicial_transfer: bool = False
    joint_punishment: bool = False
    note: str | None = None


def money_wan(value: Decimal | int | str, *, error: str) -> Decimal:
    """A non-negative amount in 万元 with at most two decimals, as typed by a person."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise WorkflowError(error) from exc
    if not amount.is_finite() or amount < 0 or amount > _MAX_WAN or amount != amount.quantize(_CENT):
        raise WorkflowError(error)
    return amount.quantize(_CENT)


def measures_of(draft: PenaltyDraft) -> list[str]:
    """The non-monetary measures taken, in the order the statistics tables list them."""
    return [label for name, label in T.PENALTY_MEASURES.items() if getattr(draft, name)]


def describe(draft: PenaltyDraft) -> str:
    """The penalty in one line, for the hazard's history and the ledger's 行政处罚情况."""
    parts = []
    if draft.fine_enterprise_wan:
        parts.append(T.PENALTY_FINE_ENTERPRISE.format(amount=draft.fine_enterprise_wan))
    if draft.fine_principal_wan:
        parts.append(T.PENALTY_FINE_PRINCIPAL.format(amount=draft.fine_principal_wan))
    parts.extend(measures_of(draft))
    if draft.note:
        parts.append(draft.note)
    return "；".join(parts)


def validated(draft: PenaltyDraft) -> PenaltyDraft:
    """The draft with clean amounts and note, or a WorkflowError; an empty penalty is refused."""
    clean = PenaltyDraft(
        **{f.name: getattr(draft, f.name) for f in fields(PenaltyDraft)}
        | {
            "fine_enterprise_wan": money_wan(draft.fine_enterprise_wan, error=T.FINE_INVALID),
            "fine_principal_wan": money_wan(draft.fine_principal_wan, error=T.FINE_INVALID),
            "note": clean_text(draft.note, what=T.WHAT_PENALTY_NOTE, max_chars=MAX_NOTE_CHARS,
                               required=False),
        }
    )
    if not (clean.fine_enterprise_wan or clean.fine_principal_wan or measures_of(clean)):
        raise WorkflowError(T.PENALTY_EMPTY)
    return clean


def add_penalty(
    session: Session, hazard: Hazard, draft: PenaltyDraft, *, actor: User, now: datetime
) -> Penalty:
    """Write a validated penalty against the hazard's (registered) enterprise."""
    assert hazard.enterprise_id is not None, "callers refuse unregistered enterprises first"
    penalty = Penalty(
        hazard_id=hazard.id,
        enterprise_id=hazard.enterprise_id,
        decided_by=actor.id,
        decided_at=now,
        **{f.name: getattr(draft, f.name) for f in fields(PenaltyDraft)},
    )
    session.add(penalty)
    session.flush()
    return penalty


def total_fines_wan(session: Session, hazard_id: int) -> Decimal:
    """Enterprise and principal fines recorded on one hazard, in 万元."""
    total = session.scalar(
        select(func.sum(Penalty.fine_enterprise_wan + Penalty.fine_principal_wan)).where(
            Penalty.hazard_id == hazard_id
        )
    )
    return Decimal(total or 0).quantize(_CENT)
