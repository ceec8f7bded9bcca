"""Voice and video evidence: accept only the types WeChat sends, within a size cap, stored once.

A voice message arrives as AMR or Speex (in Ogg), a voice file sometimes as MP3; a video or
short video as MP4. The type is read from the bytes (``filetype``), never from the name or
the header the download came with: a file that is not one of these is refused with a message
the sender can read, and so is one over the cap, before anything is written. The file is
named by the sha256 of its bytes, so a retried download lands on the same path.

Unlike a photo, a recording is kept as received: re-encoding audio or video needs a codec
toolchain we do not ship. That is why the console shows recordings to officers only, never to
the enterprise (a voice can name its speaker): see ``bot/console/evidence.py``.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import filetype

from bot.services.platform.storage import LocalDirectoryStore, MediaStore, content_key

log = logging.getLogger(__name__)

DEFAULT_MAX_VOICE_BYTES = 2 * 1024 * 1024  # WeChat's own limit for a voice message
DEFAULT_MAX_VIDEO_BYTES = 10 * 1024 * 1024  # and for a video

# What we keep per kind: the detected MIME type → the stored file's extension.
ACCEPTED: dict[str, dict[str, str]] = {
    "voice": {"audio/amr": "amr", "audio/ogg": "ogg", "audio/mpeg": "mp3"},
    "video": {"video/mp4": "mp4"},
}
NOUNS = {"voice": "语音", "video": "视频", "photo": "照片"}
MEASURE = {"voice": "条", "video": "段", "photo": "张"}


class RecordingRejected(Exception):
    """A recording we will not store; ``message`` is Chinese and fit to show the sender.

    ``reason`` (``empty``, ``too_large``, ``wrong_type``) is for logs and tests.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class StoredRecording:
    sha256: str
    relpath: str  # the media store key: "ab/cd/abcd…ef.amr"
    content_type: str
    size_bytes: int


def check_recording(kind: str, data: bytes, *, max_bytes: int) -> tuple[str, str]:
    """The (MIME type, extension) of an acceptable recording; ``RecordingRejected`` otherwise."""
    noun = NOUNS[kind]
    if not data:
        raise _reject(f"收到的{noun}是空的", "empty", kind, 0)
    if len(data) > max_bytes:
        limit = f"{max_bytes / (1024 * 1024):g} MB"
        raise _reject(f"{noun}太大（超过 {limit}），请缩短后重新发送", "too_large", kind, len(data))
    guessed = filetype.guess(data[:8192])
    mime = guessed.mime if guessed is not None else ""
    accepted = ACCEPTED[kind]
    if mime not in accepted:
        names = "AMR、Speex、MP3" if kind == "voice" else "MP4"
        raise _reject(f"这不是有效的{noun}文件（支持 {names}）", "wrong_type", kind, len(data))
    return mime, accepted[mime]


def store_recording(
    data: bytes, store: MediaStore | Path, *, kind: str, max_bytes: int
) -> StoredRecording:
    """Check, then put into ``store`` under the content's sha256 (a bare directory is wrapped).

    The store writes atomically and leaves an existing object of the same size alone, so a
    retried job is harmless and a refused file leaves nothing behind.
    """
    mime, ext = check_recording(kind, data, max_bytes=max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    key = content_key(digest, ext)
    media = LocalDirectoryStore(store) if isinstance(store, Path) else store
    media.put(key, data, mime)
    return StoredRecording(sha256=digest, relpath=key, content_type=mime, size_bytes=len(data))


def _reject(message: str, reason: str, kind: str, size: int) -> RecordingRejected:
    log.warning("%s rejected: %s (%d bytes)", kind, reason, size)
    return RecordingRejected(message, reason)
