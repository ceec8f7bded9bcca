"""Commands on someone else's hazard: refused in words that cannot tell it from a wrong number.

A hazard of 太原晋钢 (小店区) is accepted and graded by its own officer. An officer of 迎泽区,
the manager of another enterprise and a member of the public then try every command on it;
each answer reads exactly as for a number that does not exist, and nothing changes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.dev.peer import WeChatPeer
from bot.handlers import texts
from bot.models import (
    Enterprise,
    Hazard,
    HazardEvent,
    IdentityAccess,
    OutboxMessage,
    Penalty,
    RectificationPlan,
    RewardCase,
)
from bot.services.platform.clock import local, utcnow
from tests.e2e.chat import bind_as, engine_of, number_in, one, report_until_confirm, say
from tests.e2e.conftest import LiveServer

GHOST = "YH209901010999"  # no such hazard
OWN_OFFICER, FOREIGN_OFFICER = "o_ref_officer_xd", "o_ref_officer_yz"
OWN_MANAGER, FOREIGN_MANAGER = "o_ref_manager_jg", "o_ref_manager_hd"
PUBLIC = "o_ref_public"


def _commands(number: str) -> list[str]:
    deadline = (local(utcnow()).date() + timedelta(days=30)).isoformat()
    return [
        f"受理 {number}", f"不予受理 {number} 重复举报", f"定级 {number} 重大 第四条第（一）项",
        f"定级 {number} 一般", f"限期 {number} {deadline}", f"督办 {number}", f"验收 {number}",
        f"销号 {number}", f"退回 {number} 照片不清楚", f"合并 {number} YH209901010998",
        f"举报人 {number}", f"处罚 {number} 企业罚款=5 负责人罚款=1 停产整顿",
        f"奖励 批准 {number}", f"奖励 发放 {number}", f"整改 {number}", f"方案 {number}",
        f"提交整改 {number}", f"整改完成 {number}",
    ]


def _snapshot(engine: Engine, number: str) -> dict[str, Any]:
    with Session(engine) as session:
        hazard = session.scalars(select(Hazard).where(Hazard.number == number)).one()
        counted = {
            model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (HazardEvent, IdentityAccess, OutboxMessage, Penalty, RectificationPlan, RewardCase)
        }
        return counted | {
            column: getattr(hazard, column)
            for column in ("state", "level", "basis", "deadline", "supervising_unit", "closed_at")
        }


@pytest.fixture
def graded(live: LiveServer, peer: WeChatPeer) -> str:
    """A named public report about 太原晋钢, accepted and graded major by 小店区's officer."""
    engine = engine_of(live)
    jingang = one(engine, Enterprise, Enterprise.name == "太原晋钢钢铁有限公司")
    other = one(engine, Enterprise, Enterprise.name == "清徐宏达焦化钢铁有限公司")
    bind_as(live, peer, OWN_OFFICER, "--role", "county_officer", "--region", "140105")
    bind_as(live, peer, FOREIGN_OFFICER, "--role", "county_officer", "--region", "140106")
    bind_as(live, peer, OWN_MANAGER, "--role", "enterprise_manager", "--enterprise", str(jingang.id))
    bind_as(live, peer, FOREIGN_MANAGER, "--role", "enterprise_manager", "--enterprise", str(other.id))
    report_until_confirm(peer, PUBLIC, contact="李明 13812345678")
    number = number_in(say(peer, PUBLIC, "确认"))
    say(peer, OWN_OFFICER, f"受理 {number}")
    assert "已定级" in say(peer, OWN_OFFICER, f"定级 {number} 重大 第四条第（一）项")
    return number


@pytest.mark.parametrize("actor", [FOREIGN_OFFICER, FOREIGN_MANAGER])
def test_officers_and_managers_elsewhere_find_nothing(
    live: LiveServer, peer: WeChatPeer, graded: str, actor: str
) -> None:
    engine = engine_of(live)
    before = _snapshot(engine, graded)
    for foreign, ghost in zip(_commands(graded), _commands(GHOST), strict=True):
        answer = say(peer, actor, foreign)
        assert answer == say(peer, actor, ghost).replace(GHOST, graded), foreign
        if answer not in (texts.MANAGER_ONLY,):
            assert answer.startswith(f"没有找到编号为 {graded} 的隐患，或您无权处理"), (foreign, answer)
    assert say(peer, actor, "待办") == texts.PENDING_EMPTY
    assert _snapshot(engine, graded) == before


def test_the_public_is_shown_the_way_not_the_hazard(live: LiveServer, peer: WeChatPeer, graded: str) -> None:
    engine = engine_of(live)
    before = _snapshot(engine, graded)
    for command in [*_commands(graded), "待办", "受理"]:
        assert say(peer, PUBLIC, command) == texts.NOT_BOUND, command
    assert _snapshot(engine, graded) == before


def test_the_own_manager_cannot_take_the_officers_steps(
    live: LiveServer, peer: WeChatPeer, graded: str
) -> None:
    """The right enterprise, the wrong party: told so, and nothing changes."""
    engine = engine_of(live)
    before = _snapshot(engine, graded)
    for command in (f"验收 {graded}", f"督办 {graded}", f"举报人 {graded}", f"处罚 {graded} 企业罚款=5"):
        answer = say(peer, OWN_MANAGER, command)
        assert "只能由监管部门办理" in answer or "没有找到" in answer, answer
        assert "李明" not in answer and "13812345678" not in answer
    assert _snapshot(engine, graded) == before
