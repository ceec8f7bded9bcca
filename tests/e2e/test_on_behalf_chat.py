"""An officer files the 五落实 plan and the proof in chat for an unregistered enterprise, with
the same dialogues a manager uses; a manager-bound enterprise's hazard is refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dev.peer import WeChatPeer
from bot.models import Attachment, Enterprise, Hazard, HazardEvent
from bot.services.platform.clock import local, utcnow
from tests.common.factories import make_hazard
from tests.e2e.chat import bind_as, engine_of, jpeg_with_gps, one, received, rows, say, send_photo
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

OFFICER = "o_behalf_officer"
MANAGER = "o_behalf_manager"


def test_an_officer_files_plan_and_proof_for_an_unregistered_enterprise(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    engine = engine_of(live)
    with Session(engine) as s:
        number = make_hazard(s, enterprise_name="未登记的某某铸造厂", region_code="140105",
                             state="rectifying", with_plan=False).number
        jingang = s.scalars(select(Enterprise).where(Enterprise.name == "太原晋钢钢铁有限公司")).one()
        registered = make_hazard(s, enterprise=jingang, state="rectifying", with_plan=False).number
        s.commit()
    bind_as(live, peer, OFFICER, "--role", "county_officer", "--region", "140105")
    enterprise = one(engine, Enterprise, Enterprise.name == "太原晋钢钢铁有限公司")
    bind_as(live, peer, MANAGER, "--role", "enterprise_manager", "--enterprise", str(enterprise.credit_code))
    today = local(utcnow()).date()
    limit, plan_by = today + timedelta(days=30), today + timedelta(days=10)
    say(peer, OFFICER, f"限期 {number} {limit.isoformat()}")

    # Where a manager is bound, the officer is told to leave it to him.
    assert "已绑定安全管理人员" in say(peer, OFFICER, f"整改 {registered}")

    reply = say(peer, OFFICER, f"整改 {number}")
    assert "代企业填报" in reply and "1/5 整改责任人" in reply
    say(peer, OFFICER, "张三 厂长", "停用漏水冷却水管，更换为无缝钢管", "1.2")
    assert "不能晚于" in say(peer, OFFICER, (limit + timedelta(days=1)).isoformat())
    say(peer, OFFICER, plan_by.isoformat())
    assert plan_by.isoformat() in say(peer, OFFICER, "更换期间停炉并排空炉前积水")
    assert say(peer, OFFICER, "确认").startswith(f"已提交 {number} 的整改方案")

    fake_wechat.add_media("BEHALF_1", jpeg_with_gps((40, 120, 200)))
    assert "整改后的现场照片" in say(peer, OFFICER, f"提交整改 {number}")
    assert send_photo(peer, OFFICER, "BEHALF_1").startswith("已收到第 1 张照片")
    say(peer, OFFICER, "好了")
    say(peer, OFFICER, "现场复查，冷却水管已更换")
    assert "等待监管部门验收" in say(peer, OFFICER, "确认")

    hazard = one(engine, Hazard, Hazard.number == number)
    assert hazard.state == "awaiting_verification" and hazard.deadline == plan_by
    events = sorted(rows(engine, HazardEvent, HazardEvent.hazard_id == hazard.id), key=lambda e: e.id)
    plan_event, proof_event = events[-2:]
    assert (plan_event.action, proof_event.action) == ("plan", "proof")
    assert plan_event.note.startswith("代企业填报") and proof_event.note.startswith("代企业填报")  # type: ignore[union-attr]
    officer_id = plan_event.actor_id
    assert proof_event.actor_id == officer_id is not None
    photo = one(engine, Attachment, Attachment.hazard_id == hazard.id)
    assert photo.event_id == proof_event.id and photo.uploader_id == officer_id
    live.run_worker()
    assert received(fake_wechat, MANAGER) == []  # not his enterprise's hazard
