"""The ``/api/v1`` blueprint object, alone so that view modules can import it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
def openapi_json() -> dict[str, object]:
    from bot.api.openapi import document

    return document()
