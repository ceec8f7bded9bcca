"""Search the whole database for a string: where does a person's openid still appear?"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String, Text, cast, func, select
from sqlalchemy.orm import Session

from bot.models import Base


def mentions(session: Session, needle: str) -> list[str]:
    """``table.column`` once per row whose text or JSON value contains ``needle``.

    Binary columns are left out: the only ones hold encrypted answers or image bytes.
    """
    found = []
    pattern = f"%{needle}%"
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, JSON):
                expr: Any = cast(column, Text)
            elif isinstance(column.type, String | Text):
                expr = column
            else:
                continue
            hits = session.scalar(select(func.count()).select_from(table).where(expr.like(pattern))) or 0
            found += [f"{table.name}.{column.name}"] * hits
    return found
