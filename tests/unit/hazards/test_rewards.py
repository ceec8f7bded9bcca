"""举报奖励: the amount rule (15% of the fines, 3,000–300,000 yuan, configurable), who gets a
case when a hazard is closed, and the officers' approve → paid steps."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from bot.config import ConfigError, load_config
from bot.models import Enterprise, RewardCase, User
from bot.services.hazards import lifecycle, rewards
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.lifecycle import PenaltyDraft, WorkflowSettings
from bot.services.hazards.rewards import RewardSettings, amount_for
from tests.common.factories import REPORTER_NAME, T0, World, make_hazard
from tests.common.workflow import H, act, history, kinds, messages, refused
from tests.conftest import app_config


def awaiting(
    factory: sessionmaker[Session], w: World, *, level: str = "major", source: str = "worker_report",
    named: bool = True,
) -> str:
    """A hazard the worker reported, rectified and waiting for the officers' 验收."""
    with factory() as s:
        number = make_hazard(
            s, enterprise=s.get(Enterprise, w.ent), state="awaiting_verification", level=level, source=source,
            reporter=s.get(User, w.worker) if named else None, reporter_name=REPORTER_NAME,
        ).number
        s.commit()
    return number


def case_of(factory: sessionmaker[Session]) -> RewardCase | None:
    with factory() as s:
        return s.scalars(select(RewardCase)).one_or_none()


# --- the amount -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fines_wan", "amount", "basis"),
    [
        ("0", 3000, "未记录罚款，按最低 3000 元"),
        ("1.5", 3000, "罚款合计 1.5 万元 × 15% = 2250 元，按最低 3000 元"),
        ("2", 3000, "罚款合计 2 万元 × 15% = 3000 元"),
        ("3.33", 4995, "罚款合计 3.33 万元 × 15% = 4995 元"),
        ("100", 150_000, "罚款合计 100 万元 × 15% = 150000 元"),
        ("200", 300_000, "罚款合计 200 万元 × 15% = 300000 元"),
        ("500", 300_000, "罚款合计 500 万元 × 15% = 750000 元，按最高 300000 元"),
    ],
)
def test_the_amount_is_15_percent_of_the_fines_within_the_bounds(
    fines_wan: str, amount: int, basis: str
) -> None:
    assert amount_for(Decimal(fines_wan), RewardSettings()) == (amount, basis + "（安监总财〔2018〕19号）")


@pytest.mark.parametrize(
    ("fines", "amount"),
    [
        ([], 3000),
        ([("1", "0.5")], 3000),  # 一案双罚: 1 万 + 0.5 万 → 2,250 → the minimum
        ([("80", "20")], 150_000),
        ([("60", "0"), ("40", "0")], 150_000),  # two decisions on one hazard add up
        ([("500", "0")], 300_000),
    ],
)
def test_closing_a_reported_major_hazard_opens_a_case_on_its_fines(
    factory: sessionmaker[Session], world: World, fines: list[tuple[str, str]], amount: int
) -> None:
    number = awaiting(factory, world)
    for enterprise_wan, principal_wan in fines:
        act(factory, lifecycle.record_penalty, number, world.county, penalty=PenaltyDraft(
            fine_enterprise_wan=Decimal(enterprise_wan), fine_principal_wan=Decimal(principal_wan)))
    act(factory, lifecycle.verify, number, world.county, now=T0 + 2 * H)
    case = case_of(factory)
    assert case is not None
    assert (case.status, case.amount_yuan, case.reporter_id, case.opened_at) == (
        "open", amount, world.worker, T0 + 2 * H)
    assert kinds(factory, world.worker) == ["close", "reward_open"]


@pytest.mark.parametrize(
    ("level", "source", "named"),
    [
        ("general", "worker_report", True),  # 一般隐患: no reward under 19号
        ("major", "worker_report", False),  # anonymous: nobody to pay
        ("major", "self_check", True),  # the enterprise's own finding
        ("major", "joint_inspection", True),
    ],
)
def test_no_case_without_a_named_report_of_a_major_hazard(
    factory: sessionmaker[Session], world: World, level: str, source: str, named: bool
) -> None:
    number = awaiting(factory, world, level=level, source=source, named=named)
    act(factory, lifecycle.verify, number, world.county)
    assert case_of(factory) is None
    assert "reward_open" not in kinds(factory, world.worker)


def test_a_public_named_report_is_rewarded_too(factory: sessionmaker[Session], world: World) -> None:
    with factory() as s:
        number = make_hazard(s, enterprise=s.get(Enterprise, world.ent), state="awaiting_verification",
                             source="public_report", reporter=s.get(User, world.public)).number
        s.commit()
    act(factory, lifecycle.verify, number, world.county)
    case = case_of(factory)
    assert case is not None and case.reporter_id == world.public
    assert kinds(factory, world.public) == ["close", "reward_open"]


# --- approve and pay --------------------------------------------------------------------------


def test_a_case_is_approved_then_paid_by_officers_of_the_jurisdiction(
    factory: sessionmaker[Session], world: World
) -> None:
    number = awaiting(factory, world)
    assert refused(factory, rewards.approve, number, world.county) == T.REWARD_NONE.format(number=number)
    act(factory, lifecycle.verify, number, world.county)
    for outsider in (world.other_county, world.other_city, world.manager, world.worker, world.admin):
        for step in (rewards.approve, rewards.mark_paid):
            assert refused(factory, step, number, outsider) == T.NOT_FOUND.format(number=number)
    assert refused(factory, rewards.mark_paid, number, world.county) == T.REWARD_WRONG_STATUS.format(
        status="待审批", step="登记发放")
    act(factory, rewards.approve, number, world.city, now=T0 + 3 * H)
    assert refused(factory, rewards.approve, number, world.county) == T.REWARD_WRONG_STATUS.format(
        status="已审批待领取", step="审批")
    act(factory, rewards.mark_paid, number, world.county, now=T0 + 4 * H)
    assert refused(factory, rewards.mark_paid, number, world.county) == T.REWARD_WRONG_STATUS.format(
        status="已发放", step="登记发放")
    case = case_of(factory)
    assert case is not None
    assert (case.status, case.approved_by, case.approved_at, case.paid_at) == (
        "paid", world.city, T0 + 3 * H, T0 + 4 * H)
    assert [e[0] for e in history(factory, number)][-2:] == ["reward_approve", "reward_paid"]
    assert kinds(factory, world.worker) == ["close", "reward_open", "reward_approve"]
    notice = messages(factory, world.worker)[-1][1]
    assert "已核定为 3000 元" in notice and "到太原市应急管理局实名领取" in notice
    assert "请于 2027-01-23 前（60 日内）" in notice


def test_a_late_penalty_updates_an_open_case_but_not_an_approved_one(
    factory: sessionmaker[Session], world: World
) -> None:
    number = awaiting(factory, world)
    act(factory, lifecycle.verify, number, world.county)
    act(factory, lifecycle.record_penalty, number, world.county,
        penalty=PenaltyDraft(fine_enterprise_wan=Decimal(40)))
    case = case_of(factory)
    assert case is not None and case.amount_yuan == 60_000
    act(factory, rewards.approve, number, world.county)
    act(factory, lifecycle.record_penalty, number, world.county,
        penalty=PenaltyDraft(fine_principal_wan=Decimal(10)))
    case = case_of(factory)
    assert case is not None and case.amount_yuan == 60_000


# --- configuration ----------------------------------------------------------------------------


def test_the_rule_comes_from_configuration(factory: sessionmaker[Session], world: World) -> None:
    settings = WorkflowSettings.from_config(load_config(environ={}, overrides={
        "rewards": {"rate": 0.2, "min_yuan": 5000, "max_yuan": 100_000}}))
    assert settings.rewards == RewardSettings(rate=Decimal("0.2"), min_yuan=5000, max_yuan=100_000)
    assert WorkflowSettings.from_config(load_config(environ={})) == WorkflowSettings()
    number = awaiting(factory, world)
    act(factory, lifecycle.verify, number, world.county, settings=settings)
    case = case_of(factory)
    assert case is not None and case.amount_yuan == 5000


@pytest.mark.parametrize(
    "overrides",
    [
        {"rewards": {"rate": 0.0}},
        {"rewards": {"rate": 1.5}},
        {"rewards": {"min_yuan": 5000, "max_yuan": 4000}},
        {"rewards": {"min_yuan": -1}},
        {"workflow": {"ack_hours": 0}},
    ],
)
def test_a_nonsensical_rule_stops_the_start(overrides: dict[str, dict[str, object]]) -> None:
    with pytest.raises(ConfigError):
        WorkflowSettings.from_config(load_config(environ={}, overrides=overrides))


@pytest.fixture
def configured_app(clean_db: Engine, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(app_config(database_url, tmp_path / "instance", app={"dev_mode": True},
                                workflow={"ack_hours": 12}, rewards={"rate": 0.1}))
    yield app
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


def test_the_app_builds_the_settings_at_start(configured_app: Flask) -> None:
    assert configured_app.extensions["workflow_settings"] == WorkflowSettings(
        ack_hours=12, rewards=RewardSettings(rate=Decimal("0.1")))
