"""Writing spreadsheet cells that stay inert: every .xlsx and .csv the project produces.

Text in our files comes from people we do not trust: an unregistered enterprise's name typed
by an anonymous reporter, a description, a remark. A spreadsheet program takes text that
begins with ``=`` (and, when the cell is edited or the file is a CSV, ``+ - @``, a tab or a
carriage return) as a formula: ``=HYPERLINK("http://…","点我")`` in the 附件2 ledger that is
filed upwards would be a live link on every regulator's screen, and DDE formulas can run
programs. So every writer goes through here:

* .xlsx (openpyxl): text is always stored as a string cell (openpyxl would otherwise turn a
  str starting with "=" into a formula and "#N/A" into an error value); text with a dangerous
  first character also gets ``quotePrefix``, which Excel and LibreOffice show as a leading
  apostrophe, so the cell stays text when someone edits it. Characters a worksheet cannot hold
  (control characters) are dropped instead of failing the whole export.
* .csv: a dangerous cell is prefixed with a single quote, as OWASP advises for CSV
  injection; the csv module quotes cells holding commas or quotes.

Numbers, dates and booleans are written as what they are. The import side
(``unescape_csv_text``) undoes our own CSV prefix so that an exported file imports unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # openpyxl itself only where a sheet is written: not in every web worker
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
CSV_ESCAPE = "'"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (its first character decides)."""
    return text.startswith(FORMULA_LEADS)


def _clean(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)[:32767]


def set_value(cell: Cell, value: Any) -> Cell:
    """Put ``value`` into ``cell``; text always as a string, never as a formula."""
    if not isinstance(value, str):
        cell.value = value
        return cell
    text = _clean(value)
    cell.value = text
    cell.data_type = "s"  # after the assignment: openpyxl picked 'f' for "=…", 'e' for "#N/A"
    if is_formula_like(text):
        cell.quotePrefix = True
    return cell


def write_cell(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """``ws.cell(row, column, value)``, inert."""
    return set_value(ws.cell(row=row, column=column), value)


def append_row(ws: Worksheet, values: Iterable[Any]) -> None:
    """``ws.append(values)``, inert: text goes in as ready-made string cells."""
    from openpyxl.cell.cell import Cell

    ws.append([set_value(Cell(ws), v) if isinstance(v, str) else v for v in values])


def csv_value(value: Any) -> Any:
    """One CSV cell: None as empty, dangerous text prefixed with a single quote (OWASP)."""
    if value is None:
        return ""
    if isinstance(value, str) and is_formula_like(value):
        return CSV_ESCAPE + value
    return value


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """Rows as CSV text (CRLF, as Excel writes it), every cell through ``csv_value``."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([csv_value(v) for v in row] for row in rows)
    return buffer.getvalue()


def unescape_csv_text(text: str) -> str:
    """Undo ``csv_value``'s prefix: "'=x" read back from one of our CSV files is "=x"."""
    if text.startswith(CSV_ESCAPE) and is_formula_like(text[1:]):
        return text[1:]
    return text


def display_width(value: Any) -> int:
    """How wide ``value`` shows in a cell, in Latin characters (CJK characters count two)."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
