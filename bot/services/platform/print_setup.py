"""How every .xlsx we write prints: A4, one page wide, headers on every page, text readable.

Officers print the forms and file them on paper. Left alone, openpyxl's workbooks print on
US Letter, a wide table shrinks to 4 pt to fit one page wide, a long one loses its header
rows after page 1, and a wrapped cell whose row keeps the default height is cut. So every
writer of a workbook (the forms, the hazard ledger, the enterprise ledger, 附件5) asks here:

* ``fit_widths``: the columns' preferred widths, shrunk in proportion so that the table fits
  the printable width of A4 scaled by no less than ``_LEAST_SCALE`` (text wraps more instead
  of getting smaller), so that fitting one page wide never prints 11 pt text below
  ``MIN_PRINTED_PT``.
* ``wrapped_height``: a row's height in points, from how many lines its longest cell wraps
  to in the column's width, counted generously (a CJK glyph in the fallback font is wider
  than two Latin digits, and line breaks fall at punctuation), so that nothing is cut.
* ``setup_page``: paper size 9 (A4), the orientation, fit to one page wide and any number of
  pages tall, the title and header rows repeated on every page (``print_title_rows``),
  "第 &P 页 共 &N 页" in the footer, narrow margins and the table centred.

Widths are in Excel's unit: the width of one digit of the default font (Calibri 11 pt, 7 px
at 96 dpi), with 5 px of padding per column.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # openpyxl itself only where a sheet is written: not in every web worker
    from openpyxl.worksheet.worksheet import Worksheet

Orientation = Literal["portrait", "landscape"]

A4 = 9  # OOXML paperSize for A4 (210 × 297 mm)
A4_POINTS = (595.0, 842.0)
MIN_PRINTED_PT = 9.0  # no printed text smaller than this
BODY_PT = 11.0  # openpyxl's default font (Calibri 11)
MARGIN_INCHES = 0.4  # left and right; about 1 cm
MARGIN_TOP_INCHES = 0.5
MARGIN_BOTTOM_INCHES = 0.6  # room for the page number
FOOTER = "第 &P 页 共 &N 页"
MAX_ROW_POINTS = 409.0  # Excel's limit for one row
# One width unit is a digit of the default font: 5.25 pt in Excel (Calibri), 7 pt where
# LibreOffice has no Calibri and measures with DejaVu Sans. Fitting with the wider unit at a
# scale of at least _LEAST_SCALE keeps 11 pt text above 9 pt in both (in Excel the table then
# fills about 85 % of the width at 100 %).
_WIDEST_UNIT = 7.0
_LEAST_SCALE = 0.88
_PADDING_POINTS = 3.75  # 5 px per column
_CJK_UNITS = 2.2  # one CJK glyph at 11 pt, in width units (display_width counts 2)
_MIN_WIDTH = 6.0  # no column narrower than three CJK characters
DATE_WIDTH = 11.0  # "2026-09-29" at 11 pt, which cannot wrap


def printable_points(orientation: Orientation) -> float:
    """The width of A4 between the margins, in points."""
    width = A4_POINTS[0] if orientation == "portrait" else A4_POINTS[1]
    return width - 2 * MARGIN_INCHES * 72


def fit_widths(widths: Sequence[float], orientation: Orientation, *,
               minimum: float = _MIN_WIDTH, floors: Mapping[int, float] | None = None) -> list[float]:
    """``widths`` as given if the table fits the page at 100 %, else shrunk in proportion.

    A column is never made narrower than ``minimum`` (nor widened): a table of many columns
    (the enterprise ledger's 22) passes a smaller one, and wraps more. ``floors`` raises that
    limit for single columns (by index) whose values cannot wrap: a date too narrow for its
    column prints as "###".
    """
    room = printable_points(orientation) / _LEAST_SCALE
    needed = sum(w * _WIDEST_UNIT + _PADDING_POINTS for w in widths)
    if needed <= room:
        return [float(w) for w in widths]
    fixed = [min(float(w), (floors or {}).get(i, minimum)) for i, w in enumerate(widths)]
    flexible = [float(w) - f for w, f in zip(widths, fixed, strict=True)]
    spare = room - sum(f * _WIDEST_UNIT + _PADDING_POINTS for f in fixed)
    ratio = max(spare, 0.0) / max(sum(flexible) * _WIDEST_UNIT, 1e-9)
    return [round(f + x * ratio, 2) for f, x in zip(fixed, flexible, strict=True)]


def text_lines(value: Any, width: float, font_pt: float = BODY_PT) -> int:
    """How many lines ``value`` takes in a column ``width`` units wide, counted generously."""
    if value is None or value == "":
        return 1
    usable = max(width - 1.0, 1.0) * BODY_PT / font_pt
    lines = 0
    for paragraph in str(value).split("\n"):
        units = sum(_CJK_UNITS if ord(ch) > 0x2E7F else 1.05 for ch in paragraph)
        # Breaks fall at words and punctuation, not anywhere: allow a fifth more lines.
        lines += max(1, math.ceil(units * 1.2 / usable)) if units else 1
    return lines


def line_points(font_pt: float = BODY_PT) -> float:
    """One line's height: the CJK fallback fonts' line spacing is about 1.45 em."""
    return font_pt * 1.5


def wrapped_height(cells: Iterable[tuple[Any, float]], font_pt: float = BODY_PT, *,
                   minimum: float = 0.0) -> float:
    """The height in points of a row whose cells are ``(value, column width)``: the cell that
    wraps to the most lines decides, plus padding, at least ``minimum``."""
    lines = max((text_lines(value, width, font_pt) for value, width in cells), default=1)
    return min(max(lines * line_points(font_pt) + 4.0, minimum, line_points(font_pt) + 4.0),
               MAX_ROW_POINTS)


def setup_page(ws: Worksheet, orientation: Orientation, *, repeat_rows: tuple[int, int] | None) -> None:
    """A4 in ``orientation``, one page wide, rows ``repeat_rows`` (first, last) on every page,
    page numbers in the footer."""
    ws.page_setup.paperSize = A4
    ws.page_setup.orientation = orientation
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as the table needs
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    margins = ws.page_margins
    margins.left = margins.right = MARGIN_INCHES
    margins.top, margins.bottom = MARGIN_TOP_INCHES, MARGIN_BOTTOM_INCHES
    margins.header, margins.footer = 0.2, 0.25
    if repeat_rows is not None:
        ws.print_title_rows = f"{repeat_rows[0]}:{repeat_rows[1]}"
    for footer in (ws.oddFooter, ws.evenFooter):
        footer.center.text = FOOTER
        footer.center.size = 11


def fit_row_heights(ws: Worksheet, first_row: int, last_row: int, *,
                    minimum: dict[int, float] | None = None) -> None:
    """Give rows ``first_row``..``last_row`` the height their wrapped text needs.

    The column widths are read from the sheet, a merged cell counts the width of every column
    it spans (a cell covered by a merge counts nothing), and each cell's own font size is used.
    ``minimum`` holds rows that need room to write in (points).
    """
    minimum = minimum or {}
    spans: dict[tuple[int, int], int] = {}
    covered: set[tuple[int, int]] = set()
    for merged in ws.merged_cells.ranges:
        spans[(merged.min_row, merged.min_col)] = merged.max_col
        covered.update((r, c) for r in range(merged.min_row, merged.max_row + 1)
                       for c in range(merged.min_col, merged.max_col + 1))

    from openpyxl.utils import get_column_letter

    def width(column: int) -> float:
        return float(ws.column_dimensions[get_column_letter(column)].width or 13.0)

    for number in range(first_row, last_row + 1):
        height = minimum.get(number, 0.0)
        for cell in ws[number]:
            column = int(cell.column)  # type: ignore[arg-type]
            if cell.value is None or ((number, column) in covered and (number, column) not in spans):
                continue
            span = sum(width(c) for c in range(column, spans.get((number, column), column) + 1))
            size = float(cell.font.sz or BODY_PT) if cell.font else BODY_PT
            height = max(height, wrapped_height([(cell.value, span)], size))
        if height:
            ws.row_dimensions[number].height = round(height, 1)
