"""A location sent before the enterprise is named: the plants around it, nearest first, and
the location kept as the report's (with its datum), as pure transitions over ``FakeChat``."""

from __future__ import annotations

import logging

import pytest

from bot.handlers import texts
from bot.handlers.core import Nearby, State
from bot.services.registry.coordinates import GCJ02
from tests.unit.handlers.fake_port import Chat, FakeChat, location

HERE = (37.7400, 112.5650, "太原市小店区北营")
NEARBY_LIST = (
    "第 1 步：您附近 3 公里内登记的企业（由近到远）：\n"
    "1. 太原晋钢钢铁有限公司（小店区） 约 0.8 公里\n"
    "2. 河津华圣铝业有限公司（河津市） 约 2.4 公里\n"
    "回复序号选择，或直接输入企业名称。"
)


def test_a_location_at_the_enterprise_step_lists_the_plants_around_it() -> None:
    chat = Chat()
    chat.say("举报")
    reply = chat.send(location(*HERE))
    assert reply == "已记录您的位置（太原市小店区北营），作为隐患位置，第 4 步不用再发。\n" + NEARBY_LIST
    assert chat.state is State.ENTERPRISE_CHOICE
    assert ("nearby_enterprises", 37.74, 112.565) in chat.port.calls

    # A number goes on as a typed match does; the location is the report's, step 4 is not asked.
    assert chat.say("1").startswith("已选择：太原晋钢钢铁有限公司（小店区）\n第 2 步")
    assert chat.draft.enterprise_id == 1
    chat.say("二号车间行车吊钩缺少防脱钩装置")
    step_4 = chat.say("跳过")
    assert step_4 == "第 4 步：隐患位置已记录（太原市小店区北营），不用再发。\n" + texts.ASK_IDENTITY
    assert chat.state is State.IDENTITY
    chat.say("2")
    summary = chat.say("2")
    assert "位置：太原市小店区北营（37.74000, 112.56500）" in summary
    chat.say("确认")
    draft = chat.port.submitted[0]
    assert (draft.location_lat, draft.location_lng, draft.location_system) == (37.74, 112.565, GCJ02)
    assert draft.location_label == "太原市小店区北营"


def test_a_location_with_no_dialogue_open_starts_a_report() -> None:
    chat = Chat()
    reply = chat.send(location(*HERE))
    assert reply.startswith(texts.NEARBY_START + "已记录您的位置")
    assert reply.endswith(NEARBY_LIST)
    assert chat.state is State.ENTERPRISE_CHOICE


def test_no_0_in_a_nearby_list_and_a_typed_name_still_searches() -> None:
    chat = Chat()
    chat.send(location(*HERE))
    assert chat.say("0") == "请回复列表中的序号（1–2），或重新输入名称。"
    assert chat.say("3") == "请回复列表中的序号（1–2），或重新输入名称。"
    assert chat.state is State.ENTERPRISE_CHOICE and chat.draft.enterprise_name == ""
    assert "1. 晋城福盛钢铁有限公司（城区）" in chat.say("福盛")
    chat.say("1")
    assert chat.draft.enterprise_id == 2 and chat.draft.location_system == GCJ02


def test_nothing_within_3_km_asks_for_the_name_and_keeps_the_location() -> None:
    chat = Chat(FakeChat(nearby=[]))
    chat.say("举报")
    reply = chat.send(location(37.95, 112.40, ""))
    assert reply == "已记录您的位置，作为隐患位置，第 4 步不用再发。\n" + texts.NEARBY_NONE
    assert "附近 3 公里内没有登记的企业，请输入企业名称" in reply
    assert chat.state is State.ENTERPRISE
    assert (chat.draft.location_lat, chat.draft.location_system) == (37.95, GCJ02)


def test_a_location_outside_shanxi_is_not_kept_and_the_name_is_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.handlers.nearby")
    chat = Chat()
    reply = chat.send(location(39.9087, 116.3975, "北京市天安门"))
    assert reply == texts.NEARBY_START + texts.NEARBY_OUTSIDE + texts.NEARBY_NONE
    assert chat.state is State.ENTERPRISE and chat.draft.location_lat is None
    assert not [c for c in chat.port.calls if c[0] == "nearby_enterprises"]
    assert "location outside Shanxi" in caplog.text and "116.3975" not in caplog.text
    # Step 4 then asks for the location as usual.
    chat.say("晋钢")
    chat.say("1")
    chat.say("二号车间行车吊钩缺少防脱钩装置")
    assert chat.say("跳过") == texts.ASK_LOCATION


def test_a_location_at_step_4_records_its_datum() -> None:
    chat = Chat()
    chat.say("举报")
    chat.say("晋钢")
    chat.say("1")
    chat.say("二号车间行车吊钩缺少防脱钩装置")
    chat.say("跳过")
    assert chat.send(location(*HERE)) == texts.ASK_IDENTITY
    assert chat.draft.location_system == GCJ02


def test_five_long_names_and_a_long_place_fit_one_reply() -> None:
    name = "山西" + "很长的名字" * 40 + "有限公司（小店区）"
    long_names = [Nearby(str(i), name, i / 2) for i in range(1, 6)]
    chat = Chat(FakeChat(nearby=long_names))
    reply = chat.send(location(37.74, 112.565, "某个非常长的地点名称" * 30))
    assert len(reply.encode()) <= 2048
    assert reply.count(" 约 ") == 5 and "5. 山西很长的名字" in reply
    assert chat.draft.location_label == ("某个非常长的地点名称" * 30)[:300]  # kept whole for officers
