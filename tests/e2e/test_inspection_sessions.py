"""An inspection outlives the chat: paused, timed out, resumed; two inspectors on one
inspection; a manager's 企业自查; who may inspect whom."""

from __future__ import annotations

from datetime import timedelta

from bot.dev.peer import WeChatPeer
from bot.models import Enterprise, Hazard, Inspection, InspectionInspector, InspectionResult, User
from tests.e2e.chat import bind_as, engine_of, idle_for, one, received, rows, say
from tests.e2e.conftest import LiveServer
from tests.e2e.inspection_chat import load_library, position, scene_of
from tests.fakes.wechat_api import FakeWeChatServer

STEEL = "太原晋钢钢铁有限公司"
A, B = "o_insp_a", "o_insp_b"


def test_paused_and_timed_out_inspections_resume_at_the_first_open_item(
    live: LiveServer, peer: WeChatPeer
) -> None:
    load_library(live)
    engine = engine_of(live)
    bind_as(live, peer, A, "--role", "county_officer", "--region", "140105", "--name", "赵科长")
    reply = say(peer, A, f"检查 {STEEL}")
    total = position(reply)[1]
    say(peer, A, "1", "3")
    assert say(peer, A, "取消") == "已暂停检查，记录已保存。回复“检查”继续。"
    assert "回复“举报”" in say(peer, A, "1")  # idle again: a bare number means nothing

    reply = say(peer, A, "检查")
    assert f"已完成 2/{total} 项" in reply and position(reply) == (3, total)

    # The phone is put away for three hours mid-finding: the walk is kept, the draft is not.
    say(peer, A, "2", "配电室门口积水")
    idle_for(engine, A, timedelta(hours=3))
    reply = say(peer, A, "好了")
    assert reply.startswith("检查超过 120 分钟没有继续，已暂停")
    assert rows(engine, Hazard) == []
    reply = say(peer, A, "检查")
    assert position(reply) == (3, total) and len(rows(engine, InspectionResult)) == 2
    assert one(engine, Inspection).state == "open"


def test_two_inspectors_share_one_inspection(live: LiveServer, peer: WeChatPeer) -> None:
    load_library(live)
    engine = engine_of(live)
    bind_as(live, peer, A, "--role", "county_officer", "--region", "140105", "--name", "赵科长")
    bind_as(live, peer, B, "--role", "city_officer", "--region", "140100", "--name", "孙处长")
    scene = scene_of(live, STEEL)

    peer.send_event(A, "SCAN", scene)
    reply = say(peer, A, "检查")
    total = position(reply)[1]
    assert position(say(peer, A, "1")) == (2, total)

    # The city officer arrives: he is offered the same 市县检查, and joins it where it stands.
    reply = peer.send_event(B, "SCAN", scene).content
    assert f"本企业有进行中的市县检查（赵科长，已检查 1/{total} 项）" in reply
    reply = say(peer, B, "检查")
    assert f"已完成 1/{total} 项" in reply and position(reply) == (2, total)

    # Each goes on from where he is; what the other recorded shows.
    assert position(say(peer, A, "1")) == (3, total)
    reply = say(peer, B, "3")  # B corrects item 2 to 不适用, then goes to the first open one
    assert position(reply) == (3, total)
    assert "（已记录" not in reply
    assert position(say(peer, B, "1")) == (4, total)
    reply = say(peer, A, "返回")
    assert position(reply) == (2, total) and "（已记录：不适用，孙处长）" in reply

    # B ends it early; A's next answer is told so.
    assert "还有" in say(peer, B, "完成")
    reply = say(peer, B, "确认")
    assert "检查已结束" in reply and f"未检查 {total - 3}" in reply
    assert say(peer, A, "1") == "本次检查已经结束（可能已由其他检查人员结束）。"
    inspection = one(engine, Inspection)
    assert inspection.state == "finished" and inspection.stage == "joint_inspection"
    assert len(rows(engine, InspectionInspector)) == 2


def test_a_manager_checks_his_own_plant(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    load_library(live)
    engine = engine_of(live)
    enterprise = one(engine, Enterprise, Enterprise.name == STEEL)
    bind_as(live, peer, "o_insp_mgr", "--role", "enterprise_manager", "--enterprise", str(enterprise.id))

    reply = peer.send_event("o_insp_mgr", "SCAN", scene_of(live, STEEL)).content
    assert "回复“自查”开始企业自查" in reply
    reply = say(peer, "o_insp_mgr", "自查")
    assert reply.startswith(f"【企业自查】{STEEL}")
    say(peer, "o_insp_mgr", "2", "外协单位焊工未持证上岗作业")
    reply = say(peer, "o_insp_mgr", "跳过")
    assert "已登记隐患 YH" in reply and "（重大事故隐患），已定级，转入整改" in reply
    hazard = one(engine, Hazard)
    manager = one(engine, User, User.openid == "o_insp_mgr")
    assert (hazard.source, hazard.check_unit, hazard.reporter_id) == ("self_check", STEEL, manager.id)
    assert hazard.basis == "《工贸企业重大事故隐患判定标准》第三条第（一）项" and hazard.level == "major"
    # 自查自改: the item gives the level, and the plant's own rectification starts at once.
    assert hazard.state == "rectifying"

    # Finished: the county's officers are told what the self-check found.
    bind_as(live, peer, A, "--role", "county_officer", "--region", "140105", "--name", "赵科长")
    say(peer, "o_insp_mgr", "完成")
    reply = say(peer, "o_insp_mgr", "确认")
    assert "检查已结束" in reply and f"已列入本企业整改：{hazard.number}。" in reply
    assert "回复“整改 编号”提交五落实整改方案" in reply and "已报属地监管部门" in reply
    live.run_worker()
    [told] = received(fake_wechat, A)
    assert told.startswith(f"【企业自查】{STEEL} 完成自查，发现隐患 1 条（重大 1 条）")
    assert f"{hazard.number}（重大）" in told and "已转企业自行整改" in told and "督办 编号" in told
    assert "待定级" not in told
    assert received(fake_wechat, "o_insp_mgr") == []  # his own finding: no 整改通知 to himself
    assert hazard.number in say(peer, "o_insp_mgr", "待办")


def test_who_may_inspect_whom(live: LiveServer, peer: WeChatPeer) -> None:
    load_library(live)
    scene = scene_of(live, STEEL)
    # A county officer elsewhere: a visit, no inspection.
    bind_as(live, peer, "o_insp_far", "--role", "county_officer", "--region", "140213")
    assert "该企业不在您的辖区" in peer.send_event("o_insp_far", "SCAN", scene).content
    assert "您不能检查该企业" in say(peer, "o_insp_far", f"检查 {STEEL}")
    # A city officer of another city: 交叉检查.
    bind_as(live, peer, "o_insp_cross", "--role", "city_officer", "--region", "140200")
    assert "回复“检查”开始交叉检查" in peer.send_event("o_insp_cross", "SCAN", scene).content
    assert say(peer, "o_insp_cross", "检查").startswith(f"【交叉检查】{STEEL}")
    # The public: the report dialogue as before, and "检查" explains itself.
    reply = peer.send_event("o_insp_public", "SCAN", scene).content
    assert "第 2 步" in reply and "自查" not in reply
    assert "第 3 步" in say(peer, "o_insp_public", f"检查 {STEEL}时发现除尘器积灰")  # a description
    assert "您不能检查该企业" in say(peer, "o_insp_public2", f"检查 {STEEL}")
    assert say(peer, "o_insp_public2", "检查") == "请回复“检查 企业名称”开始检查，或在现场扫描企业的二维码。"


def test_switching_plants_mid_walk_keeps_both(live: LiveServer, peer: WeChatPeer) -> None:
    load_library(live)
    bind_as(live, peer, B, "--role", "city_officer", "--region", "140100", "--name", "孙处长")
    total = position(say(peer, B, f"检查 {STEEL}"))[1]
    say(peer, B, "1")
    heavy = "太原重型装备配套有限公司"
    assert "回复“检查”开始市县检查" in peer.send_event(B, "SCAN", scene_of(live, heavy)).content
    reply = say(peer, B, "检查")
    assert reply.startswith(f"【市县检查】{heavy}") and position(reply)[0] == 1
    reply, _ = walk_until(peer, B, reply, "厂中厂")
    assert "厂中厂" in reply  # 厂中厂 items apply to a plant with leased premises
    reply = say(peer, B, f"检查 {STEEL}")
    assert f"已完成 1/{total} 项" in reply and position(reply) == (2, total)


def walk_until(peer: WeChatPeer, openid: str, reply: str, words: str) -> tuple[str, int]:
    """Answer "1" until an item holding ``words`` is asked; returns it and the steps taken."""
    steps = 0
    while words not in reply:
        index, total = position(reply)
        assert index < total, f"no item with {words!r}"
        reply = say(peer, openid, "1")
        steps += 1
    return reply, steps
