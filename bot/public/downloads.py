"""``/reports/<token>``: the weekly table an officer asked for in chat, as an .xlsx download.

The token is the signed, expiring link of ``bot/services/forms/weekly_tables.py``: whoever holds it
may download that one table until it expires, and nothing else (it cannot be edited into
another region or week). The workbook is built in memory and sent as it is; nothing is kept.
"""

from __future__ import annotations

import io
import logging

from flask import Blueprint, Response, current_app, send_file

from bot.db import session_factory
from bot.models import Campaign
from bot.services.forms import exports, periods
from bot.services.forms.weekly_tables import LinkError, ReportLinks, table_filename, table_sheets
from bot.services.platform.clock import local, utcnow

bp = Blueprint("downloads", __name__)
log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _refusal(message: str, status: int) -> Response:
    return Response(message, status=status, mimetype="text/plain; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


@bp.get("/reports/<token>")
def weekly_table(token: str) -> Response:
    links: ReportLinks = current_app.extensions["report_links"]
    try:
        target = links.read(token)
    except LinkError as exc:
        log.info("weekly table link refused (%s)", "expired" if exc.expired else "bad signature")
        return _refusal(str(exc), 410 if exc.expired else 404)
    with session_factory()() as session:
        campaign = session.get(Campaign, target.campaign_id)
        if campaign is None:
            return _refusal("该专项行动已不存在。", 404)
        try:
            sheets = table_sheets(session, campaign, target.region_code, target.week, local(utcnow()).date())
        except periods.StatsError as exc:
            return _refusal(str(exc), 404)
        filename = table_filename(session, campaign, target.region_code, target.week)
    buffer = io.BytesIO()
    exports.write_workbook(buffer, sheets)
    buffer.seek(0)
    response = send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
