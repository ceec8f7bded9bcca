"""fontTools in a child process: what a broken font file gives, and what a real face gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.platform.fonts import load_font
from bot.services.registry import font_process


def test_a_file_that_is_no_font_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"\x00\x01\x00\x00" + b"not a font" * 100)
    with pytest.raises(font_process.FontToolError) as raised:
        font_process.read_face(str(broken), 0)
    assert str(raised.value)  # the child's last line of stderr, e.g. the fontTools error
    with pytest.raises(font_process.FontToolError):
        font_process.cut_subset(str(tmp_path / "missing.ttf"), 0, [0], cff=False, retain_gids=True)


def test_the_poster_face_maps_chinese_and_cuts_a_subset() -> None:
    font = load_font(12)
    if not isinstance(font.path, str):
        pytest.skip("no CJK font file installed (fonts-noto-cjk)")
    face = font_process.read_face(font.path, font.index)
    gid, code, width = face.glyph("晋")
    assert gid > 0 and width > 0
    assert face.glyph("\U0010fffd") == font_process.unpack(face.notdef)  # a character it lacks
    program = font_process.cut_subset(font.path, font.index, [0, gid], cff=face.cff,
                                      retain_gids=face.ros is None)
    assert 0 < len(program) < 200_000  # a subset, not the 20 MB face
