"""The chat's side of the weekly table (周报): look, fill in the text rows, confirm, see who filed.

Mixed into ``ChatServices`` like ``WorkflowChat``: one officer, one transaction, one ``now``.
The table is always the officer's own jurisdiction and the current week of the weekly campaign
running now (from one Friday 12:00 cut-off to the next; the week he still owes until that
week-end, ``periods.current_week``), named by its dates; refusals are ``ReportError`` /
``StatsError`` with the answer.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.handlers.core import WeeklyView
from bot.models import Campaign, Region, User, WeeklyReport
from bot.models.campaign import TEXT_ROWS
from bot.services.forms import campaigns, periods
from bot.services.forms.campaigns import ReportError
from bot.services.forms.figures import WeeklyFigures, weekly_figures
from bot.services.forms.weekly_tables import LinkTarget, ReportLinks
from bot.services.people.roles import is_officer
from bot.services.platform.clock import format_local

log = logging.getLogger(__name__)

NO_CAMPAIGN = "本周没有进行中的专项行动，无需报送周调度统计表。"
NO_REGION = "您的账号没有所属地区，请联系管理员。"
OFFICERS_ONLY = "“周报”仅限监管人员使用。"
PROVINCE_ONLY = "各市报送进度仅省级监管人员可查看。"
TWO_SESSIONS_NO_TEXT = "这张统计表没有文字栏。"


class ReportChat:
    """The 周报 commands for the officer talking."""

    session: Session
    user: User
    now: datetime
    links: ReportLinks

    def _weekly_target(self) -> tuple[Campaign, str, str]:
        if not is_officer(self.user):
            raise ReportError(OFFICERS_ONLY)
        if not self.user.region_code:
            raise ReportError(NO_REGION)
        campaign = periods.campaign_for_week(self.session, periods.week_of(self.now))
        if campaign is None:
            raise ReportError(NO_CAMPAIGN)
        week = periods.current_week(self.session, campaign, self.user.region_code, self.now)
        return campaign, self.user.region_code, week

    def _weekly_view(self, campaign: Campaign, region_code: str, week: str) -> WeeklyView:
        report = campaigns.get_report(self.session, campaign, region_code, week)
        if report is not None and report.status == "confirmed" and report.figures:
            figures = WeeklyFigures.from_json(report.figures)
        else:
            figures = weekly_figures(self.session, region_code, week, campaign)
        total = campaigns.total_of(figures)
        texts = (report.texts if report is not None else None) or {}
        region = self.session.get(Region, region_code)
        view = WeeklyView(
            campaign=campaign.name, week=campaigns.week_label(self.session, campaign, region_code, week),
            region=region.name if region else region_code,
            status=report.status if report is not None else "draft",
            enterprises=total.enterprises, general_found=total.general_found,
            general_fixed=total.general_fixed, major_found=total.major_found,
            major_fixed=total.major_fixed,
            texts_missing=tuple(row for row in TEXT_ROWS if not str(texts.get(row) or "").strip())
            if campaign.form == "weekly_dispatch" else (),
            url=self.links.url(LinkTarget(campaign.id, region_code, week)), hours=self.links.hours,
        )
        if report is not None and report.confirmed_at is not None:
            who = self.session.get(User, report.confirmed_by) if report.confirmed_by else None
            view = _confirmed(view, report, who)
        return view

    def weekly_table(self) -> WeeklyView:
        return self._weekly_view(*self._weekly_target())

    def weekly_text(self, row: str, text: str) -> WeeklyView:
        campaign, region_code, week = self._weekly_target()
        if campaign.form != "weekly_dispatch":
            raise ReportError(TWO_SESSIONS_NO_TEXT)
        campaigns.save_draft(self.session, campaign, region_code, week, {row: text}, self.now)
        return self._weekly_view(campaign, region_code, week)

    def weekly_confirm(self) -> WeeklyView:
        campaign, region_code, week = self._weekly_target()
        campaigns.confirm(self.session, campaign, region_code, week, officer_id=self.user.id, now=self.now)
        log.info("officer %s confirmed the %s table of %s for %s", self.user.id, campaign.doc_number,
                 region_code, week)
        return self._weekly_view(campaign, region_code, week)

    def weekly_progress(self) -> tuple[str, dict[str, str]]:
        if self.user.role != "province_officer":
            raise ReportError(PROVINCE_ONLY)
        campaign, region_code, week = self._weekly_target()
        label = campaigns.week_label(self.session, campaign, region_code, week)
        return label, campaigns.filing_status(self.session, campaign, week)


def _confirmed(view: WeeklyView, report: WeeklyReport, who: User | None) -> WeeklyView:
    assert report.confirmed_at is not None
    name = (who.name if who is not None and who.name else "") or "监管人员"
    return replace(view, confirmed_by=name, confirmed_at=format_local(report.confirmed_at))
