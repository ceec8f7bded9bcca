"""The hazard lifecycle as officers, managers and reporters live it: the whole loop with its
history and messages, every illegal step refused with nothing written, jurisdictions, and the
whistleblower rule over every message the enterprise receives."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Attachment, Enterprise, HazardEvent, OutboxMessage, RewardCase, User
from bot.models.hazard import STATES
from bot.services.hazards import lifecycle
from bot.services.hazards import workflow_texts as T
from tests.common.factories import REPORTER_NAME, REPORTER_PHONE, T0, World, make_hazard
from tests.common.workflow import (
    LEGAL,
    MANAGER_STEPS,
    OFFICER_STEPS,
    PLAN,
    H,
    act,
    full_loop,
    hazard_of,
    history,
    kinds,
    messages,
    refused,
    snapshot,
    steps,
    try_step,
)

# --- the whole loop ---------------------------------------------------------------------------


def test_the_full_loop_writes_its_history(factory: sessionmaker[Session], world: World) -> None:
    w = world
    number = full_loop(factory, w)
    assert history(factory, number) == [
        ("submit", None, "submitted", w.worker),
        ("acknowledge", "submitted", "acknowledged", w.county),
        ("deadline", "acknowledged", "acknowledged", w.county),
        ("classify", "acknowledged", "rectifying", w.city),
        ("supervise", "rectifying", "rectifying", w.city),
        ("deadline", "rectifying", "rectifying", w.county),
        ("plan", "rectifying", "rectifying", w.manager),
        ("proof", "rectifying", "awaiting_verification", w.manager),
        ("send_back", "awaiting_verification", "rectifying", w.county),
        ("proof", "rectifying", "awaiting_verification", w.manager2),
        ("penalty", "awaiting_verification", "awaiting_verification", w.county),
        ("close", "awaiting_verification", "closed", w.province),
        ("reward_approve", "closed", "closed", w.county),
        ("reward_paid", "closed", "closed", w.county),
    ]
    hazard = hazard_of(factory, number)
    assert hazard.state == "closed" and hazard.closed_at == T0 + 11 * H
    assert hazard.level == "major" and hazard.basis == "判定标准第十条第（三）项"
    assert hazard.supervising_unit == "太原市应急管理局"
    assert hazard.check_unit == "小店区应急管理局"
    assert hazard.deadline == PLAN.deadline == date(2026, 12, 10)  # the plan brought 12-20 forward
    assert hazard.measures == PLAN.measures
    with factory() as s:
        proof_events = s.scalars(select(HazardEvent.id).where(HazardEvent.action == "proof")
                                 .order_by(HazardEvent.id)).all()
        photo = s.scalars(select(Attachment)).one()
        assert (photo.hazard_id, photo.event_id) == (hazard.id, proof_events[0])
        case = s.scalars(select(RewardCase)).one()
        assert (case.status, case.amount_yuan, case.reporter_id) == ("paid", 90_000, w.worker)
        assert case.approved_by == w.county and case.paid_at == T0 + 13 * H


def test_the_full_loop_tells_exactly_who_needs_to_know(factory: sessionmaker[Session], world: World) -> None:
    w = world
    number = full_loop(factory, w)
    for officer in (w.county, w.county2, w.city):
        assert kinds(factory, officer) == ["new_report", "plan", "proof", "proof"]
    assert kinds(factory, w.province) == []  # he closed it himself; nothing awaited him
    for manager in (w.manager, w.manager2):
        assert kinds(factory, manager) == ["assign", "supervise", "deadline", "send_back", "close"]
    assert kinds(factory, w.worker) == [
        "acknowledge", "graded", "report_deadline", "rectified", "returned", "rectified", "close",
        "reward_open", "reward_approve"]
    for bystander in (w.public, w.other_county, w.other_city, w.other_manager, w.admin):
        assert messages(factory, bystander) == []

    new_report = messages(factory, w.county)[0][1]
    for part in (f"【新隐患报告·可能重大】{number}", "企业：太原晋钢钢铁有限公司（小店区）",
                 "来源：内部报告（企业职工）", "二车间煤气柜区域", "请于 2026-11-25 10:00 前受理",
                 f"回复“受理 {number}”", f"“不予受理 {number} 理由”"):
        assert part in new_report
    assigned = messages(factory, w.manager)[0][1]
    for part in (f"【隐患整改通知】{number}", "太原市应急管理局核实确认", "二车间煤气柜区域",
                 "等级：重大事故隐患（判定依据：判定标准第十条第（三）项）", "整改期限：2026-12-31",
                 f"回复“整改 {number}”", f"回复“提交整改 {number}”"):
        assert part in assigned
    assert "未见联网调试记录" in messages(factory, w.manager)[3][1]
    reporter = dict(messages(factory, w.worker))
    assert "已由小店区应急管理局受理" in reporter["acknowledge"]
    assert "经山西省应急管理局验收销号" in reporter["close"]
    assert "经太原市应急管理局核实，定为重大事故隐患" in reporter["graded"]
    assert "整改期限：2026-12-31" in reporter["graded"]
    assert "整改期限已定为 2026-12-20" in reporter["report_deadline"]
    assert "正在等待监管部门验收" in reporter["rectified"]
    assert "已退回企业继续整改" in reporter["returned"]
    assert "未见联网调试记录" not in reporter["returned"]  # the reason is the enterprise's business
    assert "本人凭有效身份证件实名" in reporter["reward_open"] and "60 日内" in reporter["reward_open"]
    assert "已核定为 90000 元" in reporter["reward_approve"]
    assert "请于 2027-01-23 前（60 日内）" in reporter["reward_approve"]
    assert "到小店区应急管理局实名领取" in reporter["reward_approve"]
    with factory() as s:
        pointed = {u.id: u.last_notified_hazard_id for u in s.scalars(select(User))}
    hazard_id = hazard_of(factory, number).id
    assert {uid for uid, hid in pointed.items() if hid == hazard_id} == {
        w.county, w.county2, w.city, w.manager, w.manager2}


def test_the_enterprise_never_learns_who_reported(factory: sessionmaker[Session], world: World) -> None:
    """Whistleblower rule, over every message any manager received in the full loop."""
    full_loop(factory, world)
    with factory() as s:
        worker_openid = s.get(User, world.worker).openid  # type: ignore[union-attr]
        manager_openids = set(s.scalars(select(User.openid).where(User.role == "enterprise_manager")))
        texts = list(s.scalars(select(OutboxMessage.text).where(OutboxMessage.openid.in_(manager_openids))))
        officer_texts = list(s.scalars(
            select(OutboxMessage.text).join(User, User.openid == OutboxMessage.openid)
            .where(User.role.like("%officer"))
        ))
    assert len(texts) == 10
    for text in texts:
        for secret in (REPORTER_NAME, REPORTER_PHONE, worker_openid, "实名", "匿名", "举报", "内部报告",
                       "职工", "吹哨"):
            assert secret not in text, (secret, text)
    assert any("当班发现" in t and "***" in t for t in texts)  # the description, blanked
    # Officers learn the identity only through reporter_identity, which logs each look.
    assert officer_texts and not any(REPORTER_NAME in t or REPORTER_PHONE in t for t in officer_texts)


# --- illegal steps ----------------------------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
def test_every_illegal_step_is_refused_naming_the_state(
    factory: sessionmaker[Session], world: World, state: str
) -> None:
    graded = state not in ("submitted", "acknowledged", "rejected")
    with factory() as s:
        ent = s.get(Enterprise, world.ent)
        number = make_hazard(s, enterprise=ent, state=state, level="major" if graded else None).number
        target = make_hazard(s, enterprise=ent, state="acknowledged").number
        s.commit()
    table = steps(target)
    for name in OFFICER_STEPS:
        if state not in LEGAL[name]:
            step, kw = table[name]
            assert refused(factory, step, number, world.county, **kw) == T.WRONG_STATE.format(
                state=T.STATE_NAMES[state], step=T.STEP_NAMES[name]), name
    for name in MANAGER_STEPS:
        if state not in LEGAL[name]:
            step, kw = table[name]
            expected = (T.WRONG_STATE.format(state=T.STATE_NAMES[state], step=T.STEP_NAMES[name])
                        if graded else T.NOT_FOUND.format(number=number))
            assert refused(factory, step, number, world.manager, **kw) == expected, name


def test_each_party_keeps_to_its_own_steps(factory: sessionmaker[Session], world: World) -> None:
    with factory() as s:
        number = make_hazard(s, enterprise=s.get(Enterprise, world.ent), state="rectifying").number
        s.commit()
    table = steps(number)
    for name in ("classify", "deadline", "supervise", "merge", "penalty", "acknowledge"):
        step, kw = table[name]
        assert refused(factory, step, number, world.manager, **kw) == T.OFFICERS_ONLY.format(
            step=T.STEP_NAMES[name])
    for name in MANAGER_STEPS:
        step, kw = table[name]
        # Its managers are bound: only they file (officers only for an enterprise without).
        assert refused(factory, step, number, world.county, **kw) == T.MANAGERS_ONLY_BOUND.format(
            step=T.STEP_NAMES[name])
    # The reporter's identity is not even acknowledged to exist for the enterprise.
    assert refused(factory, lifecycle.reporter_identity, number, world.manager,
                   channel="chat") == T.NOT_FOUND.format(number=number)


# --- jurisdictions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["other_county", "other_city", "other_manager", "public", "worker", "admin"]
)
def test_foreign_hazards_look_like_unknown_ones(
    factory: sessionmaker[Session], world: World, who: str
) -> None:
    actor = getattr(world, who)
    with factory() as s:
        ent = s.get(Enterprise, world.ent)
        numbers = [make_hazard(s, enterprise=ent, state=state, reporter=s.get(User, world.worker),
                               reporter_name=REPORTER_NAME).number for state in STATES]
        target = make_hazard(s, enterprise=ent, state="acknowledged").number
        s.commit()
    before = snapshot(factory)
    for number in [*numbers, "YH209901010001"]:
        for name, (step, kw) in steps(target).items():
            assert try_step(factory, step, number, actor, **kw) == T.NOT_FOUND.format(number=number), name
    assert snapshot(factory) == before
    with factory() as s:
        assert lifecycle.pending_for(s, s.get(User, actor)) == []  # type: ignore[arg-type]


def test_city_and_province_officers_act_within_their_regions(
    factory: sessionmaker[Session], world: World
) -> None:
    with factory() as s:
        qingxu = make_hazard(s, enterprise=s.get(Enterprise, world.other_ent)).number
        changzhi = make_hazard(s, region_code="140406").number
        xiaodian = make_hazard(s, enterprise=s.get(Enterprise, world.ent), state="acknowledged").number
        s.commit()
    act(factory, lifecycle.acknowledge, qingxu, world.city)  # 清徐县 is in 太原市
    assert refused(factory, lifecycle.acknowledge, changzhi, world.city) == T.NOT_FOUND.format(
        number=changzhi)
    act(factory, lifecycle.reject, changzhi, world.province, reason="重复举报")
    assert [hazard_of(factory, n).state for n in (qingxu, changzhi)] == ["acknowledged", "rejected"]
    # A county officer cannot merge into another county's hazard: it does not exist for him.
    assert refused(factory, lifecycle.merge, xiaodian, world.county, into=qingxu) == T.NOT_FOUND.format(
        number=qingxu)
    # The city officer sees both, but duplicates are merged within one county only.
    assert refused(factory, lifecycle.merge, xiaodian, world.city, into=qingxu) == T.MERGE_OTHER_REGION


def test_a_manager_does_not_see_his_plant_s_report_before_it_is_graded(
    factory: sessionmaker[Session], world: World
) -> None:
    with factory() as s:
        ent = s.get(Enterprise, world.ent)
        numbers = {state: make_hazard(s, enterprise=ent, state=state).number
                   for state in ("submitted", "acknowledged", "rejected")}
        s.commit()
    for number in numbers.values():
        for name, (step, kw) in steps(number).items():
            assert refused(factory, step, number, world.manager, **kw) == T.NOT_FOUND.format(
                number=number), name
    with factory() as s:
        assert lifecycle.pending_for(s, s.get(User, world.manager)) == []  # type: ignore[arg-type]
