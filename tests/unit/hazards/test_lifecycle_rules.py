"""The rules of the single steps: who is told of a new report, the 受理 time limit, the
reporter's identity and its audit, penalties, grading, deadlines, plans, proof, merging, the
to-do lists, and two officers acting at once."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import (
    Enterprise,
    Hazard,
    HazardEvent,
    IdentityAccess,
    OutboxMessage,
    Penalty,
    RectificationPlan,
    User,
)
from bot.services.hazards import lifecycle
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.lifecycle import (
    PenaltyDraft,
    PlanDraft,
    ReporterView,
    WorkflowError,
    WorkflowSettings,
)
from bot.services.reporting import reports
from tests.common.factories import (
    REPORTER_NAME,
    REPORTER_PHONE,
    T0,
    World,
    enterprise,
    make_hazard,
    make_photo,
    make_user,
)
from tests.common.workflow import PLAN, H, act, hazard_of, history, kinds, messages, refused, report


def hazard_at(factory: sessionmaker[Session], w: World, state: str, **kw: object) -> str:
    with factory() as s:
        number = make_hazard(s, enterprise=s.get(Enterprise, w.ent), state=state, **kw).number  # type: ignore[arg-type]
        s.commit()
    return number


def submit_at(factory: sessionmaker[Session], enterprise_name: str, *, possibly_major: bool = False,
              settings: WorkflowSettings = lifecycle.DEFAULT_SETTINGS) -> Hazard:
    """A member of the public reports anonymously through the real submission path."""
    with factory() as s:
        draft = reports.ReportDraft(enterprise_id=enterprise(s, enterprise_name).id,
                                    description="除尘器泄爆片被钢板焊死", anonymous=True,
                                    possibly_major=possibly_major)
        hazard, _ = reports.submit_report(s, draft, reporter=make_user(s), now=T0, settings=settings)
        s.commit()
        return hazard


# --- new reports ------------------------------------------------------------------------------


def test_a_new_report_goes_to_the_county_s_officers_only(
    factory: sessionmaker[Session], world: World
) -> None:
    hazard = submit_at(factory, "太原晋钢钢铁有限公司")
    assert hazard.ack_due_at == hazard.reported_at + timedelta(hours=24)
    with factory() as s:
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        by_openid = {m.openid: m for m in rows}
        county = [s.get(User, uid) for uid in (world.county, world.county2)]
        assert set(by_openid) == {u.openid for u in county}  # type: ignore[union-attr]
        for user in county:
            message = by_openid[user.openid]  # type: ignore[union-attr]
            assert message.key == f"new_report:{hazard.number}:{user.id}"  # type: ignore[union-attr]
            assert message.kind == "new_report"
            assert message.text.startswith(f"【新隐患报告】{hazard.number}\n")
            assert "来源：群众举报" in message.text and "除尘器泄爆片被钢板焊死" in message.text
            assert user.last_notified_hazard_id == hazard.id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "who"),
    [
        ("古交汇丰特钢有限公司", ["city"]),  # 古交市: no county officer bound → 太原市
        ("长治潞宝钢铁集团有限公司", ["other_city"]),  # 长治: only the city officer
        ("晋城福盛钢铁有限公司", ["province"]),  # 晋城: nobody bound at all → the province
        ("清徐宏达焦化钢铁有限公司", ["other_county"]),
    ],
)
def test_a_report_always_reaches_someone(
    factory: sessionmaker[Session], world: World, name: str, who: list[str]
) -> None:
    submit_at(factory, name)
    for role in ("county", "county2", "city", "province", "other_county", "other_city"):
        assert kinds(factory, getattr(world, role)) == (["new_report"] if role in who else []), role


def test_possibly_major_tells_the_city_and_the_time_limit_is_configurable(
    factory: sessionmaker[Session], world: World
) -> None:
    hazard = submit_at(factory, "清徐宏达焦化钢铁有限公司", possibly_major=True,
                       settings=WorkflowSettings(ack_hours=48))
    assert hazard.ack_due_at == T0 + timedelta(hours=48)
    assert kinds(factory, world.other_county) == kinds(factory, world.city) == ["new_report"]
    assert "【新隐患报告·可能重大】" in messages(factory, world.city)[0][1]
    assert "请于 2026-11-26 10:00 前受理" in messages(factory, world.city)[0][1]


def test_a_report_rolled_back_sends_nothing(factory: sessionmaker[Session], world: World) -> None:
    with factory() as s:
        draft = reports.ReportDraft(enterprise_id=world.ent, description="行车制动失灵", anonymous=True)
        reports.submit_report(s, draft, reporter=make_user(s), now=T0)
        assert s.scalars(select(OutboxMessage)).all()
        s.rollback()
    with factory() as s:
        assert s.scalars(select(OutboxMessage)).all() == []


# --- reporters --------------------------------------------------------------------------------


def test_the_named_reporter_hears_of_acknowledgement_and_rejection(
    factory: sessionmaker[Session], world: World
) -> None:
    first, second = report(factory, world), report(factory, world)
    act(factory, lifecycle.acknowledge, first, world.county)
    assert refused(factory, lifecycle.reject, second, world.county, reason="  ") == T.TEXT_REQUIRED.format(
        what=T.WHAT_REJECT_REASON)
    act(factory, lifecycle.reject, second, world.county, reason="该企业已于上周整改完毕")
    assert kinds(factory, world.worker) == ["acknowledge", "reject"]
    rejected = messages(factory, world.worker)[1][1]
    assert f"编号 {second}" in rejected and "理由：该企业已于上周整改完毕" in rejected and "12350" in rejected
    assert history(factory, second)[-1] == ("reject", "submitted", "rejected", world.county)


def test_an_anonymous_reporter_is_told_nothing_and_gets_no_reward(
    factory: sessionmaker[Session], world: World
) -> None:
    number = submit_at(factory, "太原晋钢钢铁有限公司").number
    before = len(messages(factory, world.county))
    act(factory, lifecycle.acknowledge, number, world.county)
    act(factory, lifecycle.reject, report(factory, world, anonymous=True), world.county, reason="重复")
    with factory() as s:
        keys = s.scalars(select(OutboxMessage.kind)).all()
    assert "acknowledge" not in keys and "reject" not in keys
    assert len(messages(factory, world.county)) == before + 1  # the second new report only


# --- the reporter's identity ------------------------------------------------------------------


def test_every_look_at_the_reporter_is_logged(factory: sessionmaker[Session], world: World) -> None:
    named = report(factory, world)
    anonymous = report(factory, world, anonymous=True)
    seen = act(factory, lifecycle.reporter_identity, named, world.county, channel="chat")
    assert seen == ReporterView(anonymous=False, name=REPORTER_NAME, phone=REPORTER_PHONE,
                                source="worker_report")
    act(factory, lifecycle.reporter_identity, named, world.city, channel="console", now=T0 + 2 * H)
    act(factory, lifecycle.reporter_identity, named, world.province, channel="api", now=T0 + 3 * H)
    assert act(factory, lifecycle.reporter_identity, anonymous, world.county, channel="chat") == ReporterView(
        anonymous=True, name=None, phone=None, source="worker_report")
    for who in (world.other_county, world.other_city, world.manager, world.worker, world.public):
        refusal = refused(factory, lifecycle.reporter_identity, named, who, channel="chat")
        assert refusal == T.NOT_FOUND.format(number=named)
    named_id, anonymous_id = (hazard_of(factory, n).id for n in (named, anonymous))
    with factory() as s:
        log = s.execute(select(IdentityAccess.hazard_id, IdentityAccess.officer_id, IdentityAccess.channel,
                               IdentityAccess.at).order_by(IdentityAccess.id)).all()
    assert log == [
        (named_id, world.county, "chat", T0 + H),
        (named_id, world.city, "console", T0 + 2 * H),
        (named_id, world.province, "api", T0 + 3 * H),
        (anonymous_id, world.county, "chat", T0 + H),
    ]
    with pytest.raises(ValueError, match="channel"):
        act(factory, lifecycle.reporter_identity, named, world.county, channel="sms")


# --- penalties --------------------------------------------------------------------------------


def test_a_penalty_is_recorded_with_one_event(factory: sessionmaker[Session], world: World) -> None:
    number = hazard_at(factory, world, "rectifying")
    act(factory, lifecycle.record_penalty, number, world.county, penalty=PenaltyDraft(
        fine_enterprise_wan=Decimal("1"), fine_principal_wan=Decimal("0.5"), ordered_rectification=True,
        suspended=True, note="当场下达责令限期整改指令书"))
    with factory() as s:
        penalty = s.scalars(select(Penalty)).one()
        assert (penalty.enterprise_id, penalty.decided_by) == (world.ent, world.county)
        assert penalty.decided_at == T0 + H
        assert (penalty.fine_enterprise_wan, penalty.fine_principal_wan) == (Decimal("1.00"), Decimal("0.50"))
        assert penalty.ordered_rectification and penalty.suspended and not penalty.closed_down
        assert s.scalars(select(OutboxMessage)).all() == []
    assert history(factory, number)[-1] == ("penalty", "rectifying", "rectifying", world.county)
    with factory() as s:
        note = s.scalars(select(HazardEvent.note).where(HazardEvent.action == "penalty")).one()
    assert note == ("罚款企业 1.00 万元；罚款主要负责人 0.50 万元；责令限期整改；停产整顿；"
                    "当场下达责令限期整改指令书")


@pytest.mark.parametrize(
    ("draft", "error"),
    [
        (PenaltyDraft(), T.PENALTY_EMPTY),
        (PenaltyDraft(note="口头警告"), T.PENALTY_EMPTY),
        (PenaltyDraft(fine_enterprise_wan=Decimal("-1")), T.FINE_INVALID),
        (PenaltyDraft(fine_principal_wan=Decimal("0.125")), T.FINE_INVALID),
        (PenaltyDraft(fine_enterprise_wan=Decimal("NaN")), T.FINE_INVALID),
    ],
)
def test_an_invalid_penalty_writes_nothing(
    factory: sessionmaker[Session], world: World, draft: PenaltyDraft, error: str
) -> None:
    number = hazard_at(factory, world, "acknowledged")
    assert refused(factory, lifecycle.record_penalty, number, world.county, penalty=draft) == error


def test_an_unregistered_enterprise_cannot_be_fined_and_has_no_one_to_tell(
    factory: sessionmaker[Session], world: World
) -> None:
    with factory() as s:
        number = make_hazard(s, region_code="140105", state="acknowledged").number
        s.commit()
    penalty = PenaltyDraft(fine_enterprise_wan=Decimal(2))
    assert refused(factory, lifecycle.record_penalty, number, world.county,
                   penalty=penalty) == T.PENALTY_UNREGISTERED
    act(factory, lifecycle.classify, number, world.county, level="一般", basis=None)
    with factory() as s:
        assert s.scalars(select(OutboxMessage)).all() == []


# --- grading, deadlines, supervision ----------------------------------------------------------


def test_grading_and_regrading(factory: sessionmaker[Session], world: World) -> None:
    number = hazard_at(factory, world, "acknowledged")
    assert refused(factory, lifecycle.classify, number, world.county, level="较大", basis=None) == T.BAD_LEVEL
    act(factory, lifecycle.classify, number, world.county, level="重大", basis="第十条")
    act(factory, lifecycle.supervise, number, world.county)
    assert refused(factory, lifecycle.supervise, number, world.city) == T.ALREADY_SUPERVISED.format(
        unit="小店区应急管理局")
    assert refused(factory, lifecycle.classify, number, world.county, level="major",
                   basis=None) == T.SAME_LEVEL.format(level="重大事故隐患")
    act(factory, lifecycle.classify, number, world.county, level="一般隐患", basis="一行业一清单第5项")
    hazard = hazard_of(factory, number)
    assert (hazard.state, hazard.level, hazard.basis, hazard.supervising_unit) == (
        "rectifying", "general", "一行业一清单第5项", None)
    assert [e[0:3] for e in history(factory, number)[1:]] == [
        ("classify", "acknowledged", "rectifying"),
        ("supervise", "rectifying", "rectifying"),
        ("classify", "rectifying", "rectifying"),
    ]
    assert refused(factory, lifecycle.supervise, number, world.county) == T.NOT_MAJOR
    assert kinds(factory, world.manager) == ["assign", "supervise", "regrade"]
    assert "等级已调整为“一般隐患”（判定依据：一行业一清单第5项）" in messages(factory, world.manager)[2][1]


def test_deadlines_are_not_in_the_past_in_shanxi(factory: sessionmaker[Session], world: World) -> None:
    number = hazard_at(factory, world, "rectifying")
    late_evening = T0 + 14 * H  # 2026-11-25 00:00 in Taiyuan, still the 24th in UTC
    assert refused(factory, lifecycle.set_deadline, number, world.county,
                   deadline=date(2026, 11, 23)) == T.DEADLINE_PAST.format(today="2026-11-24")
    with factory() as s:
        with pytest.raises(WorkflowError) as refusal:
            lifecycle.set_deadline(s, number, actor=s.get(User, world.county),  # type: ignore[arg-type]
                                   deadline=date(2026, 11, 24), now=late_evening)
    assert str(refusal.value) == T.DEADLINE_PAST.format(today="2026-11-25")
    act(factory, lifecycle.set_deadline, number, world.county, deadline=date(2026, 11, 25), now=late_evening)
    assert hazard_of(factory, number).deadline == date(2026, 11, 25)
    assert kinds(factory, world.manager) == ["deadline"]
    assert "整改期限定为 2026-11-25" in messages(factory, world.manager)[0][1]


# --- plans and proof --------------------------------------------------------------------------


def test_a_plan_can_be_filed_again_and_must_keep_the_deadline(
    factory: sessionmaker[Session], world: World
) -> None:
    number = hazard_at(factory, world, "rectifying", with_plan=False)
    act(factory, lifecycle.set_deadline, number, world.county, deadline=date(2026, 12, 5))
    refusal = refused(factory, lifecycle.submit_plan, number, world.manager, plan=PLAN)
    assert refusal == T.PLAN_AFTER_DEADLINE.format(deadline="2026-12-05")
    for bad, error in [
        (PlanDraft(" ", "措施", Decimal(1), date(2026, 12, 1), "预案"),
         T.TEXT_REQUIRED.format(what=T.WHAT_PERSON)),
        (PlanDraft("王五", "措施", Decimal(-1), date(2026, 12, 1), "预案"), T.FUNDS_INVALID),
        (PlanDraft("王五", "措施", Decimal(1), date(2026, 11, 23), "预案"),
         T.DEADLINE_PAST.format(today="2026-11-24")),
        (PlanDraft("王五", "措施", Decimal(1), date(2026, 12, 1), ""), T.TEXT_REQUIRED.format(
            what=T.WHAT_CONTINGENCY)),
    ]:
        assert refused(factory, lifecycle.submit_plan, number, world.manager, plan=bad) == error
    act(factory, lifecycle.submit_plan, number, world.manager,
        plan=PlanDraft("王五", "先停用", Decimal("1.2"), date(2026, 12, 1), "专人看守"))
    act(factory, lifecycle.submit_plan, number, world.manager2, now=T0 + 2 * H,
        plan=PlanDraft("赵六", "更换设备", Decimal("8"), date(2026, 12, 5), "专人看守"))
    with factory() as s:
        plan = s.scalars(select(RectificationPlan)).one()
        assert (plan.responsible_person, plan.funds_wan, plan.submitted_by) == ("赵六", Decimal("8.00"),
                                                                                world.manager2)
    assert [e[0] for e in history(factory, number)].count("plan") == 2
    assert hazard_of(factory, number).measures == "更换设备"
    assert kinds(factory, world.county) == ["plan", "plan"]
    assert "资金：8.00 万元" in messages(factory, world.county)[1][1]


def test_proof_needs_a_plan_and_the_manager_s_own_unused_photos(
    factory: sessionmaker[Session], world: World
) -> None:
    number = hazard_at(factory, world, "rectifying", with_plan=False)
    assert refused(factory, lifecycle.submit_proof, number, world.manager, photo_ids=[],
                   note="已整改") == T.PLAN_REQUIRED
    act(factory, lifecycle.submit_plan, number, world.manager, plan=PLAN)
    with factory() as s:
        mine = make_photo(s, uploader=s.get(User, world.manager)).id  # type: ignore[arg-type]
        theirs = make_photo(s, uploader=s.get(User, world.manager2)).id  # type: ignore[arg-type]
        s.commit()
    assert refused(factory, lifecycle.submit_proof, number, world.manager, photo_ids=[],
                   note=" ") == T.PROOF_EMPTY
    assert refused(factory, lifecycle.submit_proof, number, world.manager, photo_ids=[mine, theirs],
                   note="已整改") == T.PHOTOS_INVALID
    act(factory, lifecycle.submit_proof, number, world.manager, photo_ids=[mine, mine], note="")
    assert hazard_of(factory, number).state == "awaiting_verification"
    assert "整改照片：1 张" in messages(factory, world.county)[-1][1]
    act(factory, lifecycle.send_back, number, world.county, reason="不合格")
    assert refused(factory, lifecycle.submit_proof, number, world.manager, photo_ids=[mine],
                   note="再交一次") == T.PHOTOS_INVALID


# --- merging ----------------------------------------------------------------------------------


def test_a_duplicate_is_merged_and_both_histories_say_so(
    factory: sessionmaker[Session], world: World
) -> None:
    duplicate, original = report(factory, world), hazard_at(factory, world, "rectifying")
    rejected = hazard_at(factory, world, "rejected")
    act(factory, lifecycle.acknowledge, duplicate, world.county)
    merge_self = refused(factory, lifecycle.merge, duplicate, world.county, into=f" {duplicate.lower()} ")
    assert merge_self == T.MERGE_SELF
    merge_rejected = refused(factory, lifecycle.merge, duplicate, world.county, into=rejected)
    assert merge_rejected == T.MERGE_TARGET_STATE.format(number=rejected, state="不予受理")
    act(factory, lifecycle.merge, duplicate, world.county, into=original, now=T0 + 2 * H)
    assert history(factory, duplicate)[-1] == ("merge", "acknowledged", "merged", world.county)
    assert history(factory, original)[-1] == ("merge_in", "rectifying", "rectifying", world.county)
    assert hazard_of(factory, original).state == "rectifying"
    assert kinds(factory, world.worker) == ["acknowledge", "merge"]
    assert f"与编号 {original} 的报告为同一问题" in messages(factory, world.worker)[1][1]
    assert kinds(factory, world.manager) == []  # never graded: the enterprise never knew of it


# --- to-do lists ------------------------------------------------------------------------------


def test_pending_lists_are_oldest_first_and_within_reach(
    factory: sessionmaker[Session], world: World
) -> None:
    with factory() as s:
        ent, other = s.get(Enterprise, world.ent), s.get(Enterprise, world.other_ent)
        made = {
            (state, where): make_hazard(s, enterprise=e, state=state, reported_at=T0 - days * 24 * H).number
            for days, (state, where, e) in enumerate([
                ("submitted", "here", ent), ("awaiting_verification", "here", ent),
                ("rectifying", "here", ent), ("submitted", "qingxu", other), ("closed", "here", ent),
                ("rectifying", "qingxu", other),
            ])
        }
        s.commit()

    def pending(user_id: int) -> list[str]:
        with factory() as s:
            return [h.number for h in lifecycle.pending_for(s, s.get(User, user_id))]  # type: ignore[arg-type]

    assert pending(world.county) == [made["awaiting_verification", "here"], made["submitted", "here"]]
    assert pending(world.city) == [made["submitted", "qingxu"], made["awaiting_verification", "here"],
                                   made["submitted", "here"]]
    assert pending(world.province) == pending(world.city)
    assert pending(world.manager) == [made["rectifying", "here"]]
    assert pending(world.other_manager) == [made["rectifying", "qingxu"]]
    assert pending(world.worker) == pending(world.public) == pending(world.admin) == []
    with factory() as s:
        assert len(lifecycle.pending_for(s, s.get(User, world.city), limit=1)) == 1  # type: ignore[arg-type]


# --- concurrency ------------------------------------------------------------------------------


def test_two_officers_acknowledging_at_once_act_once(factory: sessionmaker[Session], world: World) -> None:
    number = report(factory, world)
    outcome: dict[str, str] = {}

    def second_officer() -> None:
        with factory() as s:
            try:
                lifecycle.acknowledge(s, number, actor=s.get(User, world.county2), now=T0 + 2 * H)  # type: ignore[arg-type]
                s.commit()
                outcome["second"] = "acknowledged"
            except WorkflowError as exc:
                outcome["second"] = str(exc)

    with factory() as first:
        lifecycle.acknowledge(first, number, actor=first.get(User, world.county), now=T0 + H)  # type: ignore[arg-type]
        racer = threading.Thread(target=second_officer)
        racer.start()
        time.sleep(0.3)
        assert racer.is_alive()  # waiting for the first officer's transaction
        first.commit()
    racer.join(timeout=30)
    assert outcome["second"] == T.WRONG_STATE.format(state="已受理", step="受理")
    assert [e[0] for e in history(factory, number)] == ["submit", "acknowledge"]
    assert kinds(factory, world.worker) == ["acknowledge"]


def test_only_messages_that_ask_for_an_answer_move_the_bare_command(
    factory: sessionmaker[Session], world: World
) -> None:
    """A bare "受理" means the last hazard the officer was asked about, not the last news."""
    new = report(factory, world)
    rectifying = hazard_at(factory, world, "rectifying", with_plan=False)

    def pointed(user_id: int) -> int | None:
        with factory() as s:
            return s.get(User, user_id).last_notified_hazard_id  # type: ignore[union-attr]

    act(factory, lifecycle.submit_plan, rectifying, world.manager, plan=PLAN)
    assert kinds(factory, world.county)[-1] == "plan"
    assert pointed(world.county) == hazard_of(factory, new).id
    act(factory, lifecycle.submit_proof, rectifying, world.manager, photo_ids=[], note="已整改")
    assert pointed(world.county) == hazard_of(factory, rectifying).id
    assert pointed(world.worker) is None  # the reporter's own news points nowhere
