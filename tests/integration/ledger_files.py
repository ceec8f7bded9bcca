"""Ledger files as officers make them: written by openpyxl (real cell types) or by hand as CSV."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
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
        "风险等级": "A",
        "主要负责人": "张三",
        "安全负责人": "李四",
        "安全负责人电话": "13800000000",
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
