"""The hazard page's action forms: which steps to offer, and each form turned into a service call.

Which steps to *offer* is a convenience for the page; whether a step is *allowed* is decided
by ``bot/services/hazards/lifecycle.py`` alone (the same checks as in chat), so a hand-made POST for a
step not offered is refused there with the same Chinese message the chat would give.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from bot.models import Hazard, User
from bot.services.hazards import lifecycle
from bot.services.hazards.lifecycle import PenaltyDraft, PlanDraft, WorkflowError, WorkflowSettings
from bot.services.hazards.workflow_texts import STEP_NAMES

OFFICER_OFFERS: dict[str, tuple[str, ...]] = {
    "submitted": ("acknowledge", "reject", "merge"),
    "acknowledged": ("classify", "deadline", "merge", "penalty"),
    "rectifying": ("classify", "deadline", "supervise", "merge", "penalty"),
    "awaiting_verification": ("close", "send_back", "penalty"),
    "closed": ("penalty",),
}
MANAGER_OFFERS: dict[str, tuple[str, ...]] = {"rectifying": ("plan", "proof")}
ACTION_LABELS = {
    "submit": "提交报告", "acknowledge": "受理", "reject": "不予受理", "classify": "定级",
    "deadline": "设定整改期限", "supervise": "挂牌督办", "plan": "提交五落实方案",
    "proof": "提交整改完成情况", "close": "验收销号", "send_back": "退回整改", "merge": "合并",
    "merge_in": "合并其他报告", "penalty": "行政处罚", "supplement": "补充情况",
    "reward_open": "举报奖励立案", "reward_approve": "举报奖励审批", "reward_paid": "举报奖励发放",
}
PENALTY_FLAGS = {
    "ordered_rectification": "责令限期整改", "suspended": "停产整顿", "license_revoked": "暂扣吊销证照",
    "closed_down": "关闭取缔", "judicial_transfer": "移送司法机关", "joint_punishment": "联合惩戒",
}


def offered_steps(hazard: Hazard, user: User, *, is_officer: bool, is_manager: bool) -> list[str]:
    """The forms to show for this hazard and person (the service still decides)."""
    if is_officer:
        steps = list(OFFICER_OFFERS.get(hazard.state, ()))
        if "supervise" in steps and (hazard.level != "major" or hazard.supervising_unit):
            steps.remove("supervise")
        if hazard.enterprise_id is None and "penalty" in steps:
            steps.remove("penalty")
        return steps
    if is_manager:
        return list(MANAGER_OFFERS.get(hazard.state, ()))
    return []


def step_title(step: str) -> str:
    return STEP_NAMES.get(step, step)


def _date(raw: str | None, what: str) -> date:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        raise WorkflowError(f"请填写{what}（格式 2026-12-31）。") from None


def _wan(raw: str | None, what: str) -> Decimal:
    text = (raw or "").strip() or "0"
    try:
        return Decimal(text)
    except InvalidOperation:
        raise WorkflowError(f"{what}应为数字（万元）。") from None


def _plan(form: Mapping[str, str]) -> PlanDraft:
    return PlanDraft(
        responsible_person=form.get("responsible_person", ""), measures=form.get("measures", ""),
        funds_wan=_wan(form.get("funds_wan"), "整改资金"),
        deadline=_date(form.get("plan_deadline"), "整改时限"),
        contingency=form.get("contingency", ""),
    )


def _penalty(form: Mapping[str, str]) -> PenaltyDraft:
    return PenaltyDraft(
        fine_enterprise_wan=_wan(form.get("fine_enterprise_wan"), "企业罚款"),
        fine_principal_wan=_wan(form.get("fine_principal_wan"), "主要负责人罚款"),
        note=form.get("note") or None,
        **{flag: form.get(flag) == "1" for flag in PENALTY_FLAGS},
    )


@dataclass(frozen=True)
class StepCall:
    """One form, as the service call it stands for."""

    run: Callable[[Session, str, User, Mapping[str, str], datetime, WorkflowSettings], Any]
    done: str  # the message after success


STEPS: dict[str, StepCall] = {
    "acknowledge": StepCall(lambda s, n, u, f, now, cfg: lifecycle.acknowledge(s, n, actor=u, now=now),
                            "已受理。"),
    "reject": StepCall(lambda s, n, u, f, now, cfg: lifecycle.reject(
        s, n, actor=u, reason=f.get("reason", ""), now=now), "已不予受理。"),
    "classify": StepCall(lambda s, n, u, f, now, cfg: lifecycle.classify(
        s, n, actor=u, level=f.get("level", ""), basis=f.get("basis"), now=now), "已定级。"),
    "deadline": StepCall(lambda s, n, u, f, now, cfg: lifecycle.set_deadline(
        s, n, actor=u, deadline=_date(f.get("deadline"), "整改期限"), now=now, settings=cfg),
        "已设定整改期限。"),
    "supervise": StepCall(lambda s, n, u, f, now, cfg: lifecycle.supervise(s, n, actor=u, now=now),
                          "已挂牌督办。"),
    "close": StepCall(lambda s, n, u, f, now, cfg: lifecycle.verify(s, n, actor=u, now=now, settings=cfg),
                      "已验收销号。"),
    "send_back": StepCall(lambda s, n, u, f, now, cfg: lifecycle.send_back(
        s, n, actor=u, reason=f.get("reason", ""), now=now), "已退回整改。"),
    "merge": StepCall(lambda s, n, u, f, now, cfg: lifecycle.merge(
        s, n, into=f.get("into", ""), actor=u, now=now), "已合并。"),
    "penalty": StepCall(lambda s, n, u, f, now, cfg: lifecycle.record_penalty(
        s, n, actor=u, penalty=_penalty(f), now=now, settings=cfg), "已记录行政处罚。"),
    "plan": StepCall(lambda s, n, u, f, now, cfg: lifecycle.submit_plan(
        s, n, actor=u, plan=_plan(f), now=now, horizon_days=cfg.deadline_horizon_days), "已提交五落实方案。"),
    "proof": StepCall(lambda s, n, u, f, now, cfg: lifecycle.submit_proof(
        s, n, actor=u, photo_ids=[], note=f.get("note", ""), now=now), "已提交整改完成情况，等待验收。"),
}
