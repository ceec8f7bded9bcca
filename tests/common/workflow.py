"""Helpers for the workflow tests: every step with valid arguments, one committed step, the
snapshot that proves a refusal wrote nothing, the outbox per person, and the full loop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import (
    Attachment,
    Hazard,
    HazardEvent,
    IdentityAccess,
    OutboxMessage,
    Penalty,
    RectificationPlan,
    RewardCase,
    User,
)
from bot.services.hazards import lifecycle, rewards
from bot.services.hazards.lifecycle import PenaltyDraft, PlanDraft, WorkflowError
from bot.services.reporting import reports
from tests.common.factories import REPORTER_NAME, REPORTER_PHONE, T0, World, make_photo

H = timedelta(hours=1)
DESCRIPTION = f"二车间煤气柜区域一氧化碳报警器失灵两天无人处理（{REPORTER_NAME} {REPORTER_PHONE} 当班发现）"
PLAN = PlanDraft(
    responsible_person="王五", measures="更换报警器并联网", funds_wan=Decimal("3.5"),
    deadline=date(2026, 12, 10), contingency="报警器更换期间人工巡检，每小时一次",
)
Step = Callable[..., Any]


def steps(merge_target: str) -> dict[str, tuple[Step, dict[str, Any]]]:
    """Every step a person can try on a hazard, with valid arguments."""
    return {
        "acknowledge": (lifecycle.acknowledge, {}),
        "reject": (lifecycle.reject, {"reason": "不属于安全生产问题"}),
        "classify": (lifecycle.classify, {"level": "重大", "basis": "判定标准第十条第（三）项"}),
        "deadline": (lifecycle.set_deadline, {"deadline": date(2026, 12, 20)}),
        "supervise": (lifecycle.supervise, {}),
        "plan": (lifecycle.submit_plan, {"plan": PLAN}),
        "proof": (lifecycle.submit_proof, {"photo_ids": [], "note": "已更换"}),
        "close": (lifecycle.verify, {}),
        "send_back": (lifecycle.send_back, {"reason": "照片看不清"}),
        "merge": (lifecycle.merge, {"into": merge_target}),
        "penalty": (lifecycle.record_penalty, {"penalty": PenaltyDraft(fine_enterprise_wan=Decimal(1))}),
        "identity": (lifecycle.reporter_identity, {"channel": "chat"}),
        "reward_approve": (rewards.approve, {}),
        "reward_paid": (rewards.mark_paid, {}),
    }


LEGAL = {
    "acknowledge": {"submitted"},
    "reject": {"submitted"},
    "classify": {"acknowledged", "rectifying"},
    "deadline": {"acknowledged", "rectifying"},
    "supervise": {"rectifying"},
    "close": {"awaiting_verification"},
    "send_back": {"awaiting_verification"},
    "merge": {"submitted", "acknowledged", "rectifying"},
    "penalty": {"acknowledged", "rectifying", "awaiting_verification", "closed"},
    "plan": {"rectifying"},
    "proof": {"rectifying"},
}
MANAGER_STEPS = ("plan", "proof")
OFFICER_STEPS = tuple(s for s in LEGAL if s not in MANAGER_STEPS)


# --- helpers ----------------------------------------------------------------------------------


def act(factory: sessionmaker[Session], step: Step, number: str, actor_id: int, *,
        now: Any = T0 + H, **kw: Any) -> Any:
    """Run one step in its own committed transaction, as the unit of work does."""
    with factory() as s:
        result = step(s, number, actor=s.get(User, actor_id), now=now, **kw)
        s.commit()
        return result


def snapshot(factory: sessionmaker[Session]) -> tuple[Any, ...]:
    """Everything a step may write."""
    with factory() as s:
        counts = tuple(
            s.scalar(select(func.count()).select_from(model))
            for model in (HazardEvent, OutboxMessage, Penalty, RectificationPlan, RewardCase,
                          IdentityAccess)
        )
        hazards = s.execute(select(
            Hazard.number, Hazard.state, Hazard.level, Hazard.basis, Hazard.deadline,
            Hazard.supervising_unit, Hazard.closed_at, Hazard.measures, Hazard.check_unit,
        ).order_by(Hazard.id)).all()
        users = s.execute(select(User.id, User.last_notified_hazard_id).order_by(User.id)).all()
        photos = s.execute(select(Attachment.id, Attachment.hazard_id, Attachment.event_id)).all()
        return counts, hazards, users, photos


def try_step(factory: sessionmaker[Session], step: Step, number: str, actor_id: int, **kw: Any) -> str:
    """The refusal's text. The session is committed afterwards anyway, as a careless caller
    would: a refusal must leave nothing behind to commit."""
    with factory() as s:
        with pytest.raises(WorkflowError) as refused:
            step(s, number, actor=s.get(User, actor_id), now=T0 + H, **kw)
        s.commit()
    return str(refused.value)


def refused(factory: sessionmaker[Session], step: Step, number: str, actor_id: int, **kw: Any) -> str:
    before = snapshot(factory)
    message = try_step(factory, step, number, actor_id, **kw)
    assert snapshot(factory) == before
    return message


def messages(factory: sessionmaker[Session], user_id: int) -> list[tuple[str, str]]:
    with factory() as s:
        openid = s.get(User, user_id).openid  # type: ignore[union-attr]
        return [(m.kind, m.text) for m in s.scalars(
            select(OutboxMessage).where(OutboxMessage.openid == openid).order_by(OutboxMessage.id))]


def kinds(factory: sessionmaker[Session], user_id: int) -> list[str]:
    return [kind for kind, _ in messages(factory, user_id)]


def history(factory: sessionmaker[Session], number: str) -> list[tuple[str, str | None, str, int | None]]:
    with factory() as s:
        hazard = s.scalars(select(Hazard).where(Hazard.number == number)).one()
        return [(e.action, e.from_state, e.to_state, e.actor_id) for e in hazard.events]


def hazard_of(factory: sessionmaker[Session], number: str) -> Hazard:
    with factory() as s:
        return s.scalars(select(Hazard).where(Hazard.number == number)).one()


def report(factory: sessionmaker[Session], w: World, *, possibly_major: bool = True,
           anonymous: bool = False) -> str:
    """The worker reports his own plant through the real submission path."""
    with factory() as s:
        draft = reports.ReportDraft(
            enterprise_id=w.ent, description=DESCRIPTION, anonymous=anonymous,
            reporter_name=None if anonymous else REPORTER_NAME,
            reporter_phone=None if anonymous else REPORTER_PHONE, possibly_major=possibly_major,
        )
        hazard, _ = reports.submit_report(s, draft, reporter=s.get(User, w.worker), now=T0)
        s.commit()
        return hazard.number


def full_loop(factory: sessionmaker[Session], w: World) -> str:
    """Report → 受理 → 限期 → 定级 重大 → 督办 → 限期 → 方案 → 整改 → 退回 → 整改 → 处罚 → 销号
    → 奖励审批 → 发放, by the county, the city, the managers and the province."""
    number = report(factory, w)
    act(factory, lifecycle.acknowledge, number, w.county, now=T0 + H)
    act(factory, lifecycle.set_deadline, number, w.county, deadline=date(2026, 12, 31), now=T0 + 2 * H)
    act(factory, lifecycle.classify, number, w.city, level="major", basis="判定标准第十条第（三）项",
        now=T0 + 3 * H)
    act(factory, lifecycle.supervise, number, w.city, now=T0 + 4 * H)
    act(factory, lifecycle.set_deadline, number, w.county, deadline=date(2026, 12, 20), now=T0 + 5 * H)
    act(factory, lifecycle.submit_plan, number, w.manager, plan=PLAN, now=T0 + 6 * H)
    with factory() as s:
        photo_id = make_photo(s, uploader=s.get(User, w.manager)).id  # type: ignore[arg-type]
        s.commit()
    act(factory, lifecycle.submit_proof, number, w.manager, photo_ids=[photo_id], note="报警器已更换",
        now=T0 + 7 * H)
    act(factory, lifecycle.send_back, number, w.county, reason="未见联网调试记录", now=T0 + 8 * H)
    act(factory, lifecycle.submit_proof, number, w.manager2, photo_ids=[], note="补充联网调试记录",
        now=T0 + 9 * H)
    act(factory, lifecycle.record_penalty, number, w.county, now=T0 + 10 * H, penalty=PenaltyDraft(
        fine_enterprise_wan=Decimal(50), fine_principal_wan=Decimal(10), ordered_rectification=True))
    act(factory, lifecycle.verify, number, w.province, now=T0 + 11 * H)
    act(factory, rewards.approve, number, w.county, now=T0 + 12 * H)
    act(factory, rewards.mark_paid, number, w.county, now=T0 + 13 * H)
    return number
