"""Scanning an enterprise's code: a report about it, an officer's visit, an old poster."""

from __future__ import annotations

from datetime import UTC, datetime

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.dev.peer import WeChatPeer
from bot.models import Enterprise, EnterpriseVisit, Hazard, User
from bot.services.registry import qrcodes
from tests.e2e.chat import execute, number_in, one, say
from tests.e2e.conftest import LiveServer

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def _code_of(live: LiveServer, name: str, *, revoke: bool = False) -> tuple[int, str, str]:
    """(enterprise id, active scene, previous scene if revoked else '')."""
    with Session(live.app.extensions["engine"]) as session:
        enterprise = session.scalars(select(Enterprise).where(Enterprise.name == name)).one()
        code = qrcodes.ensure_code(session, enterprise, NOW)
        old_scene = ""
        if revoke:
            old_scene = qrcodes.scene_for(code)
            code = qrcodes.revoke_and_reissue(session, enterprise, NOW)
        session.commit()
        return enterprise.id, qrcodes.scene_for(code), old_scene


def test_follower_scan_starts_a_report_about_that_enterprise(live: LiveServer, peer: WeChatPeer) -> None:
    enterprise_id, scene, _ = _code_of(live, "孝义兴安铝材有限公司")
    reply = peer.send_event("o_gate_1", "SCAN", scene).content
    assert "扫码报告安全隐患" in reply and "孝义兴安铝材有限公司（孝义市）" in reply
    assert "第 2 步" in reply

    say(peer, "o_gate_1", "深井铸造液位与冷却水联锁延时过长", "跳过", "跳过", "2", "2")
    number = number_in(say(peer, "o_gate_1", "确认"))
    hazard = one(live.app.extensions["engine"], Hazard, Hazard.number == number)
    assert hazard.enterprise_id == enterprise_id and hazard.region_code == "141181"


def test_new_follower_scan_is_welcomed_and_taken_into_the_report(live: LiveServer, peer: WeChatPeer) -> None:
    _, scene, _ = _code_of(live, "大同云冈木业有限公司")
    reply = peer.send_event("o_gate_2", "subscribe", f"qrscene_{scene}").content
    assert reply.startswith("您好") and "大同云冈木业有限公司" in reply and "第 2 步" in reply


def test_scan_mid_report_replaces_the_unfinished_draft(live: LiveServer, peer: WeChatPeer) -> None:
    _, scene, _ = _code_of(live, "大同云冈木业有限公司")
    say(peer, "o_gate_3", "举报", "晋钢")
    reply = peer.send_event("o_gate_3", "SCAN", scene).content
    assert "之前未提交的报告已放弃" in reply and "大同云冈木业有限公司" in reply


def test_officer_scan_records_a_visit(live: LiveServer, peer: WeChatPeer) -> None:
    engine = live.app.extensions["engine"]
    enterprise_id, scene, _ = _code_of(live, "太原晋钢钢铁有限公司")
    say(peer, "o_officer_1", "帮助")  # the officer has talked to the bot before
    execute(engine, update(User).where(User.openid == "o_officer_1").values(role="county_officer"))

    reply = peer.send_event("o_officer_1", "SCAN", scene).content
    assert "已记录您到达 太原晋钢钢铁有限公司" in reply
    visit = one(engine, EnterpriseVisit, EnterpriseVisit.enterprise_id == enterprise_id)
    assert visit.officer_id == one(engine, User, User.openid == "o_officer_1").id


def test_revoked_and_unknown_codes_are_explained(live: LiveServer, peer: WeChatPeer) -> None:
    _, scene, old_scene = _code_of(live, "太原晋钢钢铁有限公司", revoke=True)
    assert "此二维码已作废" in peer.send_event("o_gate_4", "SCAN", old_scene).content
    assert "无法识别这个二维码" in peer.send_event("o_gate_4", "SCAN", "e:notarealtoken0000000").content
    assert "太原晋钢钢铁有限公司" in peer.send_event("o_gate_4", "SCAN", scene).content


def test_landing_page_names_the_enterprise_and_refuses_old_codes(live: LiveServer) -> None:
    _, scene, old_scene = _code_of(live, "太原晋钢钢铁有限公司", revoke=True)
    token, old_token = scene.removeprefix("e:"), old_scene.removeprefix("e:")

    page = requests.get(f"{live.url}/q/{token}", timeout=5)
    assert page.status_code == 200
    assert "太原晋钢钢铁有限公司" in page.text and "扫码报告安全隐患 · 可匿名" in page.text
    assert "模拟器" not in page.text  # live mode: no dev links

    old = requests.get(f"{live.url}/q/{old_token}", timeout=5)
    assert old.status_code == 410 and "此二维码已作废" in old.text
    unknown = requests.get(f"{live.url}/q/AAAAAAAAAAAAAAAAAAAAAA", timeout=5)
    assert unknown.status_code == 404 and "无法识别此二维码" in unknown.text
