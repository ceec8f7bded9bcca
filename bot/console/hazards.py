"""The hazard ledger (filters, sort, pages, export) and the hazard page (fields, photos, history,
actions)."""

from __future__ import annotations

import io
import logging
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from bot.console import bp, evidence
from bot.console.actions import ACTION_LABELS, PENALTY_FLAGS, STEPS, offered_steps, step_title
from bot.media_responses import send_stored
from bot.models import Attachment, Enterprise, Hazard, HazardEvent, Region, User
from bot.models.enterprise import INDUSTRIES
from bot.services.forms import exports
from bot.services.hazards import clause_hints, duplicates, hazard_search, lifecycle
from bot.services.hazards.citations import cited
from bot.services.hazards.hazard_search import SORTS, SOURCE_NAMES, HazardFilters
from bot.services.hazards.rectification import plan_of
from bot.services.hazards.workflow_common import WorkflowError, find_hazard
from bot.services.hazards.workflow_texts import LEVEL_NAMES, STATE_NAMES
from bot.services.inspections import inspection_overview
from bot.services.people import anonymity
from bot.services.people.console_scope import ROLE_NAMES
from bot.services.platform.clock import format_local, local, utcnow

log = logging.getLogger(__name__)
# What a manager may not see of a hazard: where it came from (the whistleblower rule).
MANAGER_HIDDEN_ACTIONS = {"submit", "reject", "merge_in", "supplement", "reward_open", "reward_approve",
                          "reward_paid"}


def _today() -> Any:
    return local(utcnow()).date()


def _region_choices() -> list[tuple[str, str]]:
    """The regions a user may filter by: his own and every division under it."""
    if g.scope.is_manager:
        return []
    query = select(Region.code, Region.name).order_by(Region.code)
    if g.scope.region_codes is not None:
        query = query.where(Region.code.in_(g.scope.region_codes))
    return [(c, n) for c, n in g.db.execute(query.limit(300))]


@bp.get("/hazards")
def ledger() -> str:
    filters = HazardFilters.from_args(request.args)
    if g.scope.is_manager:
        filters.source = ""  # managers never see or filter by the channel
    page = hazard_search.search(g.db, g.scope, filters, today=_today(),
                                page_size=int(current_app.config["HAZARDBOT"]["console"]["page_size"]))
    enterprise_name = g.db.scalar(select(Enterprise.name).where(Enterprise.id == filters.enterprise_id)) \
        if filters.enterprise_id else None
    return render_template(
        "console/ledger.html", active="ledger", f=filters, page=page, regions=_region_choices(),
        industries=INDUSTRIES, levels=LEVEL_NAMES, sources=SOURCE_NAMES, states=STATE_NAMES, sorts=SORTS,
        enterprise_name=enterprise_name,
    )


@bp.get("/hazards/export.xlsx")
def ledger_export() -> Response:
    if g.scope.is_manager:
        abort(403)
    filters = HazardFilters.from_args(request.args)
    rows = hazard_search.export_rows(g.db, g.scope, filters, today=_today())
    sheet = exports.Sheet(
        name="隐患台账", title="隐患台账（按筛选条件导出）",
        filer_line=f"导出单位：{g.scope.label}          导出时间：{format_local(utcnow())}",
        header_rows=[list(hazard_search.EXPORT_HEADERS)], merges=[], body=rows,
        widths=(6, 18, 24, 12, 8, 10, 12, 8, 16, 12, 8, 40, 24, 30, 18, 18, 8, 22),
    )
    buf = io.BytesIO()
    exports.write_workbook(buf, [sheet])
    buf.seek(0)
    return send_file(buf, as_attachment=True, download_name=f"隐患台账_{_today():%Y%m%d}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _visible_hazard(number: str) -> Hazard:
    """The hazard if this user may see it; 404 otherwise (the same for unknown and foreign)."""
    hazard = find_hazard(g.db, number[:30], lock=False)
    if hazard is None or not g.scope.sees_hazard(hazard):
        abort(404)
    return hazard


def _history(hazard: Hazard) -> list[dict[str, Any]]:
    events = list(g.db.scalars(select(HazardEvent).where(HazardEvent.hazard_id == hazard.id)
                               .order_by(HazardEvent.at, HazardEvent.id)))
    actor_ids = {e.actor_id for e in events if e.actor_id}
    actors = {u.id: u for u in g.db.scalars(select(User).where(User.id.in_(actor_ids)))} if actor_ids else {}
    rows = []
    for e in events:
        if g.scope.is_manager and e.action in MANAGER_HIDDEN_ACTIONS:
            continue
        actor = actors.get(e.actor_id) if e.actor_id else None
        if e.action == "submit":
            who = "报告人"
        elif e.action == "supplement":
            who = "补充人"  # a named one is a reporter too: his name only through 举报人
        elif actor is None:
            who = "系统"
        else:
            who = f"{actor.name or '用户' + str(actor.id)}（{ROLE_NAMES.get(actor.role, actor.role)}）"
        note = e.note or ""
        if g.scope.is_manager and note:
            note = anonymity.scrub_for_enterprise(g.db, hazard, note)
        rows.append({"at": e.at, "action": ACTION_LABELS.get(e.action, e.action), "who": who, "note": note,
                     "from": STATE_NAMES.get(e.from_state or "", ""), "to": STATE_NAMES.get(e.to_state, "")})
    return rows


def _detail(hazard: Hazard, *, reporter: Any = None, status: int = 200) -> tuple[str, int]:
    query = (select(Attachment).where(Attachment.hazard_id == hazard.id, Attachment.status == "stored",
                                      Attachment.kind == "photo")
             .order_by(Attachment.event_id.is_not(None), Attachment.seq, Attachment.id))
    photos = [a for a in g.db.scalars(query) if not g.scope.is_manager or a.event_id is not None]
    photo_groups = _photo_groups(hazard, photos)
    region = g.db.get(Region, hazard.region_code)
    steps = offered_steps(hazard, g.user, is_officer=g.scope.is_officer, is_manager=g.scope.is_manager)
    return render_template(
        "console/hazard.html", active="ledger", h=hazard, text=_free_text(hazard),
        region_name=region.name if region else hazard.region_code, photos=photos, photo_groups=photo_groups,
        history=_history(hazard), recordings=evidence.recordings_of(hazard),
        plan=plan_of(g.db, hazard), steps=steps, step_title=step_title, levels=LEVEL_NAMES,
        states=STATE_NAMES, sources=SOURCE_NAMES, penalty_flags=PENALTY_FLAGS, reporter=reporter,
        inspection=inspection_overview.inspection_of_hazard(g.db, g.scope, hazard),
        suggestions=clause_hints.suggest_for(g.db, hazard) if "classify" in steps else [],
        duplicates=_duplicates(hazard) if g.scope.is_officer else [],
        overdue=hazard.deadline is not None and hazard.deadline < _today()
        and hazard.state in hazard_search.OPEN_STATES,
    ), status


def _duplicates(hazard: Hazard) -> list[dict[str, Any]]:
    """The open reports of the same enterprise this one likely repeats (or that repeat it),
    each with the one-click 合并 of the later into the earlier, when the later may be merged."""
    if hazard.state not in hazard_search.OPEN_STATES:
        return []
    found = []
    for likely in duplicates.duplicates_of(g.db, hazard, now=utcnow()):
        other = likely.hazard
        later, earlier = (hazard, other) if (other.reported_at, other.id) < (hazard.reported_at, hazard.id) \
            else (other, hazard)
        found.append({"h": other, "score": likely.score, "merge": later.number, "into": earlier.number,
                      "can_merge": later.state in lifecycle.MERGE_STATES,
                      "excerpt": duplicates.excerpt(other.description)})
    return found


# Where a hazard came from when its own photos are an inspector's, not a reporter's.
_REPORT_SOURCES = ("worker_report", "public_report")
PHOTO_GROUPS = ("举报照片", "检查照片", "整改前", "整改后")


def _photo_groups(hazard: Hazard, photos: list[Attachment]) -> list[tuple[str, list[Attachment]]]:
    """The photos in labelled groups, in this order: the hazard's own (举报照片 for a report,
    检查照片 for an inspection's or a self-check's finding), then those of the rectification
    steps: 整改后 for the proof (提交整改), 整改前 for any earlier step. A group with no photo
    is left out; the manager never gets the hazard's own photos (``photos`` is already his)."""
    event_ids = {a.event_id for a in photos if a.event_id is not None}
    actions: dict[int, str] = {event_id: action for event_id, action in g.db.execute(
        select(HazardEvent.id, HazardEvent.action).where(HazardEvent.id.in_(event_ids)))} if event_ids else {}
    own = "举报照片" if hazard.source in _REPORT_SOURCES else "检查照片"
    groups: dict[str, list[Attachment]] = {label: [] for label in PHOTO_GROUPS}
    for a in photos:
        label = own if a.event_id is None else "整改后" if actions.get(a.event_id) == "proof" else "整改前"
        groups[label].append(a)
    return [(label, items) for label, items in groups.items() if items]


# The hazard's fields that hold free text, typed by a reporter or an officer.
_FREE_TEXT_FIELDS = ("description", "location_label", "basis", "measures", "remarks")


def _free_text(hazard: Hazard) -> dict[str, str]:
    """The free-text fields as this user may read them: as typed for officers and admins;
    for the enterprise's manager without anything that looks like identity (a phone, a
    身份证, "我是三车间的…"), whoever typed it and whether the report was named or not."""
    fields = {name: getattr(hazard, name) or "" for name in _FREE_TEXT_FIELDS}
    fields["basis"] = cited(hazard.basis) or ""
    if g.scope.is_manager:
        fields = {name: anonymity.scrub_for_enterprise(g.db, hazard, value) if value else ""
                  for name, value in fields.items()}
    return fields


@bp.get("/hazards/<number>")
def hazard(number: str) -> tuple[str, int]:
    return _detail(_visible_hazard(number))


@bp.post("/hazards/<number>/act/<step>")
def act(number: str, step: str) -> Response | tuple[str, int]:
    """One step through ``lifecycle``; a refusal is shown on the page in the service's words."""
    hazard = _visible_hazard(number)
    call = STEPS.get(step)
    if call is None:
        abort(404)
    settings = current_app.extensions["workflow_settings"]
    try:
        call.run(g.db, hazard.number, g.user, request.form, utcnow(), settings)
        g.db.commit()
    except WorkflowError as exc:
        g.db.rollback()
        log.info("console: %s on %s refused for user %s: %s", step, hazard.number, g.user.id, exc)
        g.db.expire_all()
        return _refused(number, str(exc))
    current_app.extensions["job_runner"].wake()  # send the messages the step queued
    flash(call.done)
    return redirect(url_for("console.hazard", number=hazard.number))


def _refused(number: str, message: str) -> tuple[str, int]:
    hazard = _visible_hazard(number)
    flash(message)
    return _detail(hazard, status=422)


@bp.post("/hazards/<number>/reporter")
def reporter(number: str) -> tuple[str, int]:
    """举报人: shown to an officer of the jurisdiction, each look logged (channel "console")."""
    hazard = _visible_hazard(number)
    try:
        view = lifecycle.reporter_identity(g.db, hazard.number, actor=g.user, channel="console", now=utcnow())
        g.db.commit()
    except WorkflowError as exc:
        g.db.rollback()
        return _refused(number, str(exc))
    return _detail(hazard, reporter=view)


@bp.get("/photos/<int:attachment_id>")
def photo(attachment_id: int) -> Response:
    """A stored (EXIF-free) photo, only to someone who may see its hazard."""
    attachment = g.db.get(Attachment, attachment_id)
    hazard = g.db.get(Hazard, attachment.hazard_id) if attachment and attachment.hazard_id else None
    if (attachment is None or hazard is None or attachment.status != "stored" or not attachment.relpath
            or not g.scope.sees_hazard(hazard) or (g.scope.is_manager and attachment.event_id is None)):
        abort(404)
    response = send_stored(attachment.relpath, attachment.content_type or "application/octet-stream")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
