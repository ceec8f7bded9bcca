"""Small voice and video files as WeChat's media/get serves them: the bytes our type check reads.

An AMR-NB file is its ``#!AMR`` header and 20 ms frames (here the 4.75 kbit/s mode, 13 bytes
each: a mode byte and 12 bytes of speech bits); an MP4 starts with its ``ftyp`` box. Neither
needs to be good sound or picture: the bot keeps recordings as received.
"""

from __future__ import annotations

import os
import struct


def amr_voice(seconds: float = 1.0, *, seed: bytes = b"") -> bytes:
    """An AMR-NB voice message of about ``seconds`` (50 frames a second)."""
    frame = b"\x04" + (seed + b"\x55" * 12)[:12]
    return b"#!AMR\n" + frame * int(seconds * 50)


def mp4_video(size: int = 4096) -> bytes:
    """An MP4 of ``size`` bytes: an ``ftyp`` box (brand mp42) then an ``mdat`` box of noise."""
    ftyp = struct.pack(">I", 24) + b"ftypmp42" + struct.pack(">I", 0) + b"mp42isom"
    body = os.urandom(max(0, size - len(ftyp) - 8))
    return ftyp + struct.pack(">I", len(body) + 8) + b"mdat" + body
