"""A campaign's task list (002: 9 tasks, 18 measures) and the monthly progress each region files.

The list is seeded from 晋应急发〔2022〕80号 附件1 one row per measure. A region's progress for
a month is a ``WeeklyReport`` whose period is the month ("2022-05") and whose texts map the
measure number ("6") to what was done; confirming it freezes it like a weekly table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Campaign, CampaignTask, WeeklyReport
from bot.services.forms.campaigns import ReportError, confirm, edit_draft, get_report

TASK_LIST_DOC = "晋应急发〔2022〕80号"
_ALL = "各级应急管理部门"
_END = ("2022 年底前", date(2022, 12, 31))
_SEPT = ("2022 年 9 月底前", date(2022, 9, 30))
# (task no, task, measure no, measure, target, responsible unit, (deadline, due date))
TASKS_2022: tuple[tuple[int, str, int, str, str, str, tuple[str, date]], ...] = (
    (1, "完善危险作业管理制度体系", 1,
     "督促企业依据《化学品生产单位特殊作业安全规范》(GB30871-2014)，完善易燃易爆区域动火、进入有限空间、"
     "盲板抽堵等危险作业管理制度，并建立长效运行机制和管理体系。",
     "危险作业管理制度和操作规程完善并有效运行", _ALL, _END),
    (1, "完善危险作业管理制度体系", 2, "督促企业严格执行危险作业审批和作业前安全条件确认。",
     "危险作业管理制度和操作规程完善并有效运行", _ALL, _END),
    (2, "强化重大危险源安全风险管控", 3,
     "督促企业对本单位的危险化学品生产、经营、储存和使用装置、设施或场所进行辨识评估；",
     "所有重大危险源的设备设施及监测监控系统完善、有效、可靠运行", _ALL, _SEPT),
    (2, "强化重大危险源安全风险管控", 4, "组织行业内懂工艺的专家开展会诊检查。",
     "所有重大危险源的设备设施及监测监控系统完善、有效、可靠运行", _ALL, _SEPT),
    (2, "强化重大危险源安全风险管控", 5, "对全省 80 个重大危险源进行“全覆盖”执法检查。",
     "所有重大危险源的设备设施及监测监控系统完善、有效、可靠运行", _ALL, _END),
    (3, "深化重点行业领域专项治理", 6,
     "围绕 25 项重点执法检查事项组织对辖区内钢铁、铝加工（深井铸造）、涉爆粉尘（粉尘作业场所 10 人以上）"
     "进行再排查，列出清单、建立台账。",
     "清单真实、台账完善", "市、县应急管理部门", ("2022 年 3 月底前", date(2022, 3, 31))),
    (3, "深化重点行业领域专项治理", 7,
     "开展专项执法，从专项执法中挑选、报送典型执法案例，推动“三类”企业 25 项重点执法检查事项整改。",
     "25 项重点执法检查事项全部销号“归零”", _ALL, _END),
    (4, "开展涉爆粉尘企业专项整治“回头看”", 8,
     "组织专家对涉及金属粉尘、煤粉尘、木粉尘等重点企业 2021 年重大隐患大排查大整治发现的隐患问题整改落实情况"
     "进行“回头看”。",
     "涉爆粉尘重点企业全部消除重大事故隐患", "市、县应急管理部门", _END),
    (5, "组织有限空间作业专家指导服务", 9,
     "组织专家对食品加工、蔬菜腌制、皮革（毛皮、羽毛）加工、造纸、印染等“轻工重点企业”进行会诊检查。",
     "达到“五个强化”“五个到位”要求", "县、区应急管理部门", _SEPT),
    (5, "组织有限空间作业专家指导服务", 10,
     "组织专家对县区开展专家指导服务发现的问题隐患整改落实情况进行复核。",
     "重点县区全覆盖", "省、市应急管理部门", _END),
    (6, "建立健全落实企业主体责任长效机制", 11,
     "督促企业落实主要负责人安全生产履职尽责承诺制度，并加大考核问责力度。",
     "推动企业建立从主要负责人到一线员工的生产责任体系", _ALL, _END),
    (6, "建立健全落实企业主体责任长效机制", 12,
     "研究制定《金属冶炼企业主要负责人安全生产考核记分办法》，并推动落实。",
     "推动企业建立从主要负责人到一线员工的生产责任体系", "省应急管理厅",
     ("2022 年 6 月底前", date(2022, 6, 30))),
    (7, "推动落实双重预防机制建设", 13, "研究制定我省《金属冶炼等高风险行业领域双重预防机制建设工作指南》。",
     "推动企业安全管理关口前移，有效防范各类生产安全事故", "省应急管理厅", _END),
    (7, "推动落实双重预防机制建设", 14, "督促企业构建双重预防管理体系，有效运行双重预防机制。",
     "推动企业安全管理关口前移，有效防范各类生产安全事故", _ALL, _END),
    (8, "落实分级分类监管提高监管执法效能", 15, "组织一期市县监管执法人员业务能力提升专题培训。",
     "实现差异化、精准化监管执法", "省应急管理厅", ("2022 年 11 月底前", date(2022, 11, 30))),
    (8, "落实分级分类监管提高监管执法效能", 16, "落实分级分类监管执法；实行“三位一体”执法工作模式。",
     "实现差异化、精准化监管执法", _ALL, _END),
    (9, "加强企业安全设施“三同时”源头管控", 17,
     "金属冶炼建设项目安全设施设计审查率和安全设施竣工验收监督核查达到 100%，其他行业新（改、扩）建设项目"
     "安全设施“三同时”抽查不少于 50%。",
     "新改扩建项目安全设施完善，从源头管控风险", _ALL, _END),
    (9, "加强企业安全设施“三同时”源头管控", 18,
     "与生态环境部门建立沟通协调工作机制，加强工贸企业环保设施改造安全设施“三同时”监督管理。",
     "新改扩建项目安全设施完善，从源头管控风险", _ALL, _END),
)
MAX_PROGRESS_CHARS = 1000
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def seed_tasks(session: Session, campaign: Campaign) -> int:
    """Add or refresh the 2022 task list of ``campaign``; returns how many measures were added."""
    existing = {t.measure_no: t for t in session.scalars(
        select(CampaignTask).where(CampaignTask.campaign_id == campaign.id))}
    added = 0
    for task_no, task, measure_no, measure, target, unit, (deadline, due_on) in TASKS_2022:
        values = dict(task_no=task_no, task=task, measure=measure, target=target,
                      responsible_unit=unit, deadline=deadline, due_on=due_on)
        row = existing.get(measure_no)
        if row is None:
            session.add(CampaignTask(campaign_id=campaign.id, measure_no=measure_no, **values))
            added += 1
        else:
            for key, value in values.items():
                setattr(row, key, value)
    session.flush()
    return added


def tasks_of(session: Session, campaign: Campaign) -> list[CampaignTask]:
    query = select(CampaignTask).where(CampaignTask.campaign_id == campaign.id)
    return list(session.scalars(query.order_by(CampaignTask.measure_no)))


def parse_month(month: str) -> date:
    """'2022-05' → the first day of that month."""
    m = _MONTH.match(month)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ReportError(f"月份“{month}”格式应为 2022-05")
    return date(int(m.group(1)), int(m.group(2)), 1)


def monthly_campaign(session: Session, month: str, key: str | None = None) -> Campaign:
    """The campaign named by ``key`` (document number or id), else the monthly one running that month."""
    first = parse_month(month)
    query = select(Campaign).where(Campaign.cadence == "monthly")
    if key is not None:
        query = query.where(Campaign.doc_number == key) if not key.isdigit() else query.where(
            Campaign.id == int(key))
    else:
        last = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        query = query.where(Campaign.starts_on < last, Campaign.ends_on >= first)
    found = session.scalars(query.order_by(Campaign.starts_on.desc())).first()
    if found is None:
        raise ReportError(f"没有专项行动“{key}”" if key else f"{month}没有按月报送的专项行动")
    return found


@dataclass(frozen=True)
class ProgressRow:
    task: CampaignTask
    progress: str


def monthly_progress(session: Session, campaign: Campaign, region_code: str, month: str) -> list[ProgressRow]:
    """Every measure of the list with the region's progress note for the month ('' if none)."""
    parse_month(month)
    report = get_report(session, campaign, region_code, month)
    notes = (report.texts if report is not None else None) or {}
    return [ProgressRow(t, str(notes.get(str(t.measure_no), ""))) for t in tasks_of(session, campaign)]


def save_progress(
    session: Session, campaign: Campaign, region_code: str, month: str, notes: dict[int, str],
    now: datetime,
) -> WeeklyReport:
    """Write the progress of some measures for the month (a draft until confirmed)."""
    parse_month(month)
    known = {t.measure_no for t in tasks_of(session, campaign)}
    unknown = sorted(set(notes) - known)
    if unknown:
        raise ReportError(f"任务清单中没有第{'、'.join(map(str, unknown))}条措施")
    if any(len(text) > MAX_PROGRESS_CHARS for text in notes.values()):
        raise ReportError(f"进展情况太长了，请精简到 {MAX_PROGRESS_CHARS} 字以内。")
    return edit_draft(session, campaign, region_code, month,
                      {str(k): v.strip() for k, v in notes.items()}, now,
                      refused=f"{month}的进展情况已确认报送，不能再修改")


def campaign_months(campaign: Campaign) -> list[str]:
    """The months the campaign runs through ("2022-03" … "2022-12"), the periods it is filed for."""
    months = []
    year, month = campaign.starts_on.year, campaign.starts_on.month
    while (year, month) <= (campaign.ends_on.year, campaign.ends_on.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def default_month(campaign: Campaign, today: date) -> str:
    """This month, or the campaign's first or last month when today lies outside it."""
    months = campaign_months(campaign)
    current = f"{today.year:04d}-{today.month:02d}"
    return min(max(current, months[0]), months[-1]) if months else current


def check_month(campaign: Campaign, month: str) -> None:
    """Refuse a month that is malformed or outside the campaign's period."""
    parse_month(month)
    months = campaign_months(campaign)
    if month not in months:
        raise ReportError(f"{month}不在该专项行动期间（{months[0]}至{months[-1]}）" if months
                          else f"{month}不在该专项行动期间")


def confirm_progress(
    session: Session, campaign: Campaign, region_code: str, month: str, notes: dict[int, str],
    officer_id: int, now: datetime,
) -> WeeklyReport:
    """Save the notes as they stand and file the month; refused if no measure has a note.

    An officer confirms what he sees on the form, so the notes typed with the confirm click
    are part of what freezes.
    """
    check_month(campaign, month)
    report = save_progress(session, campaign, region_code, month, notes, now)
    if not any(str(text).strip() for text in (report.texts or {}).values()):
        raise ReportError("请至少填写一条措施的进展情况后再确认报送。")
    return confirm(session, campaign, region_code, month, officer_id, now)
