"""A worker sends his location before naming the plant: the registered plants within 3 km,
nearest first, through the WeChat peer; the hazard keeps the plant, the location and its datum."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bot.dev.peer import WeChatPeer
from bot.handlers import texts
from bot.models import Enterprise, Hazard
from tests.e2e.chat import (
    DESCRIPTION,
    code_in,
    conversation_of,
    count,
    engine_of,
    execute,
    one,
    say,
    send_location,
)
from tests.e2e.conftest import LiveServer

WORKER = "o_nearby_worker"
# The simulator's default point (bot/dev/views.py): 0.75 km (约 0.8 公里) from the demo's 太原晋钢 (GCJ-02).
HERE = (37.7230, 112.5680, "山西省太原市小店区")


@pytest.fixture
def plants(live: LiveServer) -> None:
    """Two more plants around HERE: one 1.9 km north, given in WGS-84 as a GPS reads it, and
    one 3.5 km north, too far to offer."""
    engine = engine_of(live)
    execute(engine, update(Enterprise).where(Enterprise.name == "太原重型装备配套有限公司")
            .values(latitude=37.7396, longitude=112.5617, coord_system="WGS-84"))
    execute(engine, update(Enterprise).where(Enterprise.name == "晋中榆次液压机械有限公司")
            .values(latitude=37.7545, longitude=112.5680, coord_system="GCJ-02"))


def test_location_first_offers_the_nearest_plants_and_the_report_keeps_it(
    live: LiveServer, peer: WeChatPeer, plants: None
) -> None:
    assert "企业名称" in say(peer, WORKER, "举报")
    reply = send_location(peer, WORKER, *HERE)
    assert reply == (
        "已记录您的位置（山西省太原市小店区），作为隐患位置，第 4 步不用再发。\n"
        "第 1 步：您附近 3 公里内登记的企业（由近到远）：\n"
        "1. 太原晋钢钢铁有限公司（小店区） 约 0.8 公里\n"
        "2. 太原重型装备配套有限公司（尖草坪区） 约 1.9 公里\n"
        "回复序号选择，或直接输入企业名称。"
    )
    assert "晋中榆次" not in reply

    assert "已选择：太原晋钢钢铁有限公司（小店区）\n第 2 步" in say(peer, WORKER, "1")
    assert "第 3 步" in say(peer, WORKER, DESCRIPTION)
    reply = say(peer, WORKER, "跳过")
    assert reply.startswith("第 4 步：隐患位置已记录（山西省太原市小店区），不用再发。\n第 5 步")
    say(peer, WORKER, "2")  # anonymous
    summary = say(peer, WORKER, "2")
    assert "企业：太原晋钢钢铁有限公司（小店区）" in summary
    assert "位置：山西省太原市小店区（37.72300, 112.56800）" in summary
    code_in(say(peer, WORKER, "确认"))

    hazard = one(engine_of(live), Hazard)
    assert hazard.enterprise_name == "太原晋钢钢铁有限公司" and hazard.enterprise_id is not None
    assert (hazard.location_lat, hazard.location_lng) == (37.7230, 112.5680)
    assert (hazard.location_label, hazard.location_system) == ("山西省太原市小店区", "GCJ-02")


def test_a_location_with_no_dialogue_open_starts_a_report(live: LiveServer, peer: WeChatPeer) -> None:
    reply = send_location(peer, WORKER, *HERE)
    assert reply.startswith("收到您的位置，开始报告安全隐患，可以匿名（随时回复“取消”退出）。\n")
    assert "1. 太原晋钢钢铁有限公司（小店区） 约 0.8 公里\n回复序号选择，或直接输入企业名称。" in reply
    assert conversation_of(engine_of(live), WORKER).state == "enterprise_choice"
    assert "第 2 步" in say(peer, WORKER, "1")


def test_nothing_nearby_asks_for_the_name_and_the_location_stays(
    live: LiveServer, peer: WeChatPeer
) -> None:
    say(peer, WORKER, "举报")
    reply = send_location(peer, WORKER, 38.70, 111.57, "岢岚县某村")  # 100 km from any plant
    assert reply.endswith("附近 3 公里内没有登记的企业，请输入企业名称（可以只输入关键字）。")
    assert "已记录您的位置（岢岚县某村）" in reply
    assert conversation_of(engine_of(live), WORKER).state == "enterprise"
    assert "1. 太原晋钢钢铁有限公司（小店区）" in say(peer, WORKER, "晋钢")
    say(peer, WORKER, "1", DESCRIPTION)
    assert "第 4 步：隐患位置已记录（岢岚县某村）" in say(peer, WORKER, "跳过")


@pytest.mark.parametrize("where", [(39.9087, 116.3975), (0.0, 0.0)], ids=["beijing", "null_island"])
def test_a_location_outside_shanxi_gets_the_same_polite_path(
    live: LiveServer, peer: WeChatPeer, where: tuple[float, float]
) -> None:
    reply = send_location(peer, WORKER, *where, "某处")
    assert reply == texts.NEARBY_START + "这个位置不在山西省内，没有记录。\n" + texts.NEARBY_NONE
    assert conversation_of(engine_of(live), WORKER).state == "enterprise"
    say(peer, WORKER, "晋钢", "1", DESCRIPTION)
    assert "第 4 步：请发送隐患位置" in say(peer, WORKER, "跳过")  # nothing kept: asked as usual
    assert count(engine_of(live), Hazard) == 0
