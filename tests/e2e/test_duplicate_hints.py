"""Duplicate hints (issue 20.2) through the WeChat peer, as workers and officers meet them.

A worker whose report repeats an open one of the same plant is shown it at 请核对 and may
answer 补充: his text and photo join that hazard (no new number), its officers are told, and a
named worker then hears of its steps like its reporter, up to 销号; an anonymous one leaves
nothing that names him. 确认 still files a new report, whose notice offers the one-step 合并.
Another hazard of the plant, a closed one and one older than 30 days are not offered.
"""

from __future__ import annotations

from datetime import timedelta

from bot.dev.peer import WeChatPeer
from bot.models import Attachment, Enterprise, Hazard, HazardEvent, HazardFollower, User
from bot.services.platform.clock import local, utcnow
from tests.e2e.chat import (
    bind_as,
    count,
    engine_of,
    execute,
    jpeg_with_gps,
    number_in,
    one,
    received,
    report_until_confirm,
    rows,
    say,
    send_photo,
    user_of,
)
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

OFFICER, MANAGER = "o_dup_officer", "o_dup_manager"
FIRST_REPORTER, WORKER = "o_dup_first", "o_dup_worker"
ENTERPRISE = "太原晋钢钢铁有限公司"
FIRST = "2号转炉氧枪冷却水出水温度报警坏了好几天，也没联锁提枪"
AGAIN = "转炉那边氧枪的冷却水报警器不响了，一直没人修，出水温度高了也不会自动提枪"
OTHER = "炼钢车间行车吊钩的防脱钩装置坏了，还在吊钢包"
WORKER_NAME, WORKER_PHONE = "王刚", "13900001111"


def _officer(live: LiveServer, peer: WeChatPeer) -> None:
    bind_as(live, peer, OFFICER, "--role", "county_officer", "--region", "140105", "--name", "赵科长")


def _first_report(live: LiveServer, peer: WeChatPeer, *, acknowledge: bool = True) -> str:
    report_until_confirm(peer, FIRST_REPORTER, description=FIRST, contact="李明 13812345678")
    number = number_in(say(peer, FIRST_REPORTER, "确认"))
    if acknowledge:
        assert "已受理" in say(peer, OFFICER, f"受理 {number}")
    live.run_worker()
    return number


def _hint(number: str, state: str) -> str:
    today = local(utcnow()).date()
    return f"该企业已有类似报告 {number}（状态：{state}，{today:%m月%d日}报告）：{FIRST[:40]}"


def test_a_named_worker_supplements_the_open_report_and_follows_it_to_closing(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    engine = engine_of(live)
    _officer(live, peer)
    credit_code = one(engine, Enterprise, Enterprise.name == ENTERPRISE).credit_code
    bind_as(live, peer, MANAGER, "--role", "enterprise_manager", "--enterprise", str(credit_code))
    number = _first_report(live, peer)
    hazards_before = count(engine, Hazard)
    officer_before = len(received(fake_wechat, OFFICER))

    fake_wechat.add_media("DUP_PHOTO", jpeg_with_gps())
    summary = report_until_confirm(peer, WORKER, description=AGAIN, photos=["DUP_PHOTO"],
                                   contact=f"{WORKER_NAME} {WORKER_PHONE}")
    assert _hint(number, "已受理") in summary
    assert "回复“补充”把您的内容补充到该报告；回复“确认”仍作为新报告提交。" in summary
    assert len(summary.encode()) <= 2048
    done = say(peer, WORKER, "补充")
    assert done.startswith(f"已补充到报告 {number}（{ENTERPRISE}），谢谢您！")
    assert "和 1 个照片、录音等附件" in done and f"回复“查询 {number}”" in done
    live.run_worker()  # the photo is fetched, the notices sent

    assert count(engine, Hazard) == hazards_before  # no new number
    hazard = one(engine, Hazard, Hazard.number == number)
    worker = user_of(engine, WORKER)
    [event] = rows(engine, HazardEvent, HazardEvent.hazard_id == hazard.id,
                   HazardEvent.action == "supplement")
    assert event.note == f"实名补充：{AGAIN}（附件 1 个）" and event.actor_id == worker.id
    [photo] = rows(engine, Attachment, Attachment.hazard_id == hazard.id)
    assert photo.status == "stored" and photo.uploader_id == worker.id
    assert count(engine, HazardFollower, HazardFollower.hazard_id == hazard.id) == 1
    [notice] = received(fake_wechat, OFFICER)[officer_before:]
    assert notice.startswith(f"【补充情况】{number}（{ENTERPRISE}）收到补充：{AGAIN}")
    assert WORKER_NAME not in notice and WORKER_PHONE not in notice
    assert received(fake_wechat, MANAGER) == []  # the enterprise learns of no report
    assert f"编号：{number}" in say(peer, WORKER, f"查询 {number}")

    # He is told of the hazard's steps like its reporter, up to 销号.
    say(peer, OFFICER, f"定级 {number} 一般")
    say(peer, MANAGER, f"整改 {number}")
    plan_by = (local(utcnow()).date() + timedelta(days=20)).isoformat()
    say(peer, MANAGER, "王强 炼钢厂厂长", "更换氧枪冷却水流量计，恢复报警联锁", "2", plan_by,
        "联锁恢复前停用该转炉，设置警戒区")
    assert say(peer, MANAGER, "确认").startswith(f"已提交 {number} 的整改方案")
    fake_wechat.add_media("DUP_PROOF", jpeg_with_gps((30, 160, 60)))
    say(peer, MANAGER, f"提交整改 {number}")
    send_photo(peer, MANAGER, "DUP_PROOF")
    say(peer, MANAGER, "好了", "已更换流量计，联锁试验正常")
    assert "等待监管部门验收" in say(peer, MANAGER, "确认")
    say(peer, OFFICER, f"验收 {number}")
    live.run_worker()
    told = received(fake_wechat, WORKER)
    yours = f"您补充过的隐患（编号 {number}，{ENTERPRISE}）"
    assert told[0].startswith(f"{yours}经小店区应急管理局核实，定为一般隐患")
    assert told[-1] == f"{yours}已整改完毕，经小店区应急管理局验收销号。感谢您对安全生产工作的支持！"
    assert any(t.startswith(f"您报告的隐患（编号 {number}") for t in received(fake_wechat, FIRST_REPORTER))


def test_an_anonymous_supplement_keeps_nothing_that_names_him(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    engine = engine_of(live)
    _officer(live, peer)
    number = _first_report(live, peer)
    fake_wechat.add_media("DUP_ANON", jpeg_with_gps())
    summary = report_until_confirm(peer, WORKER, description=AGAIN, photos=["DUP_ANON"])
    assert _hint(number, "已受理") in summary
    done = say(peer, WORKER, "补充")
    assert done.startswith(f"已补充到报告 {number}") and "已匿名加入该报告" in done
    assert "查询码：" not in done and "不会收到办理通知" in done
    live.run_worker()

    hazard = one(engine, Hazard, Hazard.number == number)
    worker = user_of(engine, WORKER)
    [event] = rows(engine, HazardEvent, HazardEvent.hazard_id == hazard.id,
                   HazardEvent.action == "supplement")
    assert event.actor_id is None and event.note == f"匿名补充：{AGAIN}（附件 1 个）"
    assert [a.uploader_id for a in rows(engine, Attachment, Attachment.hazard_id == hazard.id)] == [None]
    assert count(engine, Attachment, Attachment.uploader_id == worker.id) == 0
    assert count(engine, HazardFollower) == 0
    assert any(m.startswith(f"【补充情况】{number}") for m in received(fake_wechat, OFFICER))
    say(peer, OFFICER, f"定级 {number} 一般")
    live.run_worker()
    assert received(fake_wechat, WORKER) == []  # nothing is sent to him
    assert "没有找到该编号" in say(peer, WORKER, f"查询 {number}")  # nor may he look it up


def test_confirm_still_files_a_new_report_whose_notice_offers_the_merge(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    engine = engine_of(live)
    _officer(live, peer)
    number = _first_report(live, peer, acknowledge=False)
    assert _hint(number, "待受理") in report_until_confirm(peer, WORKER, description=AGAIN,
                                                        contact=f"{WORKER_NAME} {WORKER_PHONE}")
    assert "没看懂" in say(peer, WORKER, "补充到别的")  # other text at 请核对: refused as before
    new = number_in(say(peer, WORKER, "确认"))
    assert new != number and count(engine, HazardEvent, HazardEvent.action == "supplement") == 0
    live.run_worker()
    notice = received(fake_wechat, OFFICER)[-1]
    assert notice.startswith(f"【新隐患报告】{new}")
    assert f"可能重复（仅供参考）：\n{number}（待受理）（回复 合并 {new} {number}）" in notice
    assert len(notice.encode()) <= 2048
    # One step: a report not yet taken on is merged at once.
    assert say(peer, OFFICER, f"合并 {new} {number}").startswith(f"已将 {new} 并入 {number}")
    assert one(engine, Hazard, Hazard.number == new).state == "merged"
    live.run_worker()
    assert received(fake_wechat, WORKER)[-1].startswith(f"您报告的隐患（编号 {new}")


def test_no_hint_for_another_hazard_a_closed_one_an_old_one_or_the_plants_manager(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    engine = engine_of(live)
    _officer(live, peer)
    number = _first_report(live, peer)
    assert "类似报告" not in report_until_confirm(peer, WORKER, description=OTHER)
    say(peer, WORKER, "取消")
    credit_code = one(engine, Enterprise, Enterprise.name == ENTERPRISE).credit_code
    bind_as(live, peer, MANAGER, "--role", "enterprise_manager", "--enterprise", str(credit_code))
    assert "类似报告" not in report_until_confirm(peer, MANAGER, description=AGAIN)
    say(peer, MANAGER, "取消")

    reported = one(engine, Hazard, Hazard.number == number).reported_at
    execute(engine, Hazard.__table__.update().where(Hazard.number == number)
            .values(reported_at=reported - timedelta(days=31)))
    assert "类似报告" not in report_until_confirm(peer, WORKER, description=AGAIN)
    say(peer, WORKER, "取消")
    execute(engine, Hazard.__table__.update().where(Hazard.number == number)
            .values(reported_at=reported, state="closed"))
    summary = report_until_confirm(peer, WORKER, description=AGAIN)
    assert "类似报告" not in summary and "补充" not in summary
    assert "没看懂" in say(peer, WORKER, "补充")  # nothing was offered: not a reply here
    assert count(engine, User, User.openid == WORKER) == 1
