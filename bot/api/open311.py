"""Open311 GeoReport v2, read-only: what other civic tools may know of our reports.

Public and non-identifying only. A report appears once an officer has graded it (the
enterprise has been told by then; before that, even its existence could point at the worker
who reported), never when rejected or merged. No description, no coordinates, no reporter:
the number, the level (the "service"), the state, the enterprise and county, the day it was
reported, the 整改期限 and the unit in charge. Dates are days, not times, so that a report
cannot be matched to a person's movements.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select

from bot.db import session_factory
from bot.models import Hazard
from bot.services.hazards import workflow_texts as T
from bot.services.platform.clock import local, local_tz
from bot.services.registry import enterprises

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

PUBLIC_STATES = ("rectifying", "awaiting_verification", "closed")
SERVICES = {
    "general": ("一般隐患", "一般安全生产事故隐患（已定级）。"),
    "major": ("重大事故隐患", "依《工贸企业重大事故隐患判定标准》判定的重大事故隐患（已定级）。"),
}
MAX_RESULTS = 200
DEFAULT_DAYS = 90


def _error(status: int, description: str) -> Response:
    response = jsonify([{"code": status, "description": description}])
    response.status_code = status
    return response


@bp.get("/discovery.json")
def discovery() -> dict[str, Any]:
    base = request.url_root.rstrip("/") + bp.url_prefix  # type: ignore[operator]
    return {
        "changeset": "2026-11-24T00:00:00+08:00",
        "contact": "山西省应急管理厅 冶金工贸安全监管",
        "key_service": "只读接口，无需 API key。",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                       "changeset": "2026-11-24T00:00:00+08:00", "type": "production",
                       "formats": ["application/json"]}],
    }


@bp.get("/services.json")
def services() -> Response:
    return jsonify([
        {"service_code": code, "service_name": name, "description": text, "metadata": False,
         "type": "realtime", "keywords": "安全生产,隐患", "group": "冶金工贸"}
        for code, (name, text) in SERVICES.items()
    ])


@bp.get("/requests.json")
def requests_list() -> Response:
    args = request.args
    try:
        start = _day(args.get("start_date"))
        end = _day(args.get("end_date"))
    except ValueError:
        return _error(400, "start_date / end_date 须为日期，如 2026-11-01。")
    status = args.get("status")
    if status not in (None, "open", "closed"):
        return _error(400, "status 须为 open 或 closed。")
    codes = [c for c in (args.get("service_code") or "").split(",") if c]
    if any(c not in SERVICES for c in codes):
        return _error(400, "service_code 须为 general 或 major。")
    if end is None:
        end = local(datetime.now(local_tz())).date()
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS)
    if start > end:
        return _error(400, "start_date 不能晚于 end_date。")
    query = (
        select(Hazard)
        .where(Hazard.state.in_(PUBLIC_STATES), Hazard.level.is_not(None))
        .where(Hazard.reported_at >= _midnight(start),
               Hazard.reported_at < _midnight(end + timedelta(days=1)))
        .order_by(Hazard.reported_at.desc(), Hazard.id.desc()).limit(MAX_RESULTS)
    )
    if status == "closed":
        query = query.where(Hazard.state == "closed")
    elif status == "open":
        query = query.where(Hazard.state != "closed")
    if codes:
        query = query.where(Hazard.level.in_(codes))
    with session_factory()() as session:
        return jsonify([_public(session, h) for h in session.scalars(query)])


@bp.get("/requests/<number>.json")
def request_one(number: str) -> Response:
    if len(number) > 30 or "\x00" in number:
        return _error(404, "没有找到该编号的公开隐患。")
    with session_factory()() as session:
        hazard = session.scalars(select(Hazard).where(Hazard.number == number.strip().upper())).one_or_none()
        if hazard is None or hazard.state not in PUBLIC_STATES or hazard.level is None:
            return _error(404, "没有找到该编号的公开隐患。")
        return jsonify([_public(session, hazard)])


def _public(session: Any, hazard: Hazard) -> dict[str, Any]:
    level = hazard.level or "general"
    return {
        "service_request_id": hazard.number,
        "status": "closed" if hazard.state == "closed" else "open",
        "status_notes": T.STATE_NAMES.get(hazard.state, hazard.state),
        "service_name": SERVICES[level][0],
        "service_code": level,
        "agency_responsible": hazard.supervising_unit or hazard.check_unit,
        "requested_datetime": _day_iso(hazard.reported_at),
        "updated_datetime": _day_iso(hazard.closed_at) if hazard.closed_at else None,
        "expected_datetime": _midnight(hazard.deadline).isoformat() if hazard.deadline else None,
        "address": f"{hazard.enterprise_name}（{enterprises.region_name(session, hazard.region_code)}）",
    }


def _day(raw: str | None) -> date | None:
    if not raw:
        return None
    if len(raw) > 40:
        raise ValueError(raw)
    return date.fromisoformat(raw[:10])


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_tz())


def _day_iso(at: datetime) -> str:
    return _midnight(local(at).date()).isoformat()
