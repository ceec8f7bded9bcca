"""An officer in chat is offered the clauses a report likely meets: in the new-report notice,
and when he sends a bare "定级 编号"; "定级 编号 重大 4.4" grades by the clause's short form, and
the hazard carries its full citation. A report whose words match no clause well gets none."""

from __future__ import annotations

import re

from bot.dev.peer import WeChatPeer
from bot.models import Hazard
from tests.e2e.chat import bind_as, engine_of, number_in, one, received, report_until_confirm, say
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

OFFICER, OTHER_COUNTY, REPORTER = "o_hint_officer", "o_hint_qingxu", "o_hint_reporter"
WATER = "2号转炉氧枪冷却水出水温度报警坏了好几天，也没联锁提枪"
CITATION = "《工贸企业重大事故隐患判定标准》第四条第（四）项"


def _report(peer: WeChatPeer, live: LiveServer, description: str) -> str:
    report_until_confirm(peer, REPORTER, description=description, contact="李明 13812345678")
    number = number_in(say(peer, REPORTER, "确认"))
    live.run_worker()
    return number


def test_the_notice_and_a_bare_grading_offer_the_likely_clauses(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    bind_as(live, peer, OFFICER, "--role", "county_officer", "--region", "140105", "--name", "赵科长")
    bind_as(live, peer, OTHER_COUNTY, "--role", "county_officer", "--region", "140121", "--name", "钱科员")
    number = _report(peer, live, WATER)
    [notice] = received(fake_wechat, OFFICER)
    hints = notice[notice.index("可能适用（仅供参考）："):notice.index("请于")].splitlines()[1:]
    assert 1 <= len(hints) <= 3
    assert re.fullmatch(rf"第四条第（四）项 转炉、电弧炉、AOD炉、LF炉、RH…（回复 定级 {number} 重大 4\.4）",
                        hints[0]), hints[0]
    assert len(notice.encode()) <= 2048

    say(peer, OFFICER, f"受理 {number}")
    answer = say(peer, OFFICER, f"定级 {number}")
    assert answer.startswith(f"请回复“定级 {number} 重大 [判定依据]”或“定级 {number} 一般”")
    assert hints[0] in answer
    # Another county's officer learns nothing of it, not even that it exists.
    assert "没有找到" in say(peer, OTHER_COUNTY, f"定级 {number}")

    assert "重大事故隐患" in say(peer, OFFICER, f"定级 {number} 重大 4.4")
    graded = one(engine_of(live), Hazard, Hazard.number == number)
    assert (graded.level, graded.basis) == ("major", CITATION)


def test_a_report_matching_no_clause_gets_no_suggestion(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    bind_as(live, peer, OFFICER, "--role", "county_officer", "--region", "140105", "--name", "赵科长")
    number = _report(peer, live, "配电室的门一直没有上锁，谁都能进去")
    [notice] = received(fake_wechat, OFFICER)
    assert "可能适用" not in notice and f"【新隐患报告】{number}" in notice
    say(peer, OFFICER, f"受理 {number}")
    assert "未能从描述中找到可能适用的判定标准条款" in say(peer, OFFICER, f"定级 {number}")
    # A basis typed out in words is kept as typed.
    say(peer, OFFICER, f"定级 {number} 一般 企业安全管理制度")
    assert one(engine_of(live), Hazard, Hazard.number == number).basis == "企业安全管理制度"
