"""The reporting dialogue's paths, as a person on a phone sees them, and what each one stores."""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import timedelta
from pathlib import Path

from PIL import Image

from bot.dev.peer import WeChatPeer
from bot.handlers import texts
from bot.models import Attachment, Enterprise, Hazard, HazardEvent, Job, OutboxMessage
from tests.e2e.chat import (
    DESCRIPTION,
    bind_worker,
    code_in,
    conversation_of,
    count,
    engine_of,
    idle_for,
    jpeg_with_gps,
    number_in,
    one,
    report_until_confirm,
    rows,
    say,
    send_kind,
    send_photo,
    user_of,
)
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

ALICE = "o_alice_0001"
BOB = "o_bob_0002"


# --- anonymous reports and queries ---------------------------------------------------------

def test_anonymous_report_gets_a_query_code_kept_only_as_a_hash(live: LiveServer, peer: WeChatPeer) -> None:
    summary = report_until_confirm(peer, ALICE)
    assert "方式：匿名" in summary

    reply = say(peer, ALICE, "确认")
    assert "提交成功" in reply and "只显示这一次" in reply
    number, code = number_in(reply), code_in(reply)
    assert len(code) == 8

    engine = engine_of(live)
    hazard = one(engine, Hazard)
    assert hazard.number == number and hazard.state == "submitted" and hazard.source == "public_report"
    assert hazard.anonymous is True
    assert hazard.reporter_id is None and hazard.reporter_name is None and hazard.reporter_phone is None
    assert hazard.query_code_hash and code not in hazard.query_code_hash
    assert hazard.enterprise_name == "太原晋钢钢铁有限公司" and hazard.region_code == "140105"
    assert hazard.description == DESCRIPTION
    event = one(engine, HazardEvent)
    assert (event.action, event.to_state, event.actor_id) == ("submit", "submitted", None)
    assert conversation_of(engine, ALICE).state == "idle"

    # The code opens the report to whoever holds it (lower case typed back works too) ...
    assert "状态：已提交，等待受理" in say(peer, BOB, f"查询 {number} {code}")
    assert f"编号：{number}" in say(peer, ALICE, f"查询 {number} {code.lower()}")
    # ... and nothing else does: not the number alone, not a wrong code, not the reporter's openid.
    assert say(peer, BOB, f"查询 {number}") == texts.QUERY_NOT_FOUND
    wrong = "23456789" if code != "23456789" else "98765432"
    assert say(peer, BOB, f"查询 {number} {wrong}") == texts.QUERY_NOT_FOUND
    assert say(peer, ALICE, f"查询 {number}") == texts.QUERY_NOT_FOUND
    assert say(peer, BOB, "查询") == texts.QUERY_USAGE
    assert count(engine, Hazard) == 1


def test_named_reporter_sees_his_report_and_nobody_else_does(live: LiveServer, peer: WeChatPeer) -> None:
    report_until_confirm(peer, ALICE, contact="李娜 13512345678")
    number = number_in(say(peer, ALICE, "确认"))

    hazard = one(engine_of(live), Hazard)
    assert not hazard.anonymous and hazard.query_code_hash is None
    assert hazard.reporter_id == user_of(engine_of(live), ALICE).id
    assert (hazard.reporter_name, hazard.reporter_phone) == ("李娜", "13512345678")
    assert "已提交，等待受理" in say(peer, ALICE, f"查询 {number}")
    assert say(peer, BOB, f"查询 {number}") == texts.QUERY_NOT_FOUND


# --- enterprises and counties --------------------------------------------------------------

def test_unregistered_enterprise_with_its_county(live: LiveServer, peer: WeChatPeer) -> None:
    say(peer, ALICE, "举报")
    reply = say(peer, ALICE, "孝义市振兴小轧钢厂")
    assert "0. 都不是" in reply or "回复 0" in reply
    assert "所在的县" in say(peer, ALICE, "0")
    reply = say(peer, ALICE, "孝义")
    assert "已选择：孝义市振兴小轧钢厂（未登记，孝义市）" in reply

    say(peer, ALICE, DESCRIPTION, "跳过", "厂区西门北侧", "2", "2")
    number = number_in(say(peer, ALICE, "确认"))

    hazard = one(engine_of(live), Hazard)
    assert hazard.number == number
    assert hazard.enterprise_id is None
    assert hazard.enterprise_name == "孝义市振兴小轧钢厂"
    assert hazard.region_code == "141181"
    assert hazard.industry is None
    assert hazard.location_label == "厂区西门北侧" and hazard.location_lat is None


def test_ambiguous_county_offers_a_numbered_choice(live: LiveServer, peer: WeChatPeer) -> None:
    say(peer, ALICE, "举报", "某某镁粉加工点", "0")
    reply = say(peer, ALICE, "城区")
    assert "请回复序号" in reply
    assert "城区（阳泉市）" in reply and "城区（晋城市）" in reply
    lines = [line for line in reply.splitlines() if line[:1].isdigit()]
    pick = next(line.split(".")[0] for line in lines if "城区（晋城市）" in line)
    assert conversation_of(engine_of(live), ALICE).state == "county_choice"

    reply = say(peer, ALICE, "9")  # out of range: asked again, nothing chosen
    assert "请回复列表中的序号" in reply
    reply = say(peer, ALICE, pick)
    assert "已选择：某某镁粉加工点（未登记，城区）" in reply and "第 2 步" in reply

    report = say(peer, ALICE, DESCRIPTION, "跳过", "跳过", "2", "2")
    assert "请核对" in report
    say(peer, ALICE, "确认")
    hazard = one(engine_of(live), Hazard)
    assert (hazard.enterprise_id, hazard.region_code) == (None, "140502")


def test_bound_worker_files_a_worker_report(live: LiveServer, peer: WeChatPeer) -> None:
    engine = engine_of(live)
    say(peer, ALICE, "帮助")  # first contact creates the user
    plant = one(engine, Enterprise, Enterprise.name == "太原晋钢钢铁有限公司")
    bind_worker(engine, ALICE, plant.id)

    report_until_confirm(peer, ALICE, contact="赵工 13698765432")
    say(peer, ALICE, "确认")

    hazard = one(engine, Hazard)
    assert hazard.source == "worker_report"
    assert hazard.enterprise_id == plant.id and hazard.industry == "冶金"
    assert hazard.reporter_id == user_of(engine, ALICE).id

    # The same worker reporting another enterprise is a member of the public there.
    report_until_confirm(peer, ALICE, enterprise="孝义兴安铝材", contact="赵工 13698765432")
    say(peer, ALICE, "确认")
    other = one(engine, Hazard, Hazard.id != hazard.id)
    assert other.source == "public_report"


# --- commands mid-dialogue -----------------------------------------------------------------

def test_cancel_mid_dialogue_discards_the_photos(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    say(peer, ALICE, "举报", "晋钢", "1", DESCRIPTION)
    send_photo(peer, ALICE, "MEDIA_C1")
    send_photo(peer, ALICE, "MEDIA_C2")
    engine = engine_of(live)
    assert count(engine, Attachment) == 2

    assert say(peer, ALICE, "取消") == texts.CANCELLED

    conversation = conversation_of(engine, ALICE)
    assert conversation.state == "idle" and conversation.data["draft"]["photo_ids"] == []
    assert count(engine, Attachment) == 0
    live.run_worker()  # the queued downloads find nothing to do
    assert not [c for c in fake_wechat.calls if c.path.endswith("media/get")]
    assert count(engine, Job, Job.status != "done") == 0
    assert count(engine, Hazard) == 0
    assert say(peer, ALICE, "取消") == texts.NOTHING_TO_CANCEL
    assert say(peer, ALICE, "确认") == texts.NOTHING_IN_PROGRESS.format(text="确认") + "\n" + texts.GUIDE


def test_help_mid_dialogue_repeats_the_question(live: LiveServer, peer: WeChatPeer) -> None:
    say(peer, ALICE, "举报", "晋钢", "1")
    reply = say(peer, ALICE, "帮助")
    assert reply.startswith(texts.HELP)
    assert reply.endswith("第 2 步：请描述隐患情况：在哪个车间或部位、有什么问题。")
    assert "已选择：太原晋钢钢铁有限公司" in reply
    assert conversation_of(engine_of(live), ALICE).state == "description"

    # Out-of-step input gets the question again, not silence.
    reply = peer.send_location(ALICE, 37.87, 112.55, label="某处").content
    assert "第 2 步" in reply
    assert say(peer, ALICE, "举报").startswith(texts.ALREADY_REPORTING)
    assert conversation_of(engine_of(live), ALICE).state == "description"


def test_menu_click_starts_the_dialogue(live: LiveServer, peer: WeChatPeer) -> None:
    reply = peer.send_event(ALICE, "CLICK", "REPORT")
    assert reply.content == texts.ASK_ENTERPRISE
    assert conversation_of(engine_of(live), ALICE).state == "enterprise"
    # Other menu keys and events are acknowledged silently (WeChat wants "success").
    other = peer.send_event(BOB, "CLICK", "SOMETHING_ELSE")
    assert other.status_code == 200 and other.body == "success" and other.content == ""


def test_subscribe_is_welcomed(live: LiveServer, peer: WeChatPeer) -> None:
    reply = peer.send_event(ALICE, "subscribe")
    assert texts.WELCOME in reply.content and "举报" in reply.content
    assert user_of(engine_of(live), ALICE).role == "public"


def test_a_greeting_when_idle_gets_guidance(live: LiveServer, peer: WeChatPeer) -> None:
    reply = say(peer, ALICE, "你好，在吗")
    assert reply == texts.GREETING + texts.GUIDE
    assert "举报" in reply
    assert send_photo(peer, ALICE, "MEDIA_X") == texts.NOT_REPORTING_MEDIA
    assert count(engine_of(live), Attachment) == 0


def test_link_message_is_not_supported(live: LiveServer, peer: WeChatPeer) -> None:
    # Voice and video are evidence (test_voice_video.py); a shared link is not.
    link = {"Title": "文章", "Description": "", "Url": "http://example.com/a"}
    reply = send_kind(peer, ALICE, "link", **link)
    assert "暂不支持" in reply
    say(peer, ALICE, "举报")
    reply = send_kind(peer, ALICE, "link", **link)
    assert "暂不支持" in reply and "企业名称" in reply
    assert conversation_of(engine_of(live), ALICE).state == "enterprise"


def test_description_too_short_stays_in_the_step(live: LiveServer, peer: WeChatPeer) -> None:
    say(peer, ALICE, "举报", "晋钢", "1")
    reply = say(peer, ALICE, "漏")
    assert "描述太短了" in reply
    assert conversation_of(engine_of(live), ALICE).state == "description"
    assert "第 3 步" in say(peer, ALICE, "转炉平台漏水严重")
    assert conversation_of(engine_of(live), ALICE).state == "photos"


# --- photos --------------------------------------------------------------------------------

def test_tenth_photo_is_refused(live: LiveServer, peer: WeChatPeer) -> None:
    say(peer, ALICE, "举报", "晋钢", "1", DESCRIPTION)
    replies = [send_photo(peer, ALICE, f"MEDIA_{i}") for i in range(1, 11)]
    assert replies[0].startswith("已收到第 1 张照片")
    assert "已收到第 9 张照片，已达到 9 张上限" in replies[8]
    assert replies[9] == texts.PHOTO_OVER_LIMIT.format(max=9)

    engine = engine_of(live)
    photos = rows(engine, Attachment)
    assert sorted(a.seq for a in photos) == list(range(1, 10))
    assert "MEDIA_10" not in {a.media_id for a in photos}
    assert count(engine, Job) == 9
    summary = say(peer, ALICE, "好了", "跳过", "2", "2")
    assert "照片：9 张" in summary


def test_photo_is_fetched_after_the_reply_scrubbed_and_linked(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    original = jpeg_with_gps()
    fake_wechat.add_media("MEDIA_GPS", original)
    report_until_confirm(peer, ALICE, photos=["MEDIA_GPS"])

    engine = engine_of(live)
    photo = one(engine, Attachment)
    assert photo.status == "pending"  # the reply did not wait for the download
    assert not [c for c in fake_wechat.calls if c.path.endswith("media/get")]
    say(peer, ALICE, "确认")
    live.run_worker()

    photo = one(engine, Attachment)
    hazard = one(engine, Hazard)
    assert photo.hazard_id == hazard.id and photo.status == "stored"
    stored = Path(live.app.config["HAZARDBOT"]["media"]["dir"]) / str(photo.relpath)
    data = stored.read_bytes()
    assert hashlib.sha256(data).hexdigest() == photo.sha256
    assert photo.original_sha256 == hashlib.sha256(original).hexdigest() != photo.sha256
    with Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert not image.getexif() and b"PhoneMaker" not in data


def test_broken_image_is_rejected_and_the_user_told(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    fake_wechat.add_media("MEDIA_BAD", b"not a picture", "image/jpeg")
    say(peer, ALICE, "举报", "晋钢", "1", DESCRIPTION)
    assert send_photo(peer, ALICE, "MEDIA_BAD").startswith("已收到第 1 张照片")

    live.run_worker()

    engine = engine_of(live)
    photo = one(engine, Attachment)
    assert photo.status == "rejected" and photo.error and photo.sha256 is None
    sent = fake_wechat.sent_messages(ALICE)
    assert len(sent) == 1 and sent[0]["msgtype"] == "text"
    assert "第 1 张照片无法使用" in sent[0]["text"]["content"]
    assert one(engine, OutboxMessage).status == "sent"
    live.run_worker()  # nothing is sent twice
    assert len(fake_wechat.sent_messages(ALICE)) == 1


def test_media_api_failure_is_retried_later(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    fake_wechat.add_media("MEDIA_OK", jpeg_with_gps((10, 120, 40)))
    say(peer, ALICE, "举报", "晋钢", "1", DESCRIPTION)
    send_photo(peer, ALICE, "MEDIA_OK")
    fake_wechat.fail_next(1, errcode=-1)

    live.run_worker()
    engine = engine_of(live)
    assert one(engine, Attachment).status == "pending"
    job = one(engine, Job)
    assert (job.status, job.attempts) == ("pending", 1) and job.last_error

    time.sleep(0.05)  # the test config's backoff is 0.01 s
    live.run_worker()
    photo = one(engine, Attachment)
    assert photo.status == "stored" and photo.sha256
    assert one(engine, Job).status == "done"
    assert fake_wechat.sent_messages(ALICE) == []  # nothing to apologise for
    assert len([c for c in fake_wechat.calls if c.path.endswith("media/get")]) == 2


def test_slow_download_does_not_hold_up_replies(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    fake_wechat.add_media("MEDIA_SLOW", jpeg_with_gps())
    say(peer, ALICE, "举报", "晋钢", "1", DESCRIPTION)
    send_photo(peer, ALICE, "MEDIA_SLOW")
    fake_wechat.set_delay(1.0)
    worker = threading.Thread(target=live.run_worker)
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while not fake_wechat.calls and time.monotonic() < deadline:
            time.sleep(0.01)
        assert fake_wechat.calls, "the worker never called WeChat"

        started = time.monotonic()  # the worker is now waiting on WeChat
        assert "第 4 步" in say(peer, ALICE, "好了")
        assert "第 4 步" in say(peer, BOB, "举报", "晋钢", "1", DESCRIPTION, "好了")
        assert time.monotonic() - started < 0.9  # no reply waited for the download
    finally:
        worker.join(timeout=15)
    assert one(engine_of(live), Attachment).status == "stored"


# --- idle expiry ---------------------------------------------------------------------------

def test_idle_dialogue_expires_with_a_message(live: LiveServer, peer: WeChatPeer) -> None:
    say(peer, ALICE, "举报", "晋钢", "1", DESCRIPTION)
    send_photo(peer, ALICE, "MEDIA_E1")
    engine = engine_of(live)
    idle_for(engine, ALICE, timedelta(hours=25))  # past dialogue.draft_hours (24)

    reply = say(peer, ALICE, "好了")
    assert reply.startswith(texts.EXPIRED.format(span="24 小时"))
    assert reply.endswith(texts.GUIDE)
    assert conversation_of(engine, ALICE).state == "idle"
    assert count(engine, Attachment) == 0

    # Starting afresh works, and a fresh dialogue is not expired.
    assert say(peer, ALICE, "举报") == texts.ASK_ENTERPRISE


def test_dialogue_idle_for_29_minutes_continues(live: LiveServer, peer: WeChatPeer) -> None:
    say(peer, ALICE, "举报", "晋钢", "1")
    engine = engine_of(live)
    idle_for(engine, ALICE, timedelta(minutes=29))
    assert "第 3 步" in say(peer, ALICE, DESCRIPTION)
