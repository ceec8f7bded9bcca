"""The dashboard page: the figures of ``bot/services/forms/dashboard.py`` drawn by ECharts.

The figures go into the page as JSON (Jinja's ``tojson`` escapes ``<``, so a county or
enterprise name cannot end the script block); ``static/console/dashboard.js`` draws them
with the vendored ECharts (``static/vendor/echarts``, no CDN) and turns a click on a bar
into the ledger URL with that bar's filters.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import g, render_template, url_for

from bot.console import bp
from bot.services.forms import dashboard
from bot.services.platform.clock import utcnow


def _chart(bars: list[dashboard.Bar]) -> list[dict[str, Any]]:
    return [asdict(b) | {"url": _ledger_url(b.link)} for b in bars]


def _ledger_url(filters: dict[str, Any]) -> str:
    # Typed as Any because url_for's own options (_external: bool…) share its keywords; the
    # ledger's filter names never start with "_", so none of them is taken for an option.
    return url_for("console.ledger", **filters)


def dashboard_page() -> str:
    board = dashboard.build(g.db, g.scope, now=utcnow())
    data = {
        "weekly_found": _chart(board.weekly_found),
        "weekly_closed": _chart(board.weekly_closed),
        "major_by_county": _chart(board.major_by_county),
        "overdue_by_enterprise": _chart(board.overdue_by_enterprise),
        "sources": _chart(board.sources),
        "rate_by_level": _chart(board.rate_by_level),
    }
    return render_template("console/dashboard.html", active="dashboard", data=data, totals=board.totals)


bp.add_url_rule("/", endpoint="dashboard", view_func=dashboard_page)
