"""The duplicate hint at 请核对 as pure transitions: what is offered, 补充 with one or two
offers, a report that can no longer be supplemented, and commands that stay commands."""

from __future__ import annotations

from datetime import date

from bot.handlers import supplement, texts
from bot.handlers.core import State
from bot.services.reporting.supplements import SimilarReport
from tests.unit.handlers.fake_port import Chat, FakeChat

ONE = SimilarReport("YH202611200003", "整改中", date(2026, 5, 12), "2号转炉氧枪冷却水出水温度报警坏了好几天")
TWO = SimilarReport("YH202611210001", "待受理", date(2026, 11, 21), "转炉氧枪冷却水报警不响")


def at_summary(chat: Chat, *, anonymous: bool = False) -> str:
    chat.say("举报")
    chat.say("晋钢")
    chat.say("1")
    chat.say("转炉那边氧枪的冷却水报警器不响了")
    chat.say("跳过")
    chat.say("跳过")
    if anonymous:
        chat.say("2")
    else:
        chat.say("1")
        chat.say("王刚 13900001111")
    reply = chat.say("2")
    assert chat.state is State.CONFIRM
    return reply


def test_one_offer_is_shown_with_its_state_and_date_and_supplemented_by_a_word() -> None:
    chat = Chat(FakeChat(similar=[ONE]))
    summary = at_summary(chat)
    assert summary.startswith("请核对：")
    assert summary.endswith(
        "\n\n该企业已有类似报告 YH202611200003（状态：整改中，05月12日报告）："
        "2号转炉氧枪冷却水出水温度报警坏了好几天\n"
        "回复“补充”把您的内容补充到该报告；回复“确认”仍作为新报告提交。")
    assert chat.say("收到").endswith(supplement.CONFIRM_OR_SUPPLEMENT)  # not understood: asked again
    done = chat.say("补充")
    assert done.startswith("已补充到报告 YH202611200003（太原晋钢钢铁有限公司），谢谢您！")
    assert "回复“查询 YH202611200003”可随时查看" in done
    [(draft, number)] = chat.port.supplemented
    assert number == ONE.number and draft.description == "转炉那边氧枪的冷却水报警器不响了"
    assert chat.state is State.IDLE and chat.port.submitted == [] and chat.port.discarded == []


def test_two_offers_need_a_number_and_an_anonymous_one_hears_no_code() -> None:
    chat = Chat(FakeChat(similar=[ONE, TWO]))
    summary = at_summary(chat, anonymous=True)
    assert "1. YH202611200003（状态：整改中，05月12日报告）" in summary
    assert "2. YH202611210001（状态：待受理，11月21日报告）" in summary
    assert chat.say("补充") == supplement.WHICH
    done = chat.say("补充 2")
    assert done.startswith("已补充到报告 YH202611210001") and "不会收到办理通知，也没有查询码" in done
    assert "查询码：" not in done and chat.port.supplemented[0][1] == TWO.number


def test_a_report_gone_meanwhile_leaves_confirm_and_no_offer_leaves_all_as_it_was() -> None:
    gone = "报告 YH202611200003 已不能补充（可能已办结或合并）。"
    chat = Chat(FakeChat(similar=[ONE], supplement_error=gone))
    at_summary(chat)
    assert chat.say("补充").startswith("报告 YH202611200003 已不能补充")
    assert chat.state is State.CONFIRM
    assert chat.say("补充").endswith(texts.CONFIRM_EXPECTED)  # no longer offered
    assert chat.say("确认").startswith("提交成功")

    plain = Chat()
    summary = at_summary(plain)
    assert "类似报告" not in summary and summary.endswith("回复“确认”提交，回复“取消”放弃。")
    assert plain.say("补充").endswith(texts.CONFIRM_EXPECTED)


def test_a_command_at_the_summary_stays_a_command() -> None:
    chat = Chat(FakeChat(similar=[ONE], user_role="officer"))
    at_summary(chat)
    chat.say("受理 YH202611240001")
    assert ("acknowledge", "YH202611240001") in chat.port.calls
    assert chat.port.supplemented == []
