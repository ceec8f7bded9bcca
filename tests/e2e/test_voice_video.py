"""Voice messages and videos in a report, as a worker on a phone meets them, and what is kept.

Through the WeChat peer (safe mode) and the fake WeChat server, whose media/get serves the
recordings' bytes; the download job runs as the worker would, after the reply.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine

from bot import create_app
from bot.dev.peer import WeChatPeer
from bot.handlers import texts
from bot.models import Attachment, Hazard, OutboxMessage
from tests.common.media_samples import amr_voice, mp4_video
from tests.conftest import app_config
from tests.e2e.chat import (
    DESCRIPTION,
    conversation_of,
    count,
    engine_of,
    jpeg_with_gps,
    one,
    rows,
    say,
    send_photo,
)
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

ALICE = "o_alice_voice_01"
HEARD = "三号高炉出铁场的除尘罩塌了一半，没人管"
MIB = 1024 * 1024


@pytest.fixture
def app(
    clean_db: Engine, database_url: str, tmp_path: Path, fake_wechat: FakeWeChatServer
) -> Iterator[Flask]:
    """The live app with a 1 MB video cap, so the too-large case stays small."""
    app = create_app(app_config(
        database_url, tmp_path / "instance", wechat={"api_base_url": fake_wechat.base_url},
        media={"max_video_bytes": MIB},
    ))
    yield app
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


def media_dir(live: LiveServer) -> Path:
    return Path(live.app.config["HAZARDBOT"]["media"]["dir"])


def stored_files(live: LiveServer) -> list[Path]:
    root = media_dir(live)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def voice(peer: WeChatPeer, media_id: str, recognition: str | None = None) -> str:
    reply = peer.send_voice(ALICE, media_id, recognition)
    assert reply.status_code == 200, reply.body
    return reply.content


def video(peer: WeChatPeer, media_id: str, thumb: str, *, short: bool = False) -> str:
    reply = peer.send_video(ALICE, media_id, thumb, short=short)
    assert reply.status_code == 200, reply.body
    return reply.content


def test_a_transcribed_voice_message_is_the_description_shown_back_and_kept(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    audio = amr_voice(2)
    fake_wechat.add_media("VOICE_1", audio, "audio/amr")
    say(peer, ALICE, "举报", "晋钢", "1")

    reply = voice(peer, "VOICE_1", HEARD + "。")
    assert f"我听到的是：“{HEARD}。”" in reply
    assert "发送文字更正" in reply and "第 3 步" in reply
    engine = engine_of(live)
    assert conversation_of(engine, ALICE).state == "photos"
    assert one(engine, Attachment).status == "pending"  # the reply did not wait for the download

    summary = say(peer, ALICE, "好了", "跳过", "2", "2")
    assert f"隐患：{HEARD}。" in summary
    assert "照片：0 张\n语音：1 条\n位置" in summary
    say(peer, ALICE, "确认")
    live.run_worker()

    kept = one(engine, Attachment)
    hazard = one(engine, Hazard)
    assert hazard.description == HEARD + "。"
    assert kept.hazard_id == hazard.id and kept.kind == "voice" and kept.status == "stored"
    assert kept.transcript == HEARD + "。" and kept.content_type == "audio/amr"
    assert kept.uploader_id is None  # an anonymous report's voice keeps no link to its speaker
    assert (media_dir(live) / str(kept.relpath)).read_bytes() == audio
    assert kept.sha256 == hashlib.sha256(audio).hexdigest()


def test_what_was_misheard_is_corrected_by_typing(live: LiveServer, peer: WeChatPeer) -> None:
    say(peer, ALICE, "举报", "晋钢", "1")
    voice(peer, "VOICE_2", "三号高炉出铁场除尘照他了")
    reply = say(peer, ALICE, HEARD)
    assert reply.startswith(f"已更正，隐患描述现为：“{HEARD}”")
    # Only the first text after the voice corrects it; the next is not taken for one.
    later = say(peer, ALICE, "还有一件事")
    assert later.startswith("没看懂“还有一件事”。") and later.endswith(texts.PHOTOS_EXPECTED)
    summary = say(peer, ALICE, "好了", "跳过", "2", "2")
    assert f"隐患：{HEARD}\n" in summary


def test_a_voice_message_at_the_photo_step_supplements_the_description(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    fake_wechat.add_media("VOICE_3", amr_voice(), "audio/amr")
    say(peer, ALICE, "举报", "晋钢", "1", DESCRIPTION)
    reply = voice(peer, "VOICE_3", "而且通道上堆满了杂物")
    assert "我听到的是：“而且通道上堆满了杂物”" in reply and "已补充到隐患描述中" in reply
    say(peer, ALICE, "好了", "跳过", "2", "2", "确认")
    assert one(engine_of(live), Hazard).description == f"{DESCRIPTION}；而且通道上堆满了杂物"


def test_a_voice_message_without_a_transcript_is_kept_and_text_asked_for(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    fake_wechat.add_media("VOICE_4", amr_voice(), "audio/amr")
    say(peer, ALICE, "举报", "晋钢", "1")
    reply = voice(peer, "VOICE_4")
    assert "没有识别出文字" in reply and "请再用文字简要描述隐患情况" in reply
    engine = engine_of(live)
    assert conversation_of(engine, ALICE).state == "description"

    assert "第 3 步" in say(peer, ALICE, DESCRIPTION)
    say(peer, ALICE, "好了", "跳过", "2", "2", "确认")
    live.run_worker()
    kept = one(engine, Attachment)
    assert kept.kind == "voice" and kept.status == "stored" and kept.transcript is None
    assert kept.hazard_id == one(engine, Hazard).id


def test_a_video_is_evidence_with_its_thumbnail(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    clip = mp4_video(64 * 1024)
    fake_wechat.add_media("VIDEO_1", clip, "video/mp4")
    fake_wechat.add_media("THUMB_1", jpeg_with_gps(), "image/jpeg")
    say(peer, ALICE, "举报", "晋钢", "1", DESCRIPTION)
    reply = video(peer, "VIDEO_1", "THUMB_1", short=True)
    assert reply.startswith("已收到视频，将作为证据保存（共 1 件材料，最多 9 件）")
    summary = say(peer, ALICE, "好了", "跳过", "2", "2")
    assert "照片：0 张\n视频：1 段\n" in summary
    say(peer, ALICE, "确认")
    live.run_worker()

    engine = engine_of(live)
    kept = one(engine, Attachment)
    assert kept.kind == "video" and kept.status == "stored" and kept.content_type == "video/mp4"
    assert kept.hazard_id == one(engine, Hazard).id
    assert (media_dir(live) / str(kept.relpath)).read_bytes() == clip
    thumb = (media_dir(live) / str(kept.thumb_relpath)).read_bytes()
    assert thumb.startswith(b"\xff\xd8") and b"PhoneMaker" not in thumb  # scrubbed like a photo


def test_videos_and_voices_count_toward_the_evidence_limit(live: LiveServer, peer: WeChatPeer) -> None:
    say(peer, ALICE, "举报", "晋钢", "1", DESCRIPTION)
    for i in range(1, 8):
        send_photo(peer, ALICE, f"MEDIA_{i}")
    video(peer, "VIDEO_8", "THUMB_8")
    voice(peer, "VOICE_9", "旁边的梯子也坏了")
    reply = video(peer, "VIDEO_10", "THUMB_10")
    assert reply.startswith("最多只能发送 9 件照片、语音或视频，这条视频没有保存")
    assert send_photo(peer, ALICE, "MEDIA_11") == texts.PHOTO_OVER_LIMIT_SHARED.format(
        noun="照片、语音和视频", max=9)
    engine = engine_of(live)
    assert count(engine, Attachment) == 9
    assert "VIDEO_10" not in {a.media_id for a in rows(engine, Attachment)}
    summary = say(peer, ALICE, "好了", "跳过", "2", "2")
    assert "照片：7 张\n语音：1 条\n视频：1 段\n" in summary


def test_when_videos_share_the_limit_the_photo_step_says_photos_or_videos(
    live: LiveServer, peer: WeChatPeer
) -> None:
    say(peer, ALICE, "举报", "晋钢", "1")
    assert "请发送现场照片或视频（最多 9 件）" in say(peer, ALICE, DESCRIPTION)
    for i in range(1, 8):
        video(peer, f"VIDEO_{i}", f"THUMB_{i}")
    # The first photo is the first photo, among 8 pieces of evidence; the ninth fills the limit.
    reply = send_photo(peer, ALICE, "MEDIA_1")
    assert reply.startswith("已收到第 1 张照片（照片和视频共 8 件，最多 9 件）")
    reply = send_photo(peer, ALICE, "MEDIA_2")
    assert reply == "已收到第 2 张照片，照片和视频已达到 9 件上限。请回复“好了”继续。"
    reply = send_photo(peer, ALICE, "MEDIA_3")
    assert reply == "照片和视频最多 9 件，已经发满，这张照片没有保存。请回复“好了”继续。"
    assert "9 张照片" not in reply and count(engine_of(live), Attachment) == 9
    assert "照片或视频" in say(peer, ALICE, "还有吗")  # the step's reminder says so too
    summary = say(peer, ALICE, "好了", "跳过", "2", "2")
    assert "照片：2 张\n视频：7 段\n" in summary


def test_outside_a_report_a_voice_or_video_is_answered_and_nothing_kept(
    live: LiveServer, peer: WeChatPeer
) -> None:
    assert "请先回复“举报”" in voice(peer, "VOICE_X", "车间漏水")
    assert video(peer, "VIDEO_X", "THUMB_X") == texts.NOT_REPORTING_MEDIA
    say(peer, ALICE, "举报")
    reply = video(peer, "VIDEO_Y", "THUMB_Y")
    assert "选好企业后再发送语音或视频" in reply and "企业名称" in reply
    assert count(engine_of(live), Attachment) == 0


def test_a_too_large_video_is_refused_with_a_message_and_nothing_written(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    fake_wechat.add_media("VIDEO_BIG", mp4_video(MIB + 1), "video/mp4")
    fake_wechat.add_media("THUMB_BIG", jpeg_with_gps(), "image/jpeg")
    say(peer, ALICE, "举报", "晋钢", "1", DESCRIPTION)
    video(peer, "VIDEO_BIG", "THUMB_BIG")
    live.run_worker()

    engine = engine_of(live)
    kept = one(engine, Attachment)
    assert kept.status == "rejected" and kept.relpath is None and kept.thumb_relpath is None
    assert kept.sha256 is None and stored_files(live) == []
    sent = fake_wechat.sent_messages(ALICE)
    assert len(sent) == 1
    assert "视频（第 1 件材料）无法使用：视频太大（超过 1 MB）" in sent[0]["text"]["content"]
    assert one(engine, OutboxMessage).status == "sent"


def test_a_file_that_is_not_audio_is_refused(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    fake_wechat.add_media("VOICE_BAD", b"<html>not audio</html>" * 10, "audio/amr")
    say(peer, ALICE, "举报", "晋钢", "1", DESCRIPTION)
    voice(peer, "VOICE_BAD", "补充一句")
    live.run_worker()
    kept = one(engine_of(live), Attachment)
    assert kept.status == "rejected" and kept.relpath is None and stored_files(live) == []
    told = fake_wechat.sent_messages(ALICE)[0]["text"]["content"]
    assert "不是有效的语音文件（支持 AMR、Speex、MP3）" in told


def test_a_voice_message_without_a_media_id_is_refused_and_nothing_kept(
    live: LiveServer, peer: WeChatPeer
) -> None:
    say(peer, ALICE, "举报", "晋钢", "1")
    xml = (f"<xml><ToUserName><![CDATA[{peer.to_user}]]></ToUserName>"
           f"<FromUserName><![CDATA[{ALICE}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
           "<MsgType><![CDATA[voice]]></MsgType><Format><![CDATA[amr]]></Format>"
           f"<Recognition><![CDATA[{HEARD}]]></Recognition><MsgId>{peer.next_msg_id()}</MsgId></xml>")
    assert peer.post(xml, from_user=ALICE).status_code == 400
    engine = engine_of(live)
    assert count(engine, Attachment) == 0 and conversation_of(engine, ALICE).state == "description"
