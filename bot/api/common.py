"""What every API view shares: a session per request, the clock, JSON bodies, settings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import current_app, request
from sqlalchemy.orm import Session

from bot.api.errors import ApiError
from bot.db import session_factory
from bot.services.platform.clock import utcnow


@contextmanager
def db_session() -> Iterator[Session]:
    """One session for the request; rolled back unless the view committed."""
    with session_factory()() as session:
        yield session


def now() -> datetime:
    return utcnow()


def config(section: str) -> dict[str, Any]:
    return current_app.config["HAZARDBOT"][section]  # type: ignore[no-any-return]


def json_object() -> dict[str, Any]:
    """The request's JSON object; 400 ``invalid_json`` for anything else."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "请求内容须为 JSON 对象。")
    return data


def string_field(data: dict[str, Any], name: str, *, required: bool = True, max_chars: int = 500,
                 label: str | None = None) -> str | None:
    """A string member of a JSON body, stripped; 400 ``missing_field`` / ``invalid_field``."""
    value = data.get(name)
    what = label or name
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ApiError(400, "missing_field", f"缺少必填项：{what}。", field=name)
        return None
    if not isinstance(value, str):
        raise ApiError(400, "invalid_field", f"{what}须为文本。", field=name)
    value = value.strip()
    if "\x00" in value:
        raise ApiError(400, "invalid_characters", f"{what}含有无效字符。", field=name)
    if len(value) > max_chars:
        raise ApiError(400, "invalid_field", f"{what}太长了（最多 {max_chars} 字）。", field=name)
    return value


def limit_arg(default: int = 20, maximum: int = 100) -> int:
    raw = request.args.get("limit")
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= maximum:
        raise ApiError(400, "invalid_parameter", f"limit 须为 1–{maximum} 之间的整数。", field="limit")
    return int(raw)
