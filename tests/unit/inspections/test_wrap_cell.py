"""How the 附件5 PDF breaks a cell into lines: Chinese anywhere, numbers and codes never, and no
line that starts with a closing mark or ends with an opening one (as a typesetter would)."""

from __future__ import annotations

from bot.services.inspections.inspection_export import wrap_cell
from bot.services.platform.fonts import load_font

FONT = load_font(20)


def _width(chars: int) -> int:
    """A cell as wide as ``chars`` Chinese characters."""
    return int(FONT.getlength("隐" * chars))


def test_chinese_wraps_at_the_cell_width_and_loses_nothing() -> None:
    text = "炼钢车间二号转炉氧枪水冷元件出水温度报警未与倾动联锁现场联锁已被短接"
    lines = wrap_cell(text, FONT, _width(8))
    assert "".join(lines) == text
    assert len(lines) == 5 and all(FONT.getlength(line) <= _width(8) for line in lines)


def test_numbers_and_codes_move_to_the_next_line_whole() -> None:
    for code in ("YH202611240001", "4.30", "30kPa", "YH-2026-00012", "12:00"):
        text = "隐患编号为" + code + "请核对"
        lines = wrap_cell(text, FONT, _width(9))
        assert "".join(lines) == text
        assert any(code in line for line in lines), (code, lines)


def test_a_code_wider_than_the_cell_is_cut_rather_than_overflowing() -> None:
    lines = wrap_cell("YH202611240001YH202611240002", FONT, _width(3))
    assert "".join(lines) == "YH202611240001YH202611240002"
    assert len(lines) > 1 and all(FONT.getlength(line) <= _width(3) for line in lines)


def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one() -> None:
    text = "依据《工贸企业重大事故隐患判定标准》第四条第（四）项，应立即整改。"
    for chars in range(4, 12):
        lines = wrap_cell(text, FONT, _width(chars))
        assert "".join(lines) == text
        assert not any(line[0] in "，。；：、）》" for line in lines[1:]), lines
        assert not any(line[-1] in "（《" for line in lines), lines


def test_line_breaks_typed_in_the_text_are_kept_and_blank_text_is_one_empty_line() -> None:
    assert wrap_cell("第一行\n第二行", FONT, _width(10)) == ["第一行", "第二行"]
    assert wrap_cell("", FONT, _width(10)) == [""]
