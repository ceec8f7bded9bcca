"""What a reporter may follow of his reports: the status summary of 查询 (chat and API) and
the list of 我的报告.

Only what a reporter may know: the state, the level, the rectification deadline, 挂牌督办,
the unit in charge, the closing date; a rejected report's reason and a merged one's number to
follow instead. Units are authorities ("小店区应急管理局"), never an officer's name, phone or
account: the reporter learns who is responsible, not who sat at the desk. Who may ask is
``reports.lookup_status``'s rule (the named reporter, or anyone with the query code).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Hazard, HazardEvent, User
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.workflow_common import REPORT_SOURCES, unit_name
from bot.services.platform.clock import format_local, local
from bot.services.reporting.reports import STATE_LABELS

MAX_REASON_CHARS = 200  # a 500-character reason and a long name must still fit in one reply

PROGRESS_LINES = {
    "number": "编号：{}",
    "enterprise": "企业：{}",
    "state": "状态：{}",
    "level": "隐患等级：{}",
    "deadline": "整改期限：{}",
    "supervising_unit": "挂牌督办：{}",
    "unit": "承办单位：{}",
    "reported_at": "提交时间：{}",
    "closed_at": "销号时间：{}",
    "reason": "不予受理理由：{}",
    "merged_into": "已并入编号 {0} 一并处理，请回复“查询 {0}”查看。",
}
NOT_GRADED = "尚未定级"
NO_DEADLINE = "尚未确定"


@dataclass(frozen=True)
class Progress:
    """One report's progress as its reporter may read it."""

    number: str
    enterprise: str
    state: str
    state_label: str
    reported_at: datetime
    anonymous: bool
    level: str | None
    level_label: str | None
    deadline: date | None
    supervising_unit: str | None
    unit: str  # the unit in charge: the one that took it on, else the county's authority
    closed_at: datetime | None
    merged_into: str | None
    reason: str | None  # why it was not taken on (rejected only)


@dataclass(frozen=True)
class ReportLine:
    """A line of 我的报告."""

    number: str
    reported_on: date
    enterprise: str
    state_label: str


def summarize(session: Session, hazard: Hazard) -> Progress:
    """The summary 查询 shows for ``hazard`` (the caller has checked the asker may see it)."""
    reason = merged_into = None
    if hazard.state in ("rejected", "merged"):
        action = "reject" if hazard.state == "rejected" else "merge"
        note = session.scalars(
            select(HazardEvent.note).where(HazardEvent.hazard_id == hazard.id, HazardEvent.action == action)
            .order_by(HazardEvent.id.desc()).limit(1)
        ).first()
        if hazard.state == "rejected":
            reason = note
        elif note:
            merged_into = note.removeprefix(T.NOTE_MERGED_INTO.format(into=""))
    return Progress(
        number=hazard.number,
        enterprise=hazard.enterprise_name,
        state=hazard.state,
        state_label=STATE_LABELS.get(hazard.state, hazard.state),
        reported_at=hazard.reported_at,
        anonymous=bool(hazard.anonymous),
        level=hazard.level,
        level_label=T.LEVEL_NAMES.get(hazard.level or "") or None,
        deadline=hazard.deadline,
        supervising_unit=hazard.supervising_unit,
        unit=hazard.check_unit or unit_name(session, hazard.region_code),
        closed_at=hazard.closed_at,
        merged_into=merged_into,
        reason=reason,
    )


def progress_text(progress: Progress) -> str:
    """The chat reply to 查询: one line per fact, the ones that do not apply left out."""
    p, L = progress, PROGRESS_LINES
    lines = [L["number"].format(p.number), L["enterprise"].format(p.enterprise),
             L["state"].format(p.state_label)]
    if p.state not in ("rejected", "merged"):
        lines.append(L["level"].format(p.level_label or NOT_GRADED))
        if p.level is not None or p.deadline is not None:
            lines.append(L["deadline"].format(p.deadline.isoformat() if p.deadline else NO_DEADLINE))
        if p.supervising_unit:
            lines.append(L["supervising_unit"].format(p.supervising_unit))
    lines += [L["unit"].format(p.unit), L["reported_at"].format(format_local(p.reported_at))]
    if p.closed_at is not None:
        lines.append(L["closed_at"].format(format_local(p.closed_at)))
    if p.reason:
        reason = p.reason if len(p.reason) <= MAX_REASON_CHARS else p.reason[:MAX_REASON_CHARS] + "…"
        lines.append(L["reason"].format(reason))
    if p.merged_into:
        lines.append(L["merged_into"].format(p.merged_into))
    return "\n".join(lines)


def own_reports(session: Session, user: User, *, limit: int) -> tuple[list[Hazard], int]:
    """A named reporter's own reports, newest first (at most ``limit``), and how many he has:
    what 我的报告 in chat and ``GET /api/v1/reports`` list.

    Anonymous reports keep no link to their author (``Hazard.reporter_id`` is empty), so they
    are never listed: they are followed by number and code. An inspection's findings are the
    inspector's work, not his reports.
    """
    where = (Hazard.reporter_id == user.id, Hazard.anonymous.is_(False),
             Hazard.source.in_(REPORT_SOURCES))
    total = session.scalar(select(func.count()).select_from(Hazard).where(*where)) or 0
    found = session.scalars(
        select(Hazard).where(*where).order_by(Hazard.reported_at.desc(), Hazard.id.desc()).limit(limit)
    )
    return list(found), int(total)


def reports_of(session: Session, user: User, *, limit: int) -> tuple[list[ReportLine], int]:
    """``own_reports`` as the chat's lines: number, date, enterprise, state."""
    found, total = own_reports(session, user, limit=limit)
    return [
        ReportLine(h.number, local(h.reported_at).date(), h.enterprise_name,
                   STATE_LABELS.get(h.state, h.state))
        for h in found
    ], total
