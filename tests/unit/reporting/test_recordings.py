"""The voice and video check: the types WeChat sends are kept as received, anything else refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.reporting.recordings import RecordingRejected, check_recording, store_recording
from tests.common.media_samples import amr_voice, mp4_video

SPEEX_IN_OGG = b"OggS\x00\x02" + b"\x00" * 22 + b"Speex   1.2" + b"\x00" * 60
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 50


@pytest.mark.parametrize(("data", "mime"), [
    (amr_voice(), "audio/amr"), (SPEEX_IN_OGG, "audio/ogg"), (MP3, "audio/mpeg"),
])
def test_voice_types_wechat_sends_are_accepted(data: bytes, mime: str) -> None:
    assert check_recording("voice", data, max_bytes=1 << 20)[0] == mime


@pytest.mark.parametrize(("kind", "data", "reason", "words"), [
    ("voice", b"", "empty", "收到的语音是空的"),
    ("voice", mp4_video(), "wrong_type", "这不是有效的语音文件（支持 AMR、Speex、MP3）"),
    ("video", amr_voice(), "wrong_type", "这不是有效的视频文件（支持 MP4）"),
    ("video", mp4_video(3 << 20), "too_large", "视频太大（超过 2 MB），请缩短后重新发送"),
])
def test_anything_else_is_refused_in_words_the_sender_reads(
    kind: str, data: bytes, reason: str, words: str
) -> None:
    with pytest.raises(RecordingRejected) as refused:
        check_recording(kind, data, max_bytes=2 << 20)
    assert refused.value.reason == reason and refused.value.message == words


def test_a_stored_recording_is_named_by_its_content_and_written_once(tmp_path: Path) -> None:
    audio = amr_voice(3)
    first = store_recording(audio, tmp_path, kind="voice", max_bytes=1 << 20)
    again = store_recording(audio, tmp_path, kind="voice", max_bytes=1 << 20)
    assert first == again and first.relpath.endswith(f"{first.sha256}.amr")
    assert (tmp_path / first.relpath).read_bytes() == audio
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{first.sha256}.amr"]
    with pytest.raises(RecordingRejected):
        store_recording(b"#!AMR\n" * 10, tmp_path / "other", kind="video", max_bytes=1 << 20)
    assert not (tmp_path / "other").exists()
