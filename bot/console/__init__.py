"""The officers' web console at ``/console/``: ledger, hazard pages, dashboards, inspections, registry,
reports.

Views are thin: they parse the request, call ``bot/services`` (the same lifecycle service as
the chat, so the same rules and the same Chinese refusals) and render Jinja templates, which
autoescape everything a user typed. Every view runs under the signed-in user's scope
(``bot/services/people/console_scope.py``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, Flask, g, render_template
from werkzeug.exceptions import HTTPException

from bot.services.platform.clock import format_local

bp = Blueprint("console", __name__, url_prefix="/console")

ERROR_TEXTS = {
    400: "请求无效",
    401: "请先登录",
    403: "无权访问",
    404: "没有找到该页面或记录，或您无权查看",
    405: "不支持的操作",
    413: "上传的文件太大",
}


def init_app(app: Flask) -> None:
    """Register the blueprint with its views (imported for their routes)."""
    from bot.console import (  # noqa: F401
        auth,
        dashboard,
        hazards,
        inspections,
        login_scan,
        people,
        progress,
        registry,
        reports,
    )

    # Lax: WeChat's redirect back after authorization is a top-level GET, which keeps the
    # cookie; a cross-site POST does not (a second guard next to the CSRF token).
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if app.config["HAZARDBOT"]["app"]["public_base_url"].startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.register_blueprint(bp)


@bp.app_template_filter("local_time")
def _local_time(value: datetime | None) -> str:
    return format_local(value) if value else ""


@bp.app_template_filter("day")
def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


@bp.context_processor
def _inject() -> dict[str, Any]:
    from bot.console.auth import csrf_token

    return {"csrf_token": csrf_token, "me": g.get("user"), "scope": g.get("scope")}


@bp.errorhandler(HTTPException)
def _error(exc: HTTPException) -> tuple[str, int]:
    code = exc.code or 500
    message = exc.description if code == 400 else ERROR_TEXTS.get(code, "出错了")
    return render_template("console/error.html", code=code, message=message), code
