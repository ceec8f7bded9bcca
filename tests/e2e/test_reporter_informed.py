"""The reporter kept informed (issue 19): through the WeChat peer and the fake WeChat API.

A named reporter hears of every step that matters to him, in words he understands, and never
an officer's name; WeChat's 48-hour rule still holds: after five customer-service messages
since his last message, the rest go as template messages until he writes again. An anonymous
reporter is sent nothing, yet ``查询`` with his code shows the same details. ``我的报告`` lists
a named reporter's reports, newest first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot import create_app
from bot.dev.peer import WeChatPeer
from bot.models import Enterprise, OutboxMessage
from bot.services.platform.clock import local, utcnow
from tests.conftest import TEST_AES_KEY, TEST_APPID, TEST_TOKEN, app_config
from tests.e2e.chat import (
    bind_as,
    code_in,
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
from tests.servers import serving

REPORTER = "o_informed_reporter"
ANONYMOUS = "o_informed_anonymous"
OFFICER = "o_informed_officer"
MANAGER = "o_informed_manager"
OFFICER_NAME = "赵科长"
CONTACT_NAME, CONTACT_PHONE = "李明", "13812345678"
ENTERPRISE = "太原晋钢钢铁有限公司"
TEMPLATE = "TplReporter0001"
UNIT = "小店区应急管理局"


@pytest.fixture
def live(
    clean_db: Engine, database_url: str, tmp_path: Path, fake_wechat: FakeWeChatServer,
) -> Iterator[LiveServer]:
    """The live app with a fallback template, so messages past the window's quota still go."""
    app = create_app(app_config(database_url, tmp_path / "instance",
                                wechat={"api_base_url": fake_wechat.base_url},
                                outbox={"template_id": TEMPLATE}))
    with serving(app) as url:
        yield LiveServer(app, url)
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


@pytest.fixture
def peer(live: LiveServer) -> WeChatPeer:
    return WeChatPeer(f"{live.url}/wechat", token=TEST_TOKEN, appid=TEST_APPID,
                      encoding_aes_key=TEST_AES_KEY, mode="safe")


def delivered(fake: FakeWeChatServer, openid: str) -> list[tuple[str, str]]:
    """(channel, text) of what reached ``openid``: "text" for a customer-service message,
    "template" for a template message (its first line and remark joined back; a one-line
    text has a blank remark, since WeChat refuses an empty one)."""
    found: list[tuple[str, str]] = []
    for m in fake.sent_messages(openid):
        if "template_id" in m:
            assert m["template_id"] == TEMPLATE
            first, remark = m["data"]["first"]["value"], m["data"]["remark"]["value"].strip()
            found.append(("template", first + ("\n" + remark if remark else "")))
        else:
            found.append(("text", m["text"]["content"]))
    return found


def _officers_and_manager(live: LiveServer, peer: WeChatPeer) -> None:
    assert "县级监管人员" in bind_as(live, peer, OFFICER, "--role", "county_officer", "--region", "140105",
                                 "--name", OFFICER_NAME)
    credit_code = one(engine_of(live), Enterprise, Enterprise.name == ENTERPRISE).credit_code
    assert ENTERPRISE in bind_as(live, peer, MANAGER, "--role", "enterprise_manager",
                                 "--enterprise", str(credit_code))


def _plan_and_proof(peer: WeChatPeer, fake: FakeWeChatServer, number: str, plan_by: str, *,
                    first: bool) -> None:
    """The manager files the 五落实 plan (the first time) and the proof with a photo, in chat."""
    if first:
        assert number in say(peer, MANAGER, f"整改 {number}")
        say(peer, MANAGER, "王强 炼钢厂厂长", "更换氧枪冷却水流量计，恢复报警联锁", "2", plan_by,
            "联锁恢复前停用该转炉，设置警戒区")
        assert say(peer, MANAGER, "确认").startswith(f"已提交 {number} 的整改方案")
    media_id = f"PROOF_{'A' if first else 'B'}"
    fake.add_media(media_id, jpeg_with_gps((30, 160, 60) if first else (60, 30, 160)))
    say(peer, MANAGER, f"提交整改 {number}")
    assert send_photo(peer, MANAGER, media_id).startswith("已收到第 1 张照片")
    say(peer, MANAGER, "好了")
    say(peer, MANAGER, "已更换流量计，联锁试验正常")
    assert "等待监管部门验收" in say(peer, MANAGER, "确认")


def test_a_named_reporter_hears_of_every_step_within_wechats_limits(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer,
) -> None:
    engine = engine_of(live)
    today = local(utcnow()).date()
    deadline, plan_by = (today + timedelta(days=30)).isoformat(), (today + timedelta(days=20)).isoformat()
    _officers_and_manager(live, peer)
    report_until_confirm(peer, REPORTER, contact=f"{CONTACT_NAME} {CONTACT_PHONE}")
    number = number_in(say(peer, REPORTER, "确认"))  # his last message: the window starts here
    live.run_worker()
    assert delivered(fake_wechat, REPORTER) == []

    def step(who: str, text: str) -> list[tuple[str, str]]:
        """One step, delivered; what the reporter received because of it."""
        before = len(delivered(fake_wechat, REPORTER))
        say(peer, who, text)
        live.run_worker()
        return delivered(fake_wechat, REPORTER)[before:]

    [(ch1, ack)] = step(OFFICER, f"受理 {number}")
    assert ack == (f"您报告的隐患（编号 {number}，{ENTERPRISE}）已由{UNIT}受理，正在核实处理。"
                   f"回复“查询 {number}”可查看进度。")
    [(ch2, graded)] = step(OFFICER, f"定级 {number} 一般")
    assert graded == (f"您报告的隐患（编号 {number}，{ENTERPRISE}）经{UNIT}核实，定为一般隐患，"
                      "已通知企业整改。\n整改期限：尚未确定，确定后会告知您\n"
                      f"回复“查询 {number}”可查看进度。")
    [(ch3, limit)] = step(OFFICER, f"限期 {number} {deadline}")
    assert limit == f"您报告的隐患（编号 {number}，{ENTERPRISE}）整改期限已定为 {deadline}。"
    before = len(delivered(fake_wechat, REPORTER))
    _plan_and_proof(peer, fake_wechat, number, plan_by, first=True)
    live.run_worker()
    [(ch4, rectified)] = delivered(fake_wechat, REPORTER)[before:]  # the plan itself is not his news
    assert rectified == (f"您报告的隐患（编号 {number}，{ENTERPRISE}）企业已报告整改完成，"
                         "正在等待监管部门验收。")
    [(ch5, returned)] = step(OFFICER, f"退回 {number} 照片未显示联锁试验记录")
    assert returned == (f"您报告的隐患（编号 {number}，{ENTERPRISE}）经验收尚未整改到位，"
                        "已退回企业继续整改。")
    assert [ch1, ch2, ch3, ch4, ch5] == ["text"] * 5
    # Five customer-service messages since he last wrote: WeChat allows no sixth.
    before = len(delivered(fake_wechat, REPORTER))
    _plan_and_proof(peer, fake_wechat, number, plan_by, first=False)
    live.run_worker()
    [(ch6, again)] = delivered(fake_wechat, REPORTER)[before:]
    assert (ch6, again) == ("template", rectified)
    [(ch7, closed)] = step(OFFICER, f"验收 {number}")
    assert ch7 == "template" and f"经{UNIT}验收销号" in closed

    # Every notice was sent (none failed for want of a channel), and none named the officer.
    mine = [m for m in rows(engine, OutboxMessage) if m.openid == REPORTER]
    assert sorted(m.kind for m in mine) == sorted(
        ["acknowledge", "graded", "report_deadline", "rectified", "returned", "rectified", "close"])
    assert {m.status for m in mine} == {"sent"}
    for _, text in delivered(fake_wechat, REPORTER):
        assert OFFICER_NAME not in text
    # The enterprise never learns who reported.
    for _, text in delivered(fake_wechat, MANAGER):
        assert CONTACT_NAME not in text and CONTACT_PHONE not in text

    # He writes again: the window opens anew, and 查询 shows the details.
    status = say(peer, REPORTER, f"查询 {number}")
    for part in (f"编号：{number}", f"企业：{ENTERPRISE}", "状态：已销号（整改验收完成）",
                 "隐患等级：一般隐患", f"整改期限：{plan_by}", f"承办单位：{UNIT}", "销号时间：",
                 "提交时间："):
        assert part in status, (part, status)
    assert "挂牌督办" not in status and OFFICER_NAME not in status

    # A second report is merged into the first, a third is not taken on.
    report_until_confirm(peer, REPORTER, contact=f"{CONTACT_NAME} {CONTACT_PHONE}")
    second = number_in(say(peer, REPORTER, "确认"))
    report_until_confirm(peer, REPORTER, contact=f"{CONTACT_NAME} {CONTACT_PHONE}")
    third = number_in(say(peer, REPORTER, "确认"))
    step(OFFICER, f"受理 {second}")
    [(_, merged)] = step(OFFICER, f"合并 {second} {number}")
    assert merged == (f"您报告的隐患（编号 {second}，{ENTERPRISE}）与编号 {number} 的报告为同一问题，"
                      "已合并处理。感谢您的报告！")
    [(_, rejected)] = step(OFFICER, f"不予受理 {third} 该企业已停产，设备已拆除")
    assert f"编号 {third}" in rejected and "理由：该企业已停产，设备已拆除" in rejected
    assert f"已并入编号 {number} 一并处理" in say(peer, REPORTER, f"查询 {second}")
    status = say(peer, REPORTER, f"查询 {third}")
    assert "状态：不予受理" in status and "不予受理理由：该企业已停产，设备已拆除" in status
    assert "隐患等级" not in status

    # 我的报告: newest first, with date, enterprise and state.
    mine_listed = say(peer, REPORTER, "我的报告")
    lines = mine_listed.splitlines()
    assert lines[0] == "您的实名报告（共 3 件，最新的在前）："
    assert [line.split("｜")[0] for line in lines[1:4]] == [third, second, number]
    assert lines[1] == f"{third}｜{today.isoformat()}｜{ENTERPRISE}｜不予受理"
    assert lines[2].endswith("｜已与其他报告合并处理") and lines[3].endswith("｜已销号（整改验收完成）")
    assert "另有" not in mine_listed and "查询 编号" in lines[-1]


def test_an_anonymous_reporter_is_sent_nothing_and_follows_with_his_code(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer,
) -> None:
    _officers_and_manager(live, peer)
    deadline = (local(utcnow()).date() + timedelta(days=15)).isoformat()
    report_until_confirm(peer, ANONYMOUS, contact=None)
    reply = say(peer, ANONYMOUS, "确认")
    number, code = number_in(reply), code_in(reply)
    for text in (f"受理 {number}", f"定级 {number} 重大 第四条第（一）项", f"督办 {number}",
                 f"限期 {number} {deadline}"):
        say(peer, OFFICER, text)
    live.run_worker()
    assert received(fake_wechat, ANONYMOUS) == []
    assert fake_wechat.sent_messages(ANONYMOUS) == []

    status = say(peer, ANONYMOUS, f"查询 {number} {code}")
    for part in (f"编号：{number}", "状态：整改中", "隐患等级：重大事故隐患", f"整改期限：{deadline}",
                 f"挂牌督办：{UNIT}", f"承办单位：{UNIT}"):
        assert part in status, (part, status)
    assert "销号时间" not in status and OFFICER_NAME not in status
    assert "没有找到" in say(peer, ANONYMOUS, f"查询 {number}")  # no code, no answer
    assert say(peer, ANONYMOUS, "我的报告").startswith("您还没有实名报告过隐患")
