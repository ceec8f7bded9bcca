"""A whole report by chat, in safe mode, against the app over HTTP and the fake WeChat API."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dev.peer import WeChatPeer
from bot.models import Attachment, Hazard, HazardEvent
from tests.e2e.chat import jpeg_with_gps
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

WORKER = "o_worker_0001"


def test_named_report_with_photo_and_location(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    reply = peer.send_text(WORKER, "举报")
    assert "企业名称" in reply.content

    reply = peer.send_text(WORKER, "晋钢")
    assert "1. 太原晋钢钢铁有限公司（小店区）" in reply.content

    reply = peer.send_text(WORKER, "1")
    assert "已选择：太原晋钢钢铁有限公司" in reply.content

    reply = peer.send_text(WORKER, "转炉炉前氧枪冷却水流量报警失灵，已两天未修")
    assert "照片" in reply.content

    fake_wechat.add_media("MEDIA_1", jpeg_with_gps())
    reply = peer.send_image(WORKER, "MEDIA_1", "http://mmbiz.example/1.jpg")
    assert "已收到第 1 张照片" in reply.content

    reply = peer.send_text(WORKER, "好了")
    assert "位置" in reply.content

    reply = peer.send_location(WORKER, 37.8706, 112.5489, label="太原市小店区某厂区")
    assert "实名" in reply.content and "匿名" in reply.content

    reply = peer.send_text(WORKER, "1")
    assert "姓名和手机号" in reply.content

    reply = peer.send_text(WORKER, "王强 13912345678")
    assert "可能是重大事故隐患吗" in reply.content

    reply = peer.send_text(WORKER, "2")
    assert "请核对" in reply.content and "照片：1 张" in reply.content
    assert "139****5678" in reply.content

    reply = peer.send_text(WORKER, "确认")
    assert "提交成功" in reply.content
    number = reply.content.split("编号：")[1].split()[0]
    assert number.startswith("YH") and len(number) == 14

    live.run_worker()  # the photo is fetched after the reply, as in production

    with Session(live.app.extensions["engine"]) as session:
        hazard = session.scalars(select(Hazard).where(Hazard.number == number)).one()
        assert hazard.enterprise_name == "太原晋钢钢铁有限公司"
        assert hazard.source == "public_report"
        assert hazard.state == "submitted"
        assert hazard.description == "转炉炉前氧枪冷却水流量报警失灵，已两天未修"
        assert (hazard.location_lat, hazard.location_lng) == (37.8706, 112.5489)
        assert hazard.reporter_name == "王强" and hazard.reporter_phone == "13912345678"
        assert not hazard.anonymous and hazard.query_code_hash is None
        events = session.scalars(select(HazardEvent).where(HazardEvent.hazard_id == hazard.id)).all()
        assert [(e.action, e.to_state) for e in events] == [("submit", "submitted")]
        photo = session.scalars(select(Attachment).where(Attachment.hazard_id == hazard.id)).one()
        assert photo.status == "stored" and photo.sha256 and photo.relpath

    media_calls = [c for c in fake_wechat.calls if c.path.endswith("media/get")]
    assert len(media_calls) == 1

    reply = peer.send_text(WORKER, f"查询 {number}")
    assert "已提交，等待受理" in reply.content
