"""Reports page: the week's 周调度统计表 draft, its free-text rows, confirm and download; the
附件2 ledger; the campaigns (专项行动) with their progress. Officers and admins only."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from bot.console import bp
from bot.models import Campaign, WeeklyReport
from bot.models.campaign import TEXT_ROWS
from bot.services.forms import campaigns, exports, periods, report_files
from bot.services.forms.campaigns import ReportError
from bot.services.forms.figures import weekly_figures
from bot.services.forms.periods import StatsError
from bot.services.platform.clock import local, utcnow

MAX_TEXT_CHARS = 2000
CADENCE_NAMES = {"weekly": "每周", "monthly": "每月"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_region() -> str:
    """The region whose tables this person reads (the monthly page uses it too)."""
    if g.scope.is_manager:
        abort(403)
    return g.scope.region_code or "140000"  # an admin files for the province


def local_today() -> date:
    """Today in Asia/Shanghai: the forms are dated locally."""
    return local(utcnow()).date()


def _selection(values: Any) -> tuple[str, Campaign | None, list[str]]:
    """(week, campaign, errors) from the request; a bad week falls back to this one.

    Without a week, the one the region files now (``periods.current_week``: the week it still
    owes until that week-end, else the one running)."""
    errors = []
    raw = (values.get("week") or "").strip()
    week = raw or periods.week_of(utcnow())
    try:
        periods.parse_week(week)
    except StatsError as exc:
        errors.append(str(exc))
        week = periods.week_of(utcnow())
    key = (values.get("campaign") or "").strip()
    campaign = None
    try:
        campaign = periods.campaign_for_week(g.db, week, key[:64] or None)
    except StatsError as exc:
        errors.append(str(exc))
    if not raw and campaign is not None and campaign.cadence == "weekly":
        week = periods.current_week(g.db, campaign, report_region(), utcnow())
    return week, campaign, errors


def _weeks(week: str, campaign: Campaign | None, region: str) -> list[tuple[str, str]]:
    """The weekly campaign's weeks by their dates, for the selector (the one shown among them)."""
    if campaign is None or campaign.cadence != "weekly":
        return []
    weeks = periods.campaign_weeks(campaign)
    if week not in {key for key, _ in weeks}:
        weeks.insert(0, (week, _label(week, campaign, region)))
    return weeks


def _label(week: str, campaign: Campaign | None, region: str) -> str:
    """The week as its dates ("2025年1月10日12时至1月17日12时"), the region's edges."""
    if campaign is None:
        return periods.period_label(periods.campaign_windows(None, week)[0])
    return campaigns.week_label(g.db, campaign, region, week)


def _progress(campaign: Campaign, region: str, today: date) -> dict[str, Any]:
    span = max((campaign.ends_on - campaign.starts_on).days, 1)
    elapsed = min(max((today - campaign.starts_on).days, 0), span)
    filed = g.db.scalar(select(func.count()).select_from(WeeklyReport).where(
        WeeklyReport.campaign_id == campaign.id, WeeklyReport.region_code == region,
        WeeklyReport.status == "confirmed")) or 0
    state = "未开始" if today < campaign.starts_on else "已结束" if today > campaign.ends_on else "进行中"
    return {"c": campaign, "percent": round(100 * elapsed / span), "filed": filed, "state": state,
            "cadence": CADENCE_NAMES.get(campaign.cadence, campaign.cadence)}


@bp.get("/reports")
def reports() -> str:
    region = report_region()
    week, campaign, errors = _selection(request.args)
    today = local_today()
    report = campaigns.get_report(g.db, campaign, region, week) if campaign else None
    rows: list[list[Any]] = []
    two_sessions = campaign is not None and campaign.form == "two_sessions"
    if not two_sessions:
        figures = weekly_figures(g.db, region, week, campaign)
        rows = exports.weekly_rows(figures, report.texts if report else None)
    all_campaigns = list(g.db.scalars(select(Campaign).order_by(Campaign.starts_on.desc())))
    filing = campaigns.filing_status(g.db, campaign, week) if campaign and region == "140000" else {}
    return render_template(
        "console/reports.html", active="reports", week=week, period=_label(week, campaign, region),
        weeks=_weeks(week, campaign, region),
        campaign=campaign, report=report, rows=rows,
        errors=errors, text_rows=TEXT_ROWS, two_sessions=two_sessions, filing=filing,
        weekly_campaigns=[c for c in all_campaigns if c.cadence == "weekly"],
        progress=[_progress(c, region, today) for c in all_campaigns],
    )


def _back(week: str, campaign: Campaign | None) -> Response:
    return redirect(url_for("console.reports", week=week, campaign=campaign.id if campaign else None))


@bp.post("/reports/texts")
def report_texts() -> Response:
    report_region()  # a manager: 403
    week, campaign, errors = _selection(request.form)
    try:
        region = campaigns.filing_region(g.user)
    except ReportError as exc:
        flash(str(exc))
        return _back(week, campaign)
    if errors or campaign is None:
        flash(errors[0] if errors else f"{week}没有进行中的专项行动，不能保存周报草稿。")
        return _back(week, campaign)
    texts = {name: (request.form.get(name) or "").strip() for name in TEXT_ROWS}
    too_long = [name for name, text in texts.items() if len(text) > MAX_TEXT_CHARS]
    if too_long:
        flash(f"“{'、'.join(too_long)}”超过{MAX_TEXT_CHARS}字，请精简后再保存。")
        return _back(week, campaign)
    try:
        campaigns.save_draft(g.db, campaign, region, week, texts, utcnow())
        g.db.commit()
        flash("草稿已保存。")
    except ReportError as exc:
        g.db.rollback()
        flash(str(exc))
    return _back(week, campaign)


@bp.get("/reports/confirm")
def report_confirm_step() -> Response | str:
    """确认报送's "are you sure?" page: what is filed, that it freezes; its form alone files it.

    The button on the reports page comes here; nothing is written until the officer confirms
    again (取消 goes back to the draft)."""
    region = report_region()  # a manager: 403
    week, campaign, errors = _selection(request.args)
    if errors or campaign is None:
        flash(errors[0] if errors else f"{week}没有进行中的专项行动，不能确认报送。")
        return _back(week, campaign)
    try:
        region = campaigns.filing_region(g.user)
    except ReportError as exc:
        flash(str(exc))
        return _back(week, campaign)
    report = campaigns.get_report(g.db, campaign, region, week)
    title = "专项督查进展统计表" if campaign.form == "two_sessions" else "周调度统计表"
    if report is not None and report.status == "confirmed":
        flash(f"{_label(week, campaign, region)}{title}已确认报送，不能再修改。")
        return _back(week, campaign)
    return render_template(
        "console/confirm.html", active="reports", heading=f"确认报送{title}？",
        warning="确认报送后，本期数据即冻结，不能再修改或撤回。请核对无误后再确认。",
        details=[("统计期间", _label(week, campaign, region)), ("专项行动", campaign.name),
                 ("填报单位", g.scope.label), ("当前状态", "草稿" if report else "未填报（文字栏目为空）")],
        action=url_for("console.report_confirm"), hidden=[("week", week), ("campaign", campaign.id)],
        yes="确认报送", button_name=None, button_value=None,
        cancel=url_for("console.reports", week=week, campaign=campaign.id),
    )


@bp.post("/reports/confirm")
def report_confirm() -> Response:
    report_region()  # a manager: 403
    week, campaign, errors = _selection(request.form)
    if errors or campaign is None:
        flash(errors[0] if errors else f"{week}没有进行中的专项行动，不能确认报送。")
    else:
        try:
            region = campaigns.filing_region(g.user)
            campaigns.confirm(g.db, campaign, region, week, g.user.id, utcnow())
            g.db.commit()
            title = "专项督查进展统计表" if campaign.form == "two_sessions" else "周调度统计表"
            flash(f"{_label(week, campaign, region)}{title}已确认报送。")
        except ReportError as exc:
            g.db.rollback()
            flash(str(exc))
    return _back(week, campaign)


def xlsx_response(sheets: list[exports.Sheet], name: str) -> Response:
    """A workbook built in memory, sent as a download named ``name``."""
    buf = io.BytesIO()
    exports.write_workbook(buf, sheets)
    buf.seek(0)
    return send_file(buf, mimetype=XLSX, as_attachment=True, download_name=name)


@bp.get("/reports/weekly.xlsx")
def report_weekly_file() -> Response:
    region = report_region()
    week, campaign, errors = _selection(request.args)
    if errors:
        abort(400, description=errors[0])
    sheets = report_files.weekly_sheets(g.db, region, week, campaign, local_today())
    return xlsx_response(sheets, f"周调度统计表_{g.scope.label}_{_label(week, campaign, region)}.xlsx")


@bp.get("/reports/ledger.xlsx")
def report_ledger_file() -> Response:
    region = report_region()
    raw_week = (request.args.get("week") or "").strip()
    week, campaign, errors = _selection(request.args) if raw_week else (None, None, [])
    if errors:
        abort(400, description=errors[0])
    sheet, _count = report_files.ledger_sheet(g.db, region, week, campaign, local_today())
    return xlsx_response([sheet], f"重大事故隐患台账_{g.scope.label}{'_' + week if week else ''}.xlsx")
