"""Campaigns (专项行动): which run when, and the reports filed for them.

A region's report for a week starts as a draft (figures computed live, free-text rows the
officer edits); confirming it freezes the figures as filed and stores where its window ended
(the cut-off, or now if earlier): the region's next week starts there (``periods.py``). The
province sees who has filed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Campaign, Region, User, WeeklyReport
from bot.models.campaign import TEXT_ROWS
from bot.services.forms import periods, two_sessions
from bot.services.forms.figures import StageFigures, WeeklyFigures, weekly_figures
from bot.services.people.roles import OFFICER_ROLES
from bot.services.platform.clock import local

FILERS_ONLY = "周调度表只能由监管人员填写和确认报送。"

class ReportError(ValueError):
    """A refused step (already confirmed, unknown text row); the message is shown as it is."""


def filing_region(user: User) -> str:
    """The region whose reports ``user`` may write and file: an officer's own region, never
    one he names. Everyone else is refused, the admin included: he reads every table but
    writes none (the console is read-only for him), and a filed table names who filed it.
    """
    if user.role not in OFFICER_ROLES or not user.region_code:
        raise ReportError(FILERS_ONLY)
    return user.region_code


def active_campaigns(session: Session, now: datetime, cadence: str | None = "weekly") -> list[Campaign]:
    today = local(now).date()
    query = select(Campaign).where(Campaign.starts_on <= today, Campaign.ends_on >= today)
    if cadence is not None:
        query = query.where(Campaign.cadence == cadence)
    return list(session.scalars(query.order_by(Campaign.id)))


def get_report(session: Session, campaign: Campaign, region_code: str, week: str) -> WeeklyReport | None:
    return session.scalars(select(WeeklyReport).where(
        WeeklyReport.campaign_id == campaign.id, WeeklyReport.region_code == region_code,
        WeeklyReport.period == week,
    )).first()


def save_draft(
    session: Session, campaign: Campaign, region_code: str, week: str, texts: dict[str, str],
    now: datetime,
) -> WeeklyReport:
    """Create or edit the draft's free-text rows (部署推进, 宣传曝光, 存在问题, 意见建议)."""
    unknown = set(texts) - set(TEXT_ROWS)
    if unknown:
        raise ReportError(f"没有“{'、'.join(sorted(unknown))}”这一栏")
    periods.parse_week(week)
    label = week_label(session, campaign, region_code, week)
    return edit_draft(session, campaign, region_code, week, texts, now,
                      refused=f"{label}的周调度表已确认报送，不能再修改")


def week_label(session: Session, campaign: Campaign, region_code: str, week: str) -> str:
    """The region's week as officers name it: "2025年1月10日12时至1月17日12时"."""
    this_week, _ = periods.campaign_windows(campaign, week, session=session, region_code=region_code)
    return periods.period_label(this_week)


def edit_draft(
    session: Session, campaign: Campaign, region_code: str, period: str, texts: dict[str, str],
    now: datetime, *, refused: str,
) -> WeeklyReport:
    """Merge ``texts`` into the period's draft, creating it; a confirmed report is filed as it
    stands, so editing it is refused with ``refused``. Weekly tables and monthly progress alike."""
    report = get_report(session, campaign, region_code, period)
    if report is None:
        report = WeeklyReport(campaign_id=campaign.id, region_code=region_code, period=period,
                              status="draft", texts={}, created_at=now)
        session.add(report)
    elif report.status == "confirmed":
        raise ReportError(refused)
    report.texts = {**(report.texts or {}), **texts}
    report.updated_at = now
    session.flush()
    return report


def confirm(
    session: Session, campaign: Campaign, region_code: str, week: str, officer_id: int, now: datetime
) -> WeeklyReport:
    """File the week's table: the figures computed now are stored and never recomputed.

    The figures are those of the campaign's form: 附件1's for a weekly dispatch campaign, the
    whole 2021 table (本周, 累计, the major-hazard list) for the Two Sessions one. A monthly
    campaign's period is a month ("2022-05"): its progress notes are what freezes.
    """
    report = get_report(session, campaign, region_code, week)
    if report is None and campaign.cadence == "monthly":
        report = WeeklyReport(campaign_id=campaign.id, region_code=region_code, period=week,
                              status="draft", texts={}, created_at=now)
        session.add(report)
    elif report is None:
        report = save_draft(session, campaign, region_code, week, {}, now)
    if report.status == "confirmed":
        if campaign.cadence == "monthly":
            raise ReportError(f"{week}的进展情况已确认报送")
        raise ReportError(f"{week_label(session, campaign, region_code, week)}的周调度表已确认报送")
    if campaign.cadence != "monthly":  # the window ends at the cut-off, or now if earlier
        report.period_end = min(now, periods.nominal_end(campaign, week))
        session.flush()  # the figures below are computed up to it; the next week starts there
    if campaign.cadence == "monthly":
        report.figures = {"month": week, "progress": dict(report.texts or {})}
    elif campaign.form == "two_sessions":
        table = two_sessions.two_sessions_table(session, region_code, week, campaign)
        officer = session.get(User, officer_id)
        table.filer = (officer.name or "") if officer is not None else ""
        report.figures = table.as_json()
    else:
        report.figures = weekly_figures(session, region_code, week, campaign).as_json()
    report.status = "confirmed"
    report.confirmed_by = officer_id
    report.confirmed_at = now
    report.updated_at = now
    session.flush()
    return report


def filing_status(session: Session, campaign: Campaign, week: str) -> dict[str, str]:
    """For the province: each city's name → "已报送" / "草稿" / "未报送" for the week."""
    cities = session.execute(
        select(Region.code, Region.name).where(Region.level == "prefecture_city").order_by(Region.code)
    ).all()
    reports: dict[str, str] = dict(session.execute(
        select(WeeklyReport.region_code, WeeklyReport.status).where(
            WeeklyReport.campaign_id == campaign.id, WeeklyReport.period == week)
    ).tuples().all())
    labels = {"confirmed": "已报送", "draft": "草稿"}
    return {name: labels.get(reports.get(code, ""), "未报送") for code, name in cities}


@dataclass(frozen=True)
class DraftCount:
    """What a Friday reminder needs to say about one campaign's table for one region."""

    campaign_id: int
    campaign_name: str
    week: str  # the internal key (for the link)
    period: str  # the week as its dates, for people
    status: str  # none | draft | confirmed
    enterprises: int
    general_found: int
    general_fixed: int
    major_found: int
    major_fixed: int


def draft_counts(
    session: Session, region_code: str, now: datetime, week: str | None = None
) -> list[DraftCount]:
    """For each weekly campaign running now: the week's cumulative totals and filing status
    (``week``, else the one whose period holds ``now``)."""
    result = []
    for campaign in active_campaigns(session, now):
        week_key = week or periods.week_of(now, campaign)
        figures = weekly_figures(session, region_code, week_key, campaign)
        report = get_report(session, campaign, region_code, week_key)
        total = total_of(figures)
        result.append(DraftCount(
            campaign_id=campaign.id, campaign_name=campaign.name, week=week_key,
            period=periods.period_label(figures.period or figures.window),
            status=report.status if report else "none", enterprises=total.enterprises,
            general_found=total.general_found, general_fixed=total.general_fixed,
            major_found=total.major_found, major_fixed=total.major_fixed,
        ))
    return result


def total_of(figures: WeeklyFigures) -> StageFigures:
    """All stages added up (an enterprise checked at two stages counts twice, as the form adds)."""
    total = StageFigures()
    for stage in figures.stages.values():
        total.enterprises += stage.enterprises
        total.general_found += stage.general_found
        total.general_fixed += stage.general_fixed
        total.major_found += stage.major_found
        total.major_fixed += stage.major_fixed
    return total
