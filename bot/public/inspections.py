"""The 附件5 hazard list of an inspection, downloaded through the link sent in chat."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app

from bot.db import session_factory
from bot.services.inspections import inspection_export as export

bp = Blueprint("inspection_lists", __name__)

_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@bp.get("/inspections/<token>/hazard-list.<kind>")
def hazard_list(token: str, kind: str) -> Response:
    if kind not in _TYPES:
        abort(404)
    store = current_app.extensions["media_store"]
    with session_factory(current_app)() as session:
        inspection = export.find_by_token(session, token)
        if inspection is None:
            abort(404)
        data = export.hazard_list(session, inspection, store=store)
    body = export.render_xlsx(data) if kind == "xlsx" else export.render_pdf(data)
    name = f"检查问题隐患清单-{data.enterprise}-{data.date}.{kind}"
    return Response(body, mimetype=_TYPES[kind], headers={
        "Content-Disposition": f"attachment; filename=hazard-list.{kind}; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "private, no-store",
    })
