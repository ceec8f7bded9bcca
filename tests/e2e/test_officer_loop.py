"""The whole loop in chat, three WeChat users through the fake WeChat API.

A member of the public reports under his name; the county officer of 小店区 is told, accepts
with a bare "受理", grades it major, puts it under supervision and sets a deadline; the
manager of 太原晋钢 is told, files the 五落实 plan and the proof with a photo through the
dialogue; the officer verifies and closes it. Each person receives exactly his own messages,
in order, and the manager never learns who reported.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.dev.peer import WeChatPeer
from bot.models import (
    Attachment,
    Enterprise,
    Hazard,
    HazardEvent,
    OutboxMessage,
    RectificationPlan,
    RewardCase,
)
from bot.services.platform.clock import local, utcnow
from tests.e2e.chat import (
    bind_as,
    engine_of,
    jpeg_with_gps,
    number_in,
    one,
    received,
    report_until_confirm,
    rows,
    say,
    send_photo,
)
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

REPORTER = "o_loop_reporter"
OFFICER = "o_loop_officer"
MANAGER = "o_loop_manager"
CONTACT_NAME, CONTACT_PHONE = "李明", "13812345678"
DESCRIPTION = "炼钢车间转炉氧枪冷却水流量报警装置失灵，已两天未修复"
ENTERPRISE = "太原晋钢钢铁有限公司"


def test_report_to_closing_in_chat(live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer) -> None:
    engine = engine_of(live)
    today = local(utcnow()).date()
    deadline = today + timedelta(days=30)
    plan_by = today + timedelta(days=20)
    credit_code = one(engine, Enterprise, Enterprise.name == ENTERPRISE).credit_code

    # An admin issues two codes; the officer and the manager bind their WeChat accounts.
    assert "县级监管人员" in bind_as(live, peer, OFFICER, "--role", "county_officer", "--region", "140105",
                                 "--name", "赵科长")
    assert ENTERPRISE in bind_as(live, peer, MANAGER, "--role", "enterprise_manager",
                                 "--enterprise", str(credit_code))
    manager_saw: list[str] = []

    def manager_says(*texts: str) -> str:
        replies = [say(peer, MANAGER, t) for t in texts]
        manager_saw.extend(replies)
        return replies[-1]

    # 1. The report: named, public, and (the reporter thinks) possibly major.
    report_until_confirm(peer, REPORTER, description=DESCRIPTION, contact=f"{CONTACT_NAME} {CONTACT_PHONE}",
                         possibly_major=True)
    number = number_in(say(peer, REPORTER, "确认"))
    live.run_worker()
    [new_report] = received(fake_wechat, OFFICER)
    assert new_report.startswith("【新隐患报告·可能重大】" + number) and ENTERPRISE in new_report
    assert CONTACT_NAME not in new_report and CONTACT_PHONE not in new_report
    assert received(fake_wechat, MANAGER) == [] and received(fake_wechat, REPORTER) == []

    # 2. The officer answers the notification with bare commands.
    assert say(peer, OFFICER, "受理").startswith(f"已受理 {number}。当前状态：已受理")
    assert "重大事故隐患" in say(peer, OFFICER, "定级 重大 第四条第（一）项")
    assert "小店区应急管理局" in say(peer, OFFICER, "督办")
    assert deadline.isoformat() in say(peer, OFFICER, f"限期 {deadline.isoformat()}")
    live.run_worker()
    assigned, supervised, deadline_set = received(fake_wechat, MANAGER)
    assert assigned.startswith(f"【隐患整改通知】{number}") and "重大事故隐患" in assigned
    assert "第四条第（一）项" in assigned and DESCRIPTION in assigned
    assert "挂牌督办" in supervised and "小店区应急管理局" in supervised
    assert deadline.isoformat() in deadline_set
    [acknowledged] = received(fake_wechat, REPORTER)[:1]
    assert f"编号 {number}" in acknowledged and "已由小店区应急管理局受理" in acknowledged

    # 3. The manager files the 五落实 plan through the dialogue (bare "整改": the last notice).
    reply = manager_says("整改")
    assert number in reply and "1/5 整改责任人" in reply
    manager_says("王强 炼钢厂厂长", "更换氧枪冷却水流量计，恢复报警与氧枪提升联锁")
    assert "完成时限" in manager_says("3.5")
    assert "不能晚于" in manager_says((deadline + timedelta(days=1)).isoformat())
    manager_says(plan_by.isoformat())
    summary = manager_says("联锁恢复前停用该转炉，设置警戒区，安排专人巡检")
    assert "资金：3.50 万元" in summary and plan_by.isoformat() in summary
    assert manager_says("确认").startswith(f"已提交 {number} 的整改方案")

    # 4. ... and the proof, with a photo.
    fake_wechat.add_media("PROOF_1", jpeg_with_gps((30, 160, 60)))
    assert "整改后的现场照片" in manager_says(f"提交整改 {number}")
    reply = send_photo(peer, MANAGER, "PROOF_1")
    manager_saw.append(reply)
    assert reply.startswith("已收到第 1 张照片")
    assert "整改完成情况" in manager_says("好了")
    assert "照片：1 张" in manager_says("已更换流量计，联锁试验三次均正常动作")
    assert "等待监管部门验收" in manager_says("确认")
    live.run_worker()
    new_report_again, plan, proof = received(fake_wechat, OFFICER)
    assert new_report_again == new_report
    assert plan.startswith(f"【五落实方案】{number}") and "王强 炼钢厂厂长" in plan and "3.50" in plan
    assert proof.startswith(f"【整改完成待验收】{number}") and "整改照片：1 张" in proof

    # 5. The officer verifies: 销号.
    assert say(peer, OFFICER, "验收").startswith(f"已验收销号 {number}。当前状态：已销号")
    live.run_worker()

    # Each person received exactly what was meant for him, in order.
    officer_got = received(fake_wechat, OFFICER)
    manager_got = received(fake_wechat, MANAGER)
    reporter_got = received(fake_wechat, REPORTER)
    assert officer_got == [new_report, plan, proof]
    assert manager_got[:3] == [assigned, supervised, deadline_set] and len(manager_got) == 4
    assert manager_got[3] == f"隐患 {number}（{ENTERPRISE}）已通过验收，予以销号。"
    # The reporter hears of each step that matters to him (issue 19), but has not written since
    # his report: WeChat allows 5 customer-service messages, and this app has no template for
    # the sixth (tests/e2e/test_reporter_informed.py shows it going as a template message).
    assert len(reporter_got) == 5
    assert reporter_got[0] == acknowledged
    assert "定为重大事故隐患" in reporter_got[1] and "整改期限：尚未确定" in reporter_got[1]
    assert f"整改期限已定为 {deadline.isoformat()}" in reporter_got[2]
    assert "等待监管部门验收" in reporter_got[3]
    assert "验收销号" in reporter_got[4] and f"编号 {number}" in reporter_got[4]
    reward_notice = one(engine, OutboxMessage, OutboxMessage.kind == "reward_open")
    assert reward_notice.status == "failed" and "举报奖励办法" in reward_notice.text
    # The enterprise never learns who reported: not in what it was sent, nor in its replies.
    for text in manager_got + manager_saw:
        assert CONTACT_NAME not in text and CONTACT_PHONE not in text and "群众举报" not in text

    # The hazard's history lists every step, and the ledger columns are filled.
    hazard = one(engine, Hazard, Hazard.number == number)
    events = rows(engine, HazardEvent, HazardEvent.hazard_id == hazard.id)
    assert [e.action for e in sorted(events, key=lambda e: e.id)] == [
        "submit", "acknowledge", "classify", "supervise", "deadline", "plan", "proof", "close",
    ]
    assert [e.to_state for e in sorted(events, key=lambda e: e.id)] == [
        "submitted", "acknowledged", "rectifying", "rectifying", "rectifying", "rectifying",
        "awaiting_verification", "closed",
    ]
    assert hazard.state == "closed" and hazard.closed_at is not None
    assert (hazard.level, hazard.basis) == ("major", "第四条第（一）项")
    assert hazard.possibly_major and hazard.source == "public_report"
    assert hazard.supervising_unit == "小店区应急管理局" and hazard.deadline == plan_by  # the plan's, nudged
    assert hazard.measures == "更换氧枪冷却水流量计，恢复报警与氧枪提升联锁"
    plan_row = one(engine, RectificationPlan, RectificationPlan.hazard_id == hazard.id)
    assert (plan_row.responsible_person, str(plan_row.funds_wan), plan_row.deadline) == (
        "王强 炼钢厂厂长", "3.50", date.fromisoformat(plan_by.isoformat()))
    proof_event = next(e for e in events if e.action == "proof")
    photo = one(engine, Attachment, Attachment.hazard_id == hazard.id)
    assert photo.event_id == proof_event.id and photo.status == "stored"
    assert one(engine, RewardCase, RewardCase.hazard_id == hazard.id).status == "open"
