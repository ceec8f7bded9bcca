"""Inspections (检查) in the console: the list under the user's scope, one inspection's page,
and its 附件5 hazard list as .xlsx or PDF.

The downloads are the same files as the chat's token links (``bot/public/inspections.py``),
built by ``inspection_export``; here they are reached by id behind the sign-in and the
scope, so an inspection outside it is 404 exactly like an unknown one.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import abort, current_app, g, render_template, request
from werkzeug.wrappers import Response

from bot.console import bp
from bot.models import Inspection
from bot.services.hazards.workflow_texts import LEVEL_NAMES, STATE_NAMES
from bot.services.inspections import inspection_export, inspection_overview, walks
from bot.services.inspections.inspection_overview import InspectionFilters, InspectionRow
from bot.services.inspections.walks import STAGE_NAMES

FILE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@bp.get("/inspections")
def inspection_list() -> str:
    filters = InspectionFilters.from_args(request.args)
    page = inspection_overview.search(g.db, g.scope, filters,
                                      page_size=int(current_app.config["HAZARDBOT"]["console"]["page_size"]))
    return render_template("console/inspections.html", active="inspections", f=filters, page=page,
                           stages=STAGE_NAMES, states=inspection_overview.STATE_NAMES)


def _visible(inspection_id: int) -> tuple[InspectionRow, Inspection]:
    row = inspection_overview.visible(g.db, g.scope, inspection_id)
    inspection = g.db.get(Inspection, inspection_id) if row else None
    if row is None or inspection is None:
        abort(404)
    return row, inspection


@bp.get("/inspections/<int:inspection_id>")
def inspection(inspection_id: int) -> str:
    """One inspection. A finding is linked only if the user may open its hazard: a city's
    交叉检查 elsewhere shows the inspector his findings, which the other city handles. Each
    finding from a checklist item shows the clause: its citation and its text, the text marked
    待核对 when not yet checked against the gazette (the printed list cites the article only)."""
    row, found = _visible(inspection_id)
    findings = [h for _, h in walks.findings(g.db, found)]
    return render_template(
        "console/inspection.html", active="inspections", i=row,
        progress=walks.progress(g.db, found), result_names=walks.RESULT_NAMES,
        findings=findings, openable={h.id for h in findings if g.scope.sees_hazard(h)},
        clauses=walks.clauses(g.db, found),
        levels=LEVEL_NAMES, hazard_states=STATE_NAMES,
    )


@bp.get("/inspections/<int:inspection_id>/hazard-list.<kind>")
def inspection_hazard_list(inspection_id: int, kind: str) -> Response:
    """附件5 检查问题隐患清单 of an inspection the user may see."""
    if kind not in FILE_TYPES:
        abort(404)
    _, found = _visible(inspection_id)
    store = current_app.extensions["media_store"]
    data = inspection_export.hazard_list(g.db, found, store=store)
    body = inspection_export.render_xlsx(data) if kind == "xlsx" else inspection_export.render_pdf(data)
    name = f"检查问题隐患清单-{data.enterprise}-{data.date}.{kind}"
    return Response(body, mimetype=FILE_TYPES[kind], headers={
        "Content-Disposition": f"attachment; filename=hazard-list.{kind}; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "private, no-store",
    })
