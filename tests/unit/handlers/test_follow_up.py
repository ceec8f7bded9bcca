"""我的报告 as the reporter reads it: newest first, one WeChat text at most, a hint for the rest."""

from __future__ import annotations

from datetime import date, timedelta

from bot.handlers.core import State
from bot.handlers.incoming import Intent, classify
from bot.services.reporting.progress import ReportLine
from tests.unit.handlers.fake_port import Chat, FakeChat, text

LONG_NAME = "山西省太原市小店区某某特种铸造有限责任公司第二分厂（原太原市某某机械厂）"


def lines(n: int, enterprise: str = "太原晋钢钢铁有限公司") -> list[ReportLine]:
    first = date(2026, 11, 24)
    return [ReportLine(f"YH2026112400{i:02d}", first - timedelta(days=i), enterprise, "整改中")
            for i in range(1, n + 1)]


def test_the_words_and_the_intent() -> None:
    for word in ("我的报告", "我的举报", " 我的报告。"):
        assert classify(text(word)) is Intent.MY_REPORTS
    assert classify(text("我的报告写错了，重新报")) is Intent.TEXT


def test_a_few_reports_are_listed_whole() -> None:
    reply = Chat(FakeChat(own_reports=lines(2))).say("我的报告")
    assert reply.splitlines() == [
        "您的实名报告（共 2 件，最新的在前）：",
        "YH202611240001｜2026-11-23｜太原晋钢钢铁有限公司｜整改中",
        "YH202611240002｜2026-11-22｜太原晋钢钢铁有限公司｜整改中",
        "回复“查询 编号”查看详情。匿名报告请回复“查询 编号 查询码”。",
    ]


def test_many_reports_stop_within_one_text_and_say_how_many_are_left() -> None:
    reply = Chat(FakeChat(own_reports=lines(30, LONG_NAME))).say("我的报告")
    assert len(reply.encode()) <= 2048
    listed = [line for line in reply.splitlines() if line.startswith("YH")]
    assert 5 < len(listed) < 30
    assert listed[0].startswith("YH202611240001｜")  # the newest first
    assert f"另有 {30 - len(listed)} 件较早的报告未列出" in reply
    assert "共 30 件" in reply and LONG_NAME[:24] + "…" in listed[0]


def test_no_named_report_points_to_the_query_code() -> None:
    reply = Chat().say("我的报告")
    assert "还没有实名报告" in reply and "查询 编号 查询码" in reply


def test_a_report_being_written_is_kept() -> None:
    chat = Chat(FakeChat(own_reports=lines(1)))
    chat.say("举报")
    chat.say("晋钢")
    chat.say("1")
    assert chat.state is State.DESCRIPTION
    reply = chat.say("我的报告")
    assert "共 1 件" in reply and "仍保留" in reply
    assert chat.state is State.DESCRIPTION
