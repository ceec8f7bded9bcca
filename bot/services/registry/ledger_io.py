"""Reading and writing ledger files: .xlsx (openpyxl) and .csv.

Reading hands back raw cell values with the row numbers Excel shows, so that every problem
can be pointed at ("第7行"); deciding what the values mean is ``ledger``'s job. CSV comes in
whatever encoding the office computer used: UTF-8 with or without a BOM, UTF-16 from Excel's
"Unicode text", and GB18030 from Excel on Chinese Windows.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from bot.models.enterprise import INDUSTRIES, SCALES
from bot.services.registry.ledger_columns import COLUMNS, parse_flag

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000  # a province has a few thousand 冶金工贸 enterprises

Row = tuple[int, list[Any]]  # (row number as Excel shows it, cell values)


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


def _keep(rows: Iterable[tuple[int, Sequence[Any]]]) -> list[Row]:
    kept: list[Row] = []
    for number, values in rows:
        if all(_is_empty(v) for v in values):
            continue
        if len(kept) > MAX_ROWS:
            raise LedgerFileError(f"文件超过{MAX_ROWS}行，请分批导入")
        kept.append((number, list(values)))
    return kept


def _read_xlsx(data: bytes) -> list[list[Row]]:
    with warnings.catch_warnings():
        # openpyxl warns about parts it does not read (styles, extensions); they do not matter here.
        warnings.simplefilter("ignore", UserWarning)
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise LedgerFileError("无法打开这个Excel文件（文件已损坏，或不是 .xlsx 格式）") from exc
        try:
            sheets = []
            for sheet in workbook.worksheets:
                if not hasattr(sheet, "reset_dimensions"):
                    continue  # a chart sheet
                sheet.reset_dimensions()  # the stored size is often wrong; read every row
                sheets.append(_keep(enumerate(sheet.iter_rows(values_only=True), start=1)))
            return sheets
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
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise LedgerFileError(f"CSV文件格式有误：{exc}") from exc
    return _keep((i, [v if v.strip() else None for v in values]) for i, values in enumerate(records, 1))


def _display_width(value: Any) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def write_xlsx(target: Path | BinaryIO, rows: Sequence[Sequence[Any]]) -> None:
    """The ledger as a workbook: bold frozen header, widths that fit, drop-down lists.

    Text columns are formatted as text (@), so that codes and phone numbers typed in later
    are not turned into numbers; the head count stays a number.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "企业监管台账"
    sheet.append([c.header for c in COLUMNS])
    for values in rows:
        sheet.append(list(values))
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.freeze_panes = "B2"  # header row and the name column stay in view
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        widest = max([_display_width(column.header)] + [_display_width(r[index - 1]) for r in rows])
        sheet.column_dimensions[letter].width = min(max(column.width, widest + 2), 60)
        if not column.number:
            sheet.column_dimensions[letter].number_format = "@"
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "@"
    _add_choices(sheet, len(rows))
    workbook.save(target)


def _add_choices(sheet: Any, row_count: int) -> None:
    """Drop-down lists for the columns with a fixed set of answers."""
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
    """UTF-8 with a BOM, so that Excel on Chinese Windows opens it without mojibake."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in COLUMNS])
    writer.writerows([["" if v is None else v for v in values] for values in rows])
    data = buffer.getvalue().encode("utf-8-sig")
    if isinstance(target, Path):
        target.write_bytes(data)
    else:
        target.write(data)
