"""Campaigns (专项行动) and the periodic reports the regulators file for them.

A campaign is a notice with a document number, a jurisdiction, a period and a reporting
cadence (weekly on Friday by 12:00, or monthly on a given day) and a form (附件1 of 000, the
2021 Two Sessions table of 001, the 2022 monthly progress table of 002). The figures of a
report are computed from the records (``bot/services/forms/figures.py``); a ``WeeklyReport`` keeps
the free-text rows an officer writes and, once confirmed, the figures exactly as filed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base

CADENCES = ("weekly", "monthly")
# weekly_dispatch: 附件1/附件2 of 晋应急发〔2024〕354号; two_sessions: the 2021 table (001);
# monthly_progress: the 2022 task list's monthly report (002).
FORMS = ("weekly_dispatch", "two_sessions", "monthly_progress")
TEXT_ROWS = ("部署推进", "宣传曝光", "存在问题", "意见建议")


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_number: Mapped[str] = mapped_column(String(64), unique=True)  # 晋应急发〔2024〕354号
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))  # who issued it, for whom
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # inclusive
    cadence: Mapped[str] = mapped_column(String(16))  # one of CADENCES
    # The cut-off a weekly period ends at (weekday and local time), or the monthly form's day:
    # periods are computed from it (bot/services/forms/periods.py).
    due_weekday: Mapped[int | None] = mapped_column(Integer, default=None)  # 0=Monday … 4=Friday
    due_day: Mapped[int | None] = mapped_column(Integer, default=None)  # day of month (monthly)
    due_time: Mapped[str | None] = mapped_column(String(5), default=None)  # "12:00", local time
    form: Mapped[str] = mapped_column(String(32))  # one of FORMS
    created_at: Mapped[datetime]


class WeeklyReport(Base):
    """One region's report for one period of a campaign: a draft, then frozen when confirmed."""

    __tablename__ = "weekly_reports"
    __table_args__ = (UniqueConstraint("campaign_id", "region_code", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    period: Mapped[str] = mapped_column(String(10))  # ISO week "2025-W02" (or "2022-05" monthly)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | confirmed
    texts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # TEXT_ROWS → text
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # as filed
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None] = mapped_column(default=None)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Where the confirmed report's window ended (its cut-off, or the moment it was confirmed if
    # earlier): the region's next period starts there, so nothing falls between two tables.
    period_end: Mapped[datetime | None] = mapped_column(default=None)


class CampaignTask(Base):
    """One measure (工作措施) of a campaign's task list (002: 9 tasks, 18 measures).

    Target, responsible unit and deadline are stored on every measure; the form merges a
    cell with the one above when the task and the value are the same, as the notice prints it.
    Progress notes are the monthly ``WeeklyReport``'s texts, keyed by the measure number.
    """

    __tablename__ = "campaign_tasks"
    __table_args__ = (UniqueConstraint("campaign_id", "measure_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    task_no: Mapped[int] = mapped_column(Integer)  # 序号 of the task (1…9)
    task: Mapped[str] = mapped_column(String(200))  # 任务
    measure_no: Mapped[int] = mapped_column(Integer)  # 1…18, numbered across the tasks
    measure: Mapped[str] = mapped_column(Text)  # 工作措施
    target: Mapped[str] = mapped_column(Text, default="")  # 目标要求
    responsible_unit: Mapped[str] = mapped_column(String(100), default="")  # 责任单位
    deadline: Mapped[str] = mapped_column(String(50), default="")  # 完成时限, as written
    due_on: Mapped[date | None] = mapped_column(Date, default=None)  # the same as a date
