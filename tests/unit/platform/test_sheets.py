"""The inert cell writer: what a spreadsheet program finds in the cells we write."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from bot.services.platform.sheets import append_row, csv_text, unescape_csv_text, write_cell


def _round_trip(values: list[object]) -> list[tuple[object, str, bool]]:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    append_row(sheet, values)
    write_cell(sheet, 2, 1, "=1+1")
    buffer = io.BytesIO()
    book.save(buffer)
    back = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert back is not None
    return [(c.value, c.data_type, c.quotePrefix) for row in back.iter_rows() for c in row
            if c.value is not None]


def test_text_is_text_numbers_and_dates_stay_what_they_are() -> None:
    cells = _round_trip(["=SUM(A1:A9)", "+86 351", "-", "@x", "\tTAB", "#N/A", "普通文字", 12, 2.5,
                         date(2026, 12, 2), "响\x07铃"])
    assert cells[:7] == [
        ("=SUM(A1:A9)", "s", True), ("+86 351", "s", True), ("-", "s", True), ("@x", "s", True),
        ("\tTAB", "s", True), ("#N/A", "s", False), ("普通文字", "s", False)]
    assert cells[7][:2] == (12, "n") and cells[8][:2] == (2.5, "n")
    assert cells[9][1] == "d"
    assert cells[10] == ("响铃", "s", False)  # a control character cannot be in a sheet: dropped, no error
    assert cells[11] == ("=1+1", "s", True)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_csv_cells_a_spreadsheet_could_run_are_prefixed_and_come_back(text: str) -> None:
    line = csv_text([[text, 5, None]]).rstrip("\r\n")
    cell = line.rsplit(",", 2)[0].strip('"')
    assert cell == "'" + text and line.endswith(",5,")
    assert unescape_csv_text(cell) == text
    assert unescape_csv_text("'0351") == "'0351"  # someone else's apostrophe is left alone
