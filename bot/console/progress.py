"""Monthly progress page of a monthly campaign (002's task list): one note per measure, saved as a
draft, confirmed (then frozen), downloaded as the monthly .xlsx; the province sees which cities
filed the month. Same scope as the weekly table: an officer writes for his own region only
(``campaigns.filing_region``), an admin reads the province's, a manager gets 403.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from bot.console import bp
from bot.console.reports import local_today, report_region, xlsx_response
from bot.models import Campaign, Region
from bot.services.forms import campaigns, task_lists
from bot.services.forms.campaigns import ReportError
from bot.services.forms.exports_tasks import monthly_sheet
from bot.services.platform.clock import local, utcnow


def _selection(values: Any) -> tuple[Campaign, str, list[str]]:
    """(campaign, month, errors): the named monthly campaign, else the latest one; a bad month
    falls back to the default one (this month, kept within the campaign's period)."""
    key = (values.get("campaign") or "").strip()[:64]
    query = select(Campaign).where(Campaign.cadence == "monthly")
    if key.isdigit():
        query = query.where(Campaign.id == int(key))
    campaign = g.db.scalars(query.order_by(Campaign.starts_on.desc())).first()
    if campaign is None:
        abort(404)
    errors = []
    month = (values.get("month") or "").strip()[:10]
    if month:
        try:
            task_lists.check_month(campaign, month)
        except ReportError as exc:
            errors.append(str(exc))
            month = ""
    return campaign, month or task_lists.default_month(campaign, local_today()), errors


def _back(campaign: Campaign, month: str) -> Response:
    return redirect(url_for("console.monthly_progress", campaign=campaign.id, month=month))


def _notes(campaign: Campaign) -> dict[int, str]:
    """The form's note per measure (``progress-<n>``), stripped; measures not on the form are left out."""
    notes = {}
    for task in task_lists.tasks_of(g.db, campaign):
        value = request.form.get(f"progress-{task.measure_no}")
        if value is not None:
            notes[task.measure_no] = value.strip()
    return notes


@bp.get("/reports/monthly")
def monthly_progress() -> str:
    region = report_region()
    campaign, month, errors = _selection(request.args)
    report = campaigns.get_report(g.db, campaign, region, month)
    rows = task_lists.monthly_progress(g.db, campaign, region, month)
    filing = campaigns.filing_status(g.db, campaign, month) if region == "140000" else {}
    return render_template(
        "console/monthly.html", active="reports", campaign=campaign, month=month, report=report,
        rows=rows, errors=errors, filing=filing, months=task_lists.campaign_months(campaign),
        max_chars=task_lists.MAX_PROGRESS_CHARS,
    )


@bp.post("/reports/monthly/save")
def monthly_progress_save() -> Response | str:
    report_region()  # a manager: 403
    campaign, month, errors = _selection(request.form)
    if errors:
        flash(errors[0])
        return _back(campaign, month)
    if request.form.get("action") == "review":
        return _confirm_step(campaign, month)
    confirming = request.form.get("action") == "confirm"
    try:
        region = campaigns.filing_region(g.user)
        if confirming:
            task_lists.confirm_progress(g.db, campaign, region, month, _notes(campaign), g.user.id, utcnow())
        else:
            task_lists.save_progress(g.db, campaign, region, month, _notes(campaign), utcnow())
        g.db.commit()
        flash(f"{month}的进展情况已确认报送。" if confirming else "草稿已保存。")
    except ReportError as exc:
        g.db.rollback()
        flash(str(exc))
    return _back(campaign, month)


def _confirm_step(campaign: Campaign, month: str) -> Response | str:
    """确认报送's "are you sure?" page. The notes typed so far are saved as the draft first (so
    取消 loses nothing and leaves a draft); the page's form carries them and alone freezes the month."""
    try:
        region = campaigns.filing_region(g.user)
        report = task_lists.save_progress(g.db, campaign, region, month, _notes(campaign), utcnow())
        g.db.commit()
    except ReportError as exc:
        g.db.rollback()
        flash(str(exc))
        return _back(campaign, month)
    notes = {int(k): str(v) for k, v in (report.texts or {}).items() if str(v).strip()}
    if not notes:
        flash("请至少填写一条措施的进展情况后再确认报送。")
        return _back(campaign, month)
    return render_template(
        "console/confirm.html", active="reports", heading=f"确认报送{month}的进展情况？",
        warning="确认报送后，该月进展情况即冻结，不能再修改或撤回。已填写的内容已保存为草稿；如需修改，请点“取消”。",
        details=[("专项行动", campaign.name), ("月份", month), ("填报单位", g.scope.label),
                 ("已填写", f"{len(notes)} 条措施的进展情况")],
        action=url_for("console.monthly_progress_save"),
        hidden=[("campaign", campaign.id), ("month", month),
                *((f"progress-{n}", text) for n, text in sorted(notes.items()))],
        yes="确认报送", button_name="action", button_value="confirm",
        cancel=url_for("console.monthly_progress", campaign=campaign.id, month=month),
    )


@bp.get("/reports/monthly.xlsx")
def monthly_progress_file() -> Response:
    region_code = report_region()
    campaign, month, errors = _selection(request.args)
    if errors:
        abort(400, description=errors[0])
    region = g.db.get(Region, region_code)
    report = campaigns.get_report(g.db, campaign, region_code, month)
    filed_on = local(report.confirmed_at).date() if report and report.confirmed_at else local_today()
    rows = task_lists.monthly_progress(g.db, campaign, region_code, month)
    sheet = monthly_sheet(region.name if region else region_code, month, rows, filed_on)
    return xlsx_response([sheet], f"重点工作进展情况_{g.scope.label}_{month}.xlsx")
