"""Officers' and managers' chat commands: parsing, the bare command after a notification, and
the manager's 五落实 and proof dialogues, as pure transitions over ``FakeChat``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from bot.chat import conversations
from bot.handlers import texts
from bot.handlers.commands import Command, CommandError, parse_command, parse_date, parse_penalty
from bot.handlers.core import ScanOutcome, State
from bot.handlers.incoming import Intent, classify
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.lifecycle import PenaltyDraft, PlanDraft
from tests.unit.handlers.fake_port import SCENES, TODAY, Chat, FakeChat, image, scan, text

N = "YH202611240001"
BASIS = "第四条第（一）项"
LABEL = f"{N}（重大事故隐患）转炉氧枪冷却水流量报警失灵"


def officer(**kw: object) -> Chat:
    return Chat(FakeChat(user_role="officer", **kw))  # type: ignore[arg-type]


def manager(**kw: object) -> Chat:
    return Chat(FakeChat(user_role="manager", **kw))  # type: ignore[arg-type]


# --- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("受理", Command("acknowledge")),
        ("受理 yh202611240001", Command("acknowledge", N)),
        ("受理YH202611240001。", Command("acknowledge", N)),
        ("受理　ＹＨ２０２６１１２４０００１", Command("acknowledge", N)),
        ("不予受理 YH202611240001 重复举报，已在处理", Command("reject", N, reason="重复举报，已在处理")),
        ("定级 YH202611240001 重大 第四条第（一）项", Command("classify", N, level="major", basis=BASIS)),
        ("定级 重大 第四条第（一）项", Command("classify", None, level="major", basis=BASIS)),
        ("定级 一般", Command("classify", None, level="general")),
        ("限期 YH202611240001 2026-12-31", Command("deadline", N, deadline=date(2026, 12, 31))),
        ("限期 12月31日", Command("deadline", None, deadline=date(2026, 12, 31))),
        ("督办", Command("supervise")),
        ("验收 YH202611240001", Command("verify", N)),
        ("销号", Command("verify")),
        ("退回 YH202611240001 照片看不清，请补拍", Command("send_back", N, reason="照片看不清，请补拍")),
        ("合并 YH202611240002 YH202611240001", Command("merge", "YH202611240002", into=N)),
        ("合并 YH202611240001", Command("merge", None, into=N)),
        ("待办", Command("pending")),
        ("举报人 YH202611240001", Command("reporter", N)),
        ("奖励 批准 YH202611240001", Command("reward", N, action="approve")),
        ("奖励 发放", Command("reward", None, action="pay")),
        ("整改 YH202611240001", Command("plan", N)),
        ("方案", Command("plan")),
        ("提交整改", Command("proof")),
        ("整改完成 YH202611240001", Command("proof", N)),
        ("绑定 abcd-efgh-23", Command("bind", code="abcd-efgh-23")),
        ("周报", Command("weekly", action="show")),
        ("周报 确认", Command("weekly", action="confirm")),
        ("周报　报送。", Command("weekly", action="confirm")),
        ("周报 进度", Command("weekly", action="progress")),
        ("周报 存在问题：部分县区 进度慢",
         Command("weekly", action="text", row="存在问题", reason="部分县区 进度慢")),
        ("周报 部署推进 10个县均已部署",
         Command("weekly", action="text", row="部署推进", reason="10个县均已部署")),
    ],
)
def test_commands_are_parsed(typed: str, expected: Command) -> None:
    assert classify(text(typed)) is Intent.COMMAND
    assert parse_command(typed, today=TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("定级 YH202611240001 严重", "重大 或 一般"),
        ("限期 YH202611240001", "整改期限"),
        ("限期 下周五", "看不懂日期"),
        ("不予受理 YH202611240001", "理由"),
        ("退回", "理由"),
        ("受理 YH202611240001 马上去", "看不懂“马上去”"),
        ("奖励 YH202611240001", "批准"),
        ("合并", "编号"),
        ("合并 YH1 YH2 YH3", "编号"),
        ("绑定", "绑定码"),
        ("周报 明天再说", "看不懂“明天再说”"),
        ("周报 意见建议", "写上内容"),
    ],
)
def test_malformed_commands_say_why_and_how(typed: str, reason: str) -> None:
    with pytest.raises(CommandError) as exc:
        parse_command(typed, today=TODAY)
    assert reason in str(exc.value)
    assert "用法：" in str(exc.value)


@pytest.mark.parametrize(
    "typed",
    ["验收不合格的钢材堆在通道", "受理了吗", "处罚太轻了", "举报", "查询 YH202611240001", "周报怎么填"],
)
def test_sentences_and_other_words_are_not_commands(typed: str) -> None:
    assert classify(text(typed)) is not Intent.COMMAND


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-31", date(2026, 12, 31)),
        ("2026/12/31", date(2026, 12, 31)),
        ("2026.12.31", date(2026, 12, 31)),
        ("2026年12月31日", date(2026, 12, 31)),
        ("12月31日", date(2026, 12, 31)),
        ("12-31", date(2026, 12, 31)),
        ("12/31", date(2026, 12, 31)),
        ("１２月３１日", date(2026, 12, 31)),
        ("11月24日", date(2026, 11, 24)),  # today
        ("1月15日", date(2027, 1, 15)),  # without a year: the next such day
        ("2-28", date(2027, 2, 28)),
        ("2026-1-5", date(2026, 1, 5)),  # a past date with its year is read as typed
    ],
)
def test_dates(typed: str, expected: date) -> None:
    assert parse_date(typed, today=TODAY) == expected


@pytest.mark.parametrize(("typed", "reason"), [
    ("2月30日", "不存在"), ("2026-13-01", "不存在"), ("明天", "看不懂"), ("2026-12", "看不懂"),
])
def test_impossible_dates_are_refused(typed: str, reason: str) -> None:
    with pytest.raises(CommandError, match=reason):
        parse_date(typed, today=TODAY)


def test_every_penalty_key_word() -> None:
    assert parse_penalty(
        "企业罚款=5 负责人罚款=1.2 责令整改 停产整顿 暂扣证照 关闭取缔 移送司法 联合惩戒 "
        "备注=一案双罚，另案处理"
    ) == PenaltyDraft(
        fine_enterprise_wan=Decimal("5.00"), fine_principal_wan=Decimal("1.20"),
        ordered_rectification=True, suspended=True, license_revoked=True, closed_down=True,
        judicial_transfer=True, joint_punishment=True, note="一案双罚，另案处理",
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("企业罚款5万元", PenaltyDraft(fine_enterprise_wan=Decimal("5.00"))),
        ("企业罚款＝０.５，停产整顿", PenaltyDraft(fine_enterprise_wan=Decimal("0.50"), suspended=True)),
        ("负责人罚款:2万、吊销证照", PenaltyDraft(fine_principal_wan=Decimal("2.00"), license_revoked=True)),
        ("取缔关闭 备注：  群众反映强烈  ", PenaltyDraft(closed_down=True, note="群众反映强烈")),
    ],
)
def test_penalty_spellings(typed: str, expected: PenaltyDraft) -> None:
    assert parse_penalty(typed) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("罚款=5", "看不懂“罚款=5”"), ("企业罚款=-1", "罚款金额"), ("企业罚款=很多", "罚款金额"),
     ("企业罚款=1.234", "罚款金额"), ("", "处罚内容"), ("备注=只有备注", "处罚内容")],
)
def test_bad_penalties_are_refused(typed: str, reason: str) -> None:
    with pytest.raises(CommandError, match=reason):
        parse_penalty(typed)


def test_a_penalty_command_names_the_hazard() -> None:
    command = parse_command("处罚 YH202611240001 企业罚款=5 负责人罚款=1 停产整顿", today=TODAY)
    assert command.number == N
    assert command.penalty == PenaltyDraft(
        fine_enterprise_wan=Decimal("5.00"), fine_principal_wan=Decimal("1.00"), suspended=True
    )


# --- who may use them, and the bare command ---------------------------------------------------


def test_the_public_gets_guidance_and_nothing_is_called() -> None:
    chat = Chat()
    for typed in ("受理 YH202611240001", "验收", "待办", "整改", "处罚 企业罚款=5"):
        assert chat.say(typed) == texts.NOT_BOUND
    assert chat.port.calls == []


def test_anyone_may_bind_with_a_code() -> None:
    chat = Chat()
    assert "绑定码不正确" in chat.say("绑定 WRONGCODE2")
    bound = texts.BOUND.format(name="张三，", role="县级监管人员", scope="小店区")
    assert chat.say("绑定 GOODCODE23") == bound
    assert chat.port.role() == "officer"


def test_a_bare_command_means_the_hazard_last_notified() -> None:
    chat = officer(last_notified=N)
    assert chat.say("受理") == texts.DONE["acknowledge"].format(number=N, state="整改中")
    chat.say("定级 重大 第四条第（一）项")
    chat.say("限期 2026/12/31")
    chat.say("督办")
    assert chat.port.calls == [
        ("acknowledge", N),
        ("classify", N, "major", "第四条第（一）项"),
        ("set_deadline", N, date(2026, 12, 31)),
        ("supervise", N),
    ]


def test_a_bare_command_without_a_notification_asks_for_the_number() -> None:
    chat = officer()
    assert chat.say("验收") == texts.NEED_NUMBER.format(example="验收 编号")
    assert chat.port.calls == []


def test_the_service_refusal_is_the_answer() -> None:
    chat = officer()
    assert chat.say("受理 YH209901010001") == "没有找到编号为 YH209901010001 的隐患，或您无权处理。"
    chat.port.refuse = "该隐患当前状态为“整改中”，不能受理。"
    assert chat.say(f"受理 {N}") == "该隐患当前状态为“整改中”，不能受理。"


def test_penalty_pending_and_reporter() -> None:
    chat = officer()
    recorded = texts.PENALTY_RECORDED.format(number=N, summary="罚款企业 5 万元")
    assert chat.say(f"处罚 {N} 企业罚款=5") == recorded
    assert chat.port.calls[-1] == ("record_penalty", N, PenaltyDraft(fine_enterprise_wan=Decimal("5.00")))
    assert chat.say("待办") == (f"待办（共 1 项，超期的在前，其余按剩余天数）：\n"
                               f"1. {N} 太原晋钢钢铁有限公司｜整改中｜已等2天\n以上为第 1–1 项，已全部列出。")
    reply = chat.say(f"举报人 {N}")
    assert "李四 13912345678（群众举报）" in reply and "本次查看已记录" in reply
    assert chat.say(f"奖励 批准 {N}") == texts.REWARD_DONE["approve"].format(number=N)


def test_an_officers_plan_command_is_left_to_the_service() -> None:
    """Officers may file for an enterprise with no bound manager; the service decides, so
    the handler starts the same dialogue (here the recording port lets it)."""
    assert "1/5 整改责任人" in officer(last_notified=N).say("整改")


def test_a_command_mid_report_is_answered_and_the_report_goes_on() -> None:
    chat = officer(last_notified=N)
    chat.say("举报")
    chat.say("晋钢")
    chat.say("1")
    chat.say("二号车间行车吊钩缺少防脱钩装置")
    reply = chat.say("受理")
    done = texts.DONE["acknowledge"].format(number=N, state="整改中")
    assert reply == done + "\n\n" + texts.PHOTOS_EXPECTED
    assert chat.state is State.PHOTOS


def test_a_command_where_free_text_is_expected_is_that_text() -> None:
    chat = officer(last_notified=N)
    chat.say("举报")
    chat.say("晋钢")
    chat.say("1")
    chat.say("退回 料场的钢卷堆垛超高")
    assert chat.draft.description == "退回 料场的钢卷堆垛超高"
    assert chat.port.calls == []


# --- the manager's 五落实 plan --------------------------------------------------------------


def test_the_plan_dialogue_asks_five_things_and_files_them() -> None:
    chat = manager(last_notified=N, plan_deadline=date(2026, 12, 31))
    reply = chat.say("整改")
    assert reply.startswith(texts.PLAN_START.format(label=LABEL))
    assert reply.endswith(texts.ASK_PLAN_PERSON)
    assert chat.say("无").startswith(texts.PLAN_REQUIRED)
    assert chat.say("王强 炼钢厂厂长") == texts.ASK_PLAN_MEASURES
    # Measures that start like a command are the measures, not another command.
    assert chat.say("整改 更换氧枪冷却水流量计并与报警联锁") == texts.ASK_PLAN_FUNDS
    assert chat.say("很多") == f"{T.FUNDS_INVALID}\n{texts.ASK_PLAN_FUNDS}"
    assert chat.say("-1") == f"{T.FUNDS_INVALID}\n{texts.ASK_PLAN_FUNDS}"
    assert chat.state is State.PLAN_FUNDS
    deadline_prompt = chat.say("2.5万元")
    assert deadline_prompt.startswith(texts.ASK_PLAN_DEADLINE) and "2026-12-31" in deadline_prompt
    assert chat.say("2026-01-05").startswith(texts.PLAN_PAST_DEADLINE)
    assert "不能晚于" in chat.say("2027-01-31")
    assert chat.say("12月20日") == texts.ASK_PLAN_CONTINGENCY
    summary = chat.say("氧枪停用期间设置警戒区，安排专人巡检")
    assert chat.state is State.PLAN_CONFIRM
    for line in ("责任人：王强 炼钢厂厂长", "资金：2.50 万元", "时限：2026-12-20"):
        assert line in summary
    assert chat.say("确认") == texts.DONE["plan"].format(number=N, state="整改中")
    assert chat.state is State.IDLE and chat.dialogue.data == {}
    assert chat.port.calls[-1] == ("submit_plan", N, PlanDraft(
        responsible_person="王强 炼钢厂厂长", measures="整改 更换氧枪冷却水流量计并与报警联锁",
        funds_wan=Decimal("2.50"), deadline=date(2026, 12, 20),
        contingency="氧枪停用期间设置警戒区，安排专人巡检",
    ))


def test_a_refused_number_asks_nothing() -> None:
    chat = manager()
    assert chat.say("整改 YH209901010001") == "没有找到编号为 YH209901010001 的隐患，或您无权处理。"
    assert chat.state is State.IDLE


def test_cancel_leaves_the_plan() -> None:
    chat = manager(last_notified=N)
    chat.say("整改")
    chat.say("王强 炼钢厂厂长")
    assert chat.say("取消") == texts.FLOW_CANCELLED
    assert chat.state is State.IDLE and chat.dialogue.data == {}


def test_a_report_cannot_start_in_the_middle_of_a_plan() -> None:
    chat = manager(last_notified=N)
    chat.say("整改")
    assert chat.say("举报") == texts.FLOW_BUSY + "\n\n" + texts.ASK_PLAN_PERSON


def test_a_refusal_at_the_end_resets() -> None:
    chat = manager(last_notified=N)
    for answer in ("整改", "王强", "更换流量计", "3", "12月20日", "设置警戒区"):
        chat.say(answer)
    chat.port.refuse = "该隐患当前状态为“待验收”，不能提交五落实方案。"
    assert chat.say("确认") == chat.port.refuse
    assert chat.state is State.IDLE


# --- the manager's proof --------------------------------------------------------------------


def test_the_proof_needs_a_photo_and_a_note() -> None:
    chat = manager(last_notified=N)
    assert chat.say("提交整改") == texts.PROOF_START.format(label=LABEL, max=3)
    assert chat.say("好了") == texts.PROOF_PHOTO_REQUIRED
    assert chat.say("跳过") == texts.PROOF_PHOTO_REQUIRED
    assert chat.send(image("p1")) == texts.PHOTO_RECEIVED.format(n=1)
    assert chat.say("好了") == texts.ASK_PROOF_NOTE
    summary = chat.say("已更换流量计并完成联锁调试")
    assert "照片：1 张" in summary and chat.state is State.PROOF_CONFIRM
    assert chat.say("确认") == texts.DONE["proof"].format(number=N, state="整改中")
    assert chat.port.calls[-1] == ("submit_proof", N, [101], "已更换流量计并完成联锁调试")
    assert chat.port.discarded == []


def test_cancelling_the_proof_drops_its_photos() -> None:
    chat = manager(last_notified=N)
    chat.say("提交整改")
    chat.send(image("p1"))
    chat.send(image("p2"))
    chat.say("取消")
    assert chat.port.discarded == [101, 102]


# --- workers --------------------------------------------------------------------------------


def test_a_scan_offers_the_employee_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SCENES, "e:plant", replace(SCENES["e:good"], offer_worker=True))
    chat = Chat()
    assert chat.send(scan("SCAN", "e:plant")).endswith(texts.OFFER_WORKER)
    reply = chat.say("我是员工")
    assert reply.startswith(texts.WORKER_DECLARED.format(enterprise="河津华圣铝业有限公司"))
    assert chat.port.calls == [("declare_worker", 7)]
    assert chat.state is State.DESCRIPTION


def test_the_declaration_needs_a_scan() -> None:
    chat = Chat()
    assert chat.say("我是员工") == texts.WORKER_NEEDS_SCAN
    chat.say("举报")
    chat.say("华圣")
    chat.say("1")
    assert chat.say("我是员工").startswith(texts.WORKER_NEEDS_SCAN)
    assert chat.port.calls == []


def test_no_offer_without_the_right() -> None:
    assert texts.OFFER_WORKER not in Chat().send(scan("SCAN", "e:good"))
    assert SCENES["e:good"] == ScanOutcome("report", 7, SCENES["e:good"].label)


# --- storage --------------------------------------------------------------------------------


def test_a_plan_in_progress_survives_storage_and_old_rows_still_load() -> None:
    chat = manager(last_notified=N)
    chat.say("整改")
    chat.say("王强")
    stored = conversations._to_json(chat.dialogue)
    again = conversations._from_json(chat.dialogue.state.value, stored)
    assert again == chat.dialogue
    old = {"draft": {"description": "吊钩缺少防脱钩装置"}, "choices": [], "typed": ""}
    assert conversations._from_json("photos", old).data == {}


def test_a_services_please_first_names_the_command_to_send() -> None:
    chat = officer(refuse=T.NOT_MAJOR)
    assert chat.say(f"督办 {N}") == (
        f"只有重大事故隐患可以挂牌督办。请先回复“定级 {N} 重大 判定依据”，再回复“督办 {N}”。")
    chat = manager(refuse=T.PLAN_REQUIRED)
    assert chat.say(f"提交整改 {N}") == f"请先回复“整改 {N}”提交五落实整改方案，再回复“提交整改 {N}”。"


def test_a_deadline_later_than_the_plans_date_shows_both() -> None:
    chat = officer(earlier_plan=date(2026, 12, 10))
    assert chat.say(f"限期 {N} 2027-01-20") == (
        f"已设定 {N} 的整改期限：2027-01-20。企业整改方案的完成时限 2026-12-10 更早，"
        "两个日期都已保留，提醒按较早的 2026-12-10 发送。当前状态：整改中。")
