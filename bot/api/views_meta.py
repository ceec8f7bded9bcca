"""The API's description of itself: the OpenAPI document at ``/api/v1/openapi.json``."""

from __future__ import annotations

from bot.api.blueprint import bp
from bot.api.openapi import document


@bp.get("/openapi.json")
def openapi_json() -> dict[str, object]:
    return document()
