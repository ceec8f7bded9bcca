"""An inspection in chat waits longer than a report before it is paused for idleness: a walk
through a plant takes longer between answers (``dialogue.inspection_idle_minutes``)."""

from __future__ import annotations

from datetime import timedelta

from bot.dev.peer import WeChatPeer
from bot.handlers import texts
from bot.models import Conversation, Inspection, InspectionResult
from bot.services.platform.clock import utcnow
from tests.e2e.chat import bind_as, conversation_of, engine_of, idle_for, one, received, rows, say
from tests.e2e.conftest import LiveServer
from tests.e2e.inspection_chat import load_library, position
from tests.fakes.wechat_api import FakeWeChatServer

STEEL = "太原晋钢钢铁有限公司"
INSPECTOR, REPORTER = "o_idle_inspector", "o_idle_reporter"


def test_the_sweep_pauses_an_inspection_after_120_minutes_a_report_draft_after_24_hours(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    load_library(live)
    engine = engine_of(live)
    bind_as(live, peer, INSPECTOR, "--role", "county_officer", "--region", "140105", "--name", "赵科长")
    total = position(say(peer, INSPECTOR, f"检查 {STEEL}"))[1]
    assert position(say(peer, INSPECTOR, "1")) == (2, total)
    say(peer, REPORTER, "举报", "晋钢", "1")
    worker = live.app.extensions["worker"]
    start = utcnow()

    worker.clock = lambda: start + timedelta(minutes=31)
    live.run_worker()
    assert received(fake_wechat, REPORTER) == []  # a report draft is kept (dialogue.draft_hours)
    assert received(fake_wechat, INSPECTOR) == []
    assert conversation_of(engine, INSPECTOR).state.startswith("inspect_")

    worker.clock = lambda: start + timedelta(minutes=119)
    live.run_worker()
    assert received(fake_wechat, INSPECTOR) == []

    worker.clock = lambda: start + timedelta(minutes=121)
    live.run_worker()
    live.run_worker()  # a second pass sends nothing more
    assert received(fake_wechat, INSPECTOR) == [
        "检查超过 120 分钟没有继续，已暂停，已记录的检查项都已保存，回复“检查”继续。"]
    assert received(fake_wechat, REPORTER) == []

    worker.clock = lambda: start + timedelta(hours=24, minutes=1)
    live.run_worker()
    assert received(fake_wechat, REPORTER) == [
        texts.EXPIRED.format(span="24 小时") + "需要时回复“举报”重新开始。"]
    assert [c.state for c in rows(engine, Conversation)] == ["idle", "idle"]
    assert one(engine, Inspection).state == "open" and len(rows(engine, InspectionResult)) == 1
    assert position(say(peer, INSPECTOR, "检查")) == (2, total)


def test_an_inspector_answering_after_an_hour_goes_on(live: LiveServer, peer: WeChatPeer) -> None:
    """The same limit when the next answer comes before the sweep."""
    load_library(live)
    engine = engine_of(live)
    bind_as(live, peer, INSPECTOR, "--role", "county_officer", "--region", "140105", "--name", "赵科长")
    total = position(say(peer, INSPECTOR, f"检查 {STEEL}"))[1]
    idle_for(engine, INSPECTOR, timedelta(minutes=61))
    assert position(say(peer, INSPECTOR, "1")) == (2, total)
    idle_for(engine, INSPECTOR, timedelta(minutes=121))
    assert say(peer, INSPECTOR, "1").startswith("检查超过 120 分钟没有继续，已暂停")
