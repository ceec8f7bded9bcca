"""The ``/api/v1`` blueprint object, alone so that view modules can import it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
def openapi_json() -> dict[str, object]:
    from bot.api.openapi import document

    return document()


@bp.before_request
def refuse_nul_characters() -> None:
    """No NUL in a path or query: PostgreSQL text cannot hold it (a 500 otherwise), and no
    person types one. Form and JSON fields are checked where they are read."""
    from flask import request

    from bot.api.errors import ApiError

    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        raise ApiError(400, "invalid_characters", "请求中含有无效字符。")
