"""A jurisdiction's table for one week as a workbook, and the signed links that fetch it.

The chat hands an officer a link rather than a file: a customer-service message cannot carry
an .xlsx. The link names (campaign, region, week), is signed with the app's secret and
stamped with its issue time, so it cannot be forged or edited into another city's table and
stops working after ``reports.link_hours``. The table is rendered when the link is opened:
a draft from the records as they are then (填报时间 blank: it is not filed yet), a confirmed
table from the figures it froze, dated the day it was confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from bot.models import Campaign, Region, User
from bot.services.forms import exports, figures, two_sessions
from bot.services.forms.campaigns import get_report, week_label
from bot.services.platform.clock import local

LINK_SALT = "hazardbot.weekly-table"


class LinkError(ValueError):
    """A download link that was tampered with, or has expired (``expired``)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class LinkTarget:
    campaign_id: int
    region_code: str
    week: str


@dataclass(frozen=True)
class ReportLinks:
    """Signs and reads the download links; ``base_url`` is the service's public address."""

    secret: str = field(repr=False)
    base_url: str
    hours: int = 24

    @classmethod
    def from_config(cls, config: Mapping[str, Mapping[str, Any]]) -> ReportLinks:
        """The links as the web app signs and reads them: the app's secret and public address."""
        return cls(secret=config["app"]["secret_key"], base_url=config["app"]["public_base_url"],
                   hours=int(config["reports"]["link_hours"]))

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=LINK_SALT)

    def url(self, target: LinkTarget) -> str:
        token = self._serializer().dumps([target.campaign_id, target.region_code, target.week])
        return f"{self.base_url.rstrip('/')}/reports/{token}"

    def read(self, token: str) -> LinkTarget:
        try:
            value = self._serializer().loads(token, max_age=self.hours * 3600)
        except SignatureExpired:
            raise LinkError("下载链接已过期，请在微信中重新回复“周报”获取新链接。", expired=True) from None
        except BadSignature:
            raise LinkError("下载链接无效。") from None
        campaign_id, region_code, week = value
        return LinkTarget(int(campaign_id), str(region_code), str(week))


def table_sheets(
    session: Session, campaign: Campaign, region_code: str, week: str, today: date
) -> list[exports.Sheet]:
    """The campaign's form for the region and week: frozen if confirmed, else live.

    填报时间 is the day the table was confirmed, blank on a draft (``today`` is not a filing
    date, whatever day the draft is looked at). A Two Sessions table confirmed before its
    figures were frozen (``figures`` holding 附件1's numbers, without ``form``) has nothing of
    its own to show: it is rendered live, with its confirmation date and officer.
    """
    del today  # kept for the callers: a form is dated by its confirmation, never by the export
    report = get_report(session, campaign, region_code, week)
    frozen = report.figures if report is not None and report.status == "confirmed" else None
    filed_on = local(report.confirmed_at).date() if report is not None and report.confirmed_at else None
    if campaign.form == "two_sessions":
        if frozen and frozen.get("form") == "two_sessions":
            return [exports.two_sessions_sheet(two_sessions.TwoSessionsTable.from_json(frozen), filed_on)]
        table = two_sessions.two_sessions_table(session, region_code, week, campaign)
        if report is not None and report.confirmed_by is not None:
            officer = session.get(User, report.confirmed_by)
            table.filer = (officer.name or "") if officer is not None else ""
        return [exports.two_sessions_sheet(table, filed_on)]
    texts = report.texts if report is not None else None
    if frozen:
        return exports.weekly_sheets(figures.WeeklyFigures.from_json(frozen), filed_on, texts)
    live = figures.weekly_figures(session, region_code, week, campaign)
    return exports.weekly_sheets(live, filed_on, texts)


def table_filename(session: Session, campaign: Campaign, region_code: str, week: str) -> str:
    """Named by the week's dates, as the table is (never the internal ISO week key)."""
    region = session.get(Region, region_code)
    name = region.name if region is not None else region_code
    title = "专项督查进展统计表" if campaign.form == "two_sessions" else "周调度统计表"
    return f"{title}_{name}_{week_label(session, campaign, region_code, week)}.xlsx"
