"""Reading and writing ledger files: .xlsx (openpyxl) and .csv.

Reading hands back raw cell values with the row numbers Excel shows, so that every problem
can be pointed at ("第7行"); deciding what the values mean is ``ledger``'s job. CSV comes in
whatever encoding the office computer used: UTF-8 with or without a BOM, UTF-16 from Excel's
"Unicode text", and GB18030 from Excel on Chinese Windows.

An uploaded file is hostile until read. An .xlsx is checked as a zip before openpyxl opens it
(``platform.xlsx_guard``: part count, declared sizes, no DTD); every row read counts against
``MAX_ROWS``, empty ones too, so a million blank rows are refused after the first twenty
thousand instead of being walked; only the first ``MAX_COLUMNS`` columns are read; and any
error of the parser becomes a ``LedgerFileError`` with a Chinese message, never a traceback.
Formulas are read as formulas (``data_only=False``), so that ``ledger_columns`` can refuse
them instead of taking their cached result or text.

Writing goes through ``platform.sheets``: an enterprise name beginning with "=" is written as
text, and a CSV cell that a spreadsheet could run is prefixed with a single quote (undone
here when one of our CSV files comes back).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import warnings
from collections.abc import Iterable, Sequence
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

# openpyxl (about 8 MiB) is imported by the functions that read or write a workbook: the web
# workers import this module for the console's ledger pages, which mostly do neither.
from bot.models.enterprise import INDUSTRIES, SCALES
from bot.services.platform.print_setup import fit_row_heights, fit_widths, setup_page
from bot.services.platform.sheets import append_row, csv_text, display_width, unescape_csv_text
from bot.services.platform.xlsx_guard import TooManyRows, UnsafeWorkbook, check_xlsx
from bot.services.registry.ledger_columns import COLUMNS, parse_flag

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000  # a province has a few thousand 冶金工贸 enterprises
_ROW_SLACK = 10  # title rows and the header above the body
MAX_COLUMNS = 100  # the ledger has 22 columns; cells further right are not read
_ROW_LIMIT = MAX_ROWS + _ROW_SLACK
_TOO_MANY_ROWS = f"文件超过{MAX_ROWS}行（空行也计算在内），请删除多余的空行或分批导入"

Row = tuple[int, list[Any]]  # (row number as Excel shows it, cell values)

_UNREADABLE = ("无法读取这个Excel文件的内容（文件已损坏，或不是 .xlsx 格式）；"
               "请在Excel中另存为新的工作簿后再导入")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted .xlsx, or an .xls renamed


class LedgerFileError(ValueError):
    """A file that cannot be read at all; the message (Chinese) is shown as it is."""


def read_sheets(data: bytes, filename: str) -> list[list[Row]]:
    """Every sheet's non-empty rows (a CSV file is one sheet)."""
    if len(data) > MAX_FILE_BYTES:
        raise LedgerFileError(f"文件太大（超过{MAX_FILE_BYTES // (1024 * 1024)}MB），请分批导入")
    ext = Path(filename).suffix.lower()
    if ext in (".xlsx", ".xlsm"):
        return _read_xlsx(data)
    if ext in (".csv", ".txt"):
        return [_read_csv(data)]
    if ext == ".xls":
        raise LedgerFileError("不支持旧版 .xls 文件，请在Excel中“另存为”Excel工作簿（.xlsx）后再导入")
    raise LedgerFileError(f"不支持“{ext or filename}”格式的文件，请使用 .xlsx 或 .csv")


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_PLAIN = (str, int, float, Decimal, date, time, timedelta)  # datetime is a date


def _plain(value: Any) -> Any:
    """A formula object as the text openpyxl gives for a plain formula ("=…")."""
    if value is None or isinstance(value, _PLAIN):
        return value
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    if isinstance(value, ArrayFormula):
        return value.text or "="
    if isinstance(value, DataTableFormula):
        return "=TABLE()"
    return value


class _RowBudget:
    """Rows read so far, empty ones included, across every sheet of the file."""

    def __init__(self) -> None:
        self.read = 0

    def take(self) -> None:
        self.read += 1
        if self.read > _ROW_LIMIT:
            raise LedgerFileError(_TOO_MANY_ROWS)


def _keep(rows: Iterable[tuple[int, Sequence[Any]]], budget: _RowBudget) -> list[Row]:
    kept: list[Row] = []
    for number, values in rows:
        budget.take()
        if all(_is_empty(v) for v in values):
            continue
        cells = [_plain(v) for v in values[:MAX_COLUMNS]]
        while cells and cells[-1] is None:
            cells.pop()
        kept.append((number, cells))
    return kept


def _read_xlsx(data: bytes) -> list[list[Row]]:
    if data.startswith(_OLE):
        raise LedgerFileError(
            "这是加密的Excel文件或旧版 .xls 文件：请取消密码，或“另存为”Excel工作簿（.xlsx）后再导入")
    try:
        check_xlsx(data, max_rows=_ROW_LIMIT)
    except TooManyRows:
        raise LedgerFileError(_TOO_MANY_ROWS) from None
    except UnsafeWorkbook as exc:
        log.warning("ledger upload refused before parsing: %s", exc)
        raise LedgerFileError(str(exc)) from None
    from openpyxl import load_workbook

    budget = _RowBudget()
    with warnings.catch_warnings():
        # openpyxl warns about parts it does not read (styles, extensions); they do not matter here.
        warnings.simplefilter("ignore", UserWarning)
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception as exc:  # any parser error on an untrusted file: "cannot be read"
            log.warning("ledger upload not readable by openpyxl: %s", type(exc).__name__)
            raise LedgerFileError("无法打开这个Excel文件（文件已损坏，或不是 .xlsx 格式）") from exc
        try:
            sheets = []
            for sheet in workbook.worksheets:
                if not hasattr(sheet, "reset_dimensions"):
                    continue  # a chart sheet
                sheet.reset_dimensions()  # the stored size is often wrong; read every row
                rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
                sheets.append(_keep(enumerate(rows, start=1), budget))
            return sheets
        except LedgerFileError:
            raise
        except Exception as exc:  # a sheet's XML that openpyxl cannot parse, an odd cell…
            log.warning("ledger upload failed while reading rows: %s", type(exc).__name__)
            raise LedgerFileError(_UNREADABLE) from exc
        finally:
            workbook.close()


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerFileError("无法识别文件的文字编码，请在Excel中另存为“CSV UTF-8”或Excel工作簿（.xlsx）")


def _read_csv(data: bytes) -> list[Row]:
    text = _decode(data)
    first_line = next((line for line in io.StringIO(text) if line.strip()), "")
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _keep(((i, [unescape_csv_text(v) if v.strip() else None for v in values[:MAX_COLUMNS]])
                      for i, values in enumerate(records, 1)), _RowBudget())
    except csv.Error as exc:
        raise LedgerFileError(f"CSV文件格式有误：{exc}") from exc


def write_xlsx(target: Path | BinaryIO, rows: Sequence[Sequence[Any]]) -> None:
    """The ledger as a workbook: bold frozen header, widths that fit, drop-down lists.

    It prints as every form does (``platform.print_setup``): A4 landscape, one page wide, the
    header on every page, the cells wrapped in rows tall enough.

    Text columns are formatted as text (@), so that codes and phone numbers typed in later
    are not turned into numbers; the head count stays a number. Every cell goes in through
    ``platform.sheets``, so a name beginning with "=" stays a name.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "企业监管台账"
    append_row(sheet, [c.header for c in COLUMNS])
    for values in rows:
        append_row(sheet, values)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.freeze_panes = "B2"  # header row and the name column stay in view
    preferred = [_preferred_width(column, [r[i] for r in rows]) for i, column in enumerate(COLUMNS)]
    wrap = Alignment(vertical="top", wrap_text=True)
    for index, (column, width) in enumerate(
            zip(COLUMNS, fit_widths(preferred, "landscape", minimum=4), strict=True), start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.alignment = wrap
            if not column.number:
                cell.number_format = "@"
        if not column.number:
            sheet.column_dimensions[letter].number_format = "@"
    fit_row_heights(sheet, 1, sheet.max_row)
    setup_page(sheet, "landscape", repeat_rows=(1, 1))
    _add_choices(sheet, len(rows))
    workbook.save(target)


def _preferred_width(column: Any, values: Sequence[Any]) -> float:
    """A column as wide as its widest value (within 60); a 是/否 or number column as narrow as
    its values, its header wrapping: 22 columns share one A4 page's width."""
    widest = max((display_width(v) for v in values), default=0) + 2
    if column.number or column.parse is parse_flag:
        return max(6, widest)
    return min(max(column.width, widest, display_width(column.header) + 2), 60)


def _add_choices(sheet: Any, row_count: int) -> None:
    """Drop-down lists for the columns with a fixed set of answers."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    last = max(row_count + 1, 1000)
    lists = {"industry": INDUSTRIES, "scale": SCALES}
    for index, column in enumerate(COLUMNS, start=1):
        choices = ("是", "否") if column.parse is parse_flag else lists.get(column.field)
        if not choices:
            continue
        validation = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True)
        validation.add(f"{get_column_letter(index)}2:{get_column_letter(index)}{last}")
        sheet.add_data_validation(validation)


def write_csv(target: Path | BinaryIO, rows: Sequence[Sequence[Any]]) -> None:
    """UTF-8 with a BOM, so that Excel on Chinese Windows opens it without mojibake; cells a
    spreadsheet could run are prefixed with a single quote (``platform.sheets.csv_value``)."""
    data = csv_text([[c.header for c in COLUMNS], *rows]).encode("utf-8-sig")
    if isinstance(target, Path):
        target.write_bytes(data)
    else:
        target.write(data)
