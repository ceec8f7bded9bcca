"""Ledger files as officers make them: written by openpyxl (real cell types) or by hand as CSV."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Enterprise, EnterpriseChange
from bot.services.registry.credit_code import make_credit_code
from bot.services.registry.ledger_columns import COLUMNS

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
LATER = datetime(2027, 5, 24, 2, 0, tzinfo=UTC)
HEADERS = [c.header for c in COLUMNS]


def ledger_row(seq: int, cells: dict[str, Any] | None = None, /, **more: Any) -> dict[str, Any]:
    """A valid row for a new enterprise in 小店区, overridden by header → value.

    Headers with （） are not Python names: pass them in ``cells``.
    """
    row: dict[str, Any] = {
        "企业名称": f"太原测试{seq}号钢铁有限公司",
        "统一社会信用代码": make_credit_code("140105", 900_000 + seq),
        "所在县（市、区）": "小店区",
        "行政区划代码": "140105",
        "详细地址": f"太原市小店区测试路{seq}号",
        "行业类别": "冶金",
        "细分行业": "钢铁",
        "企业规模": "规模以上",
        "经济类型": "民营",
        "冶金（金属冶炼）": "是",
        "涉爆粉尘": "否",
        "涉粉作业人数": None,
        "有限空间": "是",
        "涉氨制冷": "否",
        "危化品使用": "否",
        "厂中厂/出租场地": "否",
        "标杆企业": "否",
        "帮扶企业": "否",
        "风险等级": "A",
        "主要负责人": "张三",
        "安全负责人": "李四",
        "安全负责人电话": "13800000000",
        "经度": 112.565 + seq / 1000,
        "纬度": 37.736,
        "坐标系": "GCJ-02",
    }
    row.update(cells or {})
    row.update(more)
    return row


def xlsx_bytes(rows: Sequence[dict[str, Any]], headers: Sequence[str] = HEADERS,
               *, title_rows: Sequence[str] = ()) -> bytes:
    """An .xlsx written by openpyxl: cell types as given (floats, dates, ints stay what they are)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for title in title_rows:
        sheet.append([title])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[dict[str, Any]], headers: Sequence[str] = HEADERS,
              *, encoding: str = "utf-8") -> bytes:
    """A CSV as a text editor or Excel saves it; no quoting beyond what the cells need."""
    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        return f'"{text}"' if "," in text else text

    lines = [",".join(headers)] + [",".join(cell(r.get(h)) for h in headers) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def read_xlsx(data: bytes) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet is not None
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def counts(session: Session) -> tuple[int, int]:
    """(enterprises, change records): what an import that fails must leave untouched."""
    return (session.scalar(select(func.count()).select_from(Enterprise)) or 0,
            session.scalar(select(func.count()).select_from(EnterpriseChange)) or 0)


def by_code(session: Session, code: str) -> Enterprise:
    return session.scalars(select(Enterprise).where(Enterprise.credit_code == code)).one()


def changes_of(session: Session, enterprise: Enterprise) -> list[EnterpriseChange]:
    query = select(EnterpriseChange).where(EnterpriseChange.enterprise_id == enterprise.id)
    return list(session.scalars(query.order_by(EnterpriseChange.id)))


# --- hostile files: built small in memory, as an attacker would craft them -----------------

SHEET = "xl/worksheets/sheet1.xml"
_SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def with_parts(data: bytes, parts: dict[str, bytes], *, drop: Sequence[str] = ()) -> bytes:
    """The .xlsx ``data`` with parts replaced or added (name → bytes) and others dropped."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in parts and info.filename not in drop:
                target.writestr(info.filename, source.read(info.filename))
        for name, body in parts.items():
            target.writestr(name, body)
    return buffer.getvalue()


def zip_bomb_xlsx(unpacked_mb: int = 100) -> bytes:
    """A valid ledger plus a shared-strings part that unpacks to ``unpacked_mb`` MB of one
    letter: about a thousandth of that on disk."""
    base = xlsx_bytes([ledger_row(1)])
    buffer = io.BytesIO(with_parts(base, {}))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as target:
        with target.open("xl/sharedStrings.xml", "w") as part:
            part.write(f'<sst xmlns="{_SHEET_NS}"><si><t>'.encode())
            block = b"A" * (1024 * 1024)
            for _ in range(unpacked_mb):
                part.write(block)
            part.write(b"</t></si></sst>")
    return buffer.getvalue()


def many_parts_xlsx(count: int = 3000) -> bytes:
    """A valid ledger with ``count`` tiny extra parts."""
    return with_parts(xlsx_bytes([ledger_row(1)]),
                      {f"customXml/item{i}.xml": b"<a/>" for i in range(count)})


def _sheet_xml(rows_xml: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{_SHEET_NS}">'
            f"<sheetData>{rows_xml}</sheetData></worksheet>").encode()


def _header_xml() -> str:
    cells = "".join(f'<c r="{get_column_letter(i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
                    for i, h in enumerate(HEADERS, start=1))
    return f'<row r="1">{cells}</row>'


def empty_rows_xlsx(count: int = 1_000_000) -> bytes:
    """The ledger's header, then ``count`` empty rows (``<row r="n"/>``): about 2 MB on disk."""
    rows = "".join(f'<row r="{n}"/>' for n in range(2, count + 2))
    return with_parts(xlsx_bytes([]), {SHEET: _sheet_xml(_header_xml() + rows)})


def far_row_xlsx(row: int = 1_048_576) -> bytes:
    """The header and one cell in the sheet's last row: every row between is empty."""
    far = f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>x</t></is></c></row>'
    return with_parts(xlsx_bytes([]), {SHEET: _sheet_xml(_header_xml() + far)})


_LAUGHS = ('<!DOCTYPE worksheet [<!ENTITY l0 "lol">'
           + "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
           + "]>")
_EXTERNAL = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


def dtd_xlsx(kind: str) -> bytes:
    """A ledger whose sheet carries a DTD: ``laughs`` (billion laughs, the entity used in a
    cell), ``external`` (an external entity), ``utf16`` (the laughs in a UTF-16 sheet), or
    ``strings`` (the DTD in another part, [Content_Types].xml)."""
    if kind == "strings":
        base = xlsx_bytes([ledger_row(1)])
        types = zipfile.ZipFile(io.BytesIO(base)).read("[Content_Types].xml").decode()
        body = types.replace("<Types", _EXTERNAL + "<Types", 1)
        if not body.startswith("<?xml"):
            body = '<?xml version="1.0"?>' + body
        return with_parts(base, {"[Content_Types].xml": body.encode()})
    entity = "l9" if kind in ("laughs", "utf16") else "secret"
    dtd = _EXTERNAL if kind == "external" else _LAUGHS
    row = f'<row r="2"><c r="A2" t="inlineStr"><is><t>&{entity};</t></is></c></row>'
    text = (f'<?xml version="1.0" encoding="{"UTF-16" if kind == "utf16" else "UTF-8"}"?>\n{dtd}'
            f'<worksheet xmlns="{_SHEET_NS}"><sheetData>{_header_xml()}{row}</sheetData></worksheet>')
    return with_parts(xlsx_bytes([]), {SHEET: text.encode("utf-16" if kind == "utf16" else "utf-8")})


def broken_sheet_xlsx() -> bytes:
    """A ledger whose sheet XML stops in the middle of a row."""
    return with_parts(xlsx_bytes([ledger_row(1)]), {SHEET: _sheet_xml(_header_xml())[:-40]})
