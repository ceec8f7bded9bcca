"""The console's hazard ledger: filters, sort and pages as SQL, and the same rows for export.

One definition of what is counted: a *hazard* is any record but a rejected or merged report
(``is_hazard``). The ledger with no state filter lists exactly those, as the dashboard counts
them (``bot/services/forms/dashboard.py`` builds every figure from ``is_hazard`` and the same
filters its bars link to), so 隐患总数 on the dashboard and 共 N 条 in the ledger agree; the
rejected and merged reports are one filter away (状态: 全部（含不予受理、已合并）), and the page
says how many it left out.

The filters come from a query string that anyone can edit, so they are parsed here with a
Chinese message for each bad value (the page shows the messages and ignores those filters)
rather than trusted. The list, the page count and the export are one query each, always
under the user's scope (``console_scope``): a filter can narrow what a user sees, never
widen it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from bot.models import Enterprise, Hazard, InspectionFinding, Region
from bot.models.enterprise import INDUSTRIES
from bot.models.hazard import LEVELS, SOURCES, STATES
from bot.services.hazards.citations import cited
from bot.services.hazards.workflow_texts import LEVEL_NAMES, SOURCE_LABELS, STATE_NAMES
from bot.services.people.console_scope import Scope
from bot.services.people.jurisdiction import jurisdiction_codes
from bot.services.platform.clock import local, local_tz

OPEN_STATES = ("submitted", "acknowledged", "rectifying", "awaiting_verification")
NOT_HAZARDS = ("rejected", "merged")  # reports that turned out to be no (new) hazard
SOURCE_NAMES = {**SOURCE_LABELS, "worker_report": "内部报告", "public_report": "群众举报"}
MAX_TEXT = 50
MAX_EXPORT_ROWS = 20_000
SORTS: dict[str, tuple[str, Any]] = {
    "reported_desc": ("报告时间（新→旧）", (Hazard.reported_at.desc(), Hazard.id.desc())),
    "reported_asc": ("报告时间（旧→新）", (Hazard.reported_at.asc(), Hazard.id.asc())),
    "deadline_asc": ("整改期限（近→远）", (Hazard.deadline.is_(None), Hazard.deadline.asc(), Hazard.id)),
    "enterprise": ("企业名称", (Hazard.enterprise_name.asc(), Hazard.id.desc())),
    "number": ("隐患编号", (Hazard.number.asc(),)),
}


def is_hazard() -> Any:
    """The one definition of what counts as a hazard (the ledger's default, every dashboard
    figure): anything but a rejected or merged report."""
    return Hazard.state.not_in(NOT_HAZARDS)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class HazardFilters:
    """One ledger view: what the query string asked for, once checked."""

    region: str = ""
    enterprise_id: int | None = None
    inspection: int | None = None  # the hazards one inspection found
    industry: str = ""
    level: str = ""  # general | major | none (not yet graded)
    source: str = ""
    state: str = ""  # one of STATES, "open" (before 销号), "valid" (= ""), or "all" (rejected, merged too)
    overdue: bool = False
    date_from: date | None = None  # reported (local days, inclusive)
    date_to: date | None = None
    closed_from: date | None = None  # closed (销号)
    closed_to: date | None = None
    q: str = ""
    sort: str = "reported_desc"
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> HazardFilters:
        """Parse a query string; each bad value adds a message and is left out."""
        f = cls()

        def pick(name: str, allowed: Any, message: str) -> str:
            value = (args.get(name) or "").strip()
            if value and value not in allowed:
                f.errors.append(message)
                return ""
            return value

        region = (args.get("region") or "").strip()
        if region and not (region.isdigit() and len(region) == 6):
            f.errors.append("行政区划代码应为6位数字")
        else:
            f.region = region
        ent = (args.get("enterprise_id") or "").strip()
        if ent:
            if ent.isdigit() and len(ent) < 10:
                f.enterprise_id = int(ent)
            else:
                f.errors.append("企业参数无效")
        inspection = (args.get("inspection") or "").strip()
        if inspection:
            if inspection.isdigit() and len(inspection) < 10:
                f.inspection = int(inspection)
            else:
                f.errors.append("检查参数无效")
        f.industry = pick("industry", INDUSTRIES, "行业类别无效")
        f.level = pick("level", (*LEVELS, "none"), "隐患等级无效")
        f.source = pick("source", SOURCES, "隐患来源无效")
        f.state = pick("state", (*STATES, "open", "valid", "all"), "状态无效")
        f.overdue = (args.get("overdue") or "") in ("1", "on", "true")
        for name, label in (("date_from", "开始日期"), ("date_to", "结束日期"),
                            ("closed_from", "销号开始日期"), ("closed_to", "销号结束日期")):
            raw = (args.get(name) or "").strip()
            if raw:
                try:
                    setattr(f, name, date.fromisoformat(raw))
                except ValueError:
                    f.errors.append(f"{label}格式应为 2026-01-31")
        if f.date_from and f.date_to and f.date_from > f.date_to:
            f.errors.append("开始日期不能晚于结束日期")
            f.date_from = f.date_to = None
        if f.closed_from and f.closed_to and f.closed_from > f.closed_to:
            f.errors.append("销号开始日期不能晚于结束日期")
            f.closed_from = f.closed_to = None
        q = (args.get("q") or "").strip()
        if len(q) > MAX_TEXT:
            f.errors.append(f"搜索内容不能超过{MAX_TEXT}字")
            q = q[:MAX_TEXT]
        f.q = q
        f.sort = pick("sort", SORTS, "排序方式无效") or "reported_desc"
        page = (args.get("page") or "1").strip()
        f.page = int(page) if page.isdigit() and 0 < len(page) < 7 and int(page) > 0 else 1
        return f

    def as_args(self, **override: Any) -> dict[str, Any]:
        """The non-empty filters as query arguments (for links, pages and the export)."""
        values = {k: v for k, v in asdict(self).items() if k != "errors"}
        values.update(override)
        out: dict[str, Any] = {}
        for key, value in values.items():
            if value in (None, "", False) or (key == "page" and value == 1) or (
                    key == "sort" and value == "reported_desc"):
                continue
            out[key] = "1" if value is True else value.isoformat() if isinstance(value, date) else value
        return out


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    number: str
    enterprise_name: str
    region_name: str
    industry: str
    level: str | None
    source: str
    state: str
    reported_at: datetime
    deadline: date | None
    overdue: bool
    description: str

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES.get(self.level or "", "未定级")

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)

    @property
    def source_name(self) -> str:
        return SOURCE_NAMES.get(self.source, self.source)


@dataclass(frozen=True)
class LedgerPage:
    entries: list[LedgerEntry]
    total: int
    page: int
    pages: int
    left_out: int = 0  # rejected or merged reports the default view did not count


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_tz())


def _where(session: Session, scope: Scope, f: HazardFilters, today: date) -> list[Any]:
    conds: list[Any] = [scope.hazard_clause()]
    if f.region:
        conds.append(Hazard.region_code.in_(jurisdiction_codes(session, f.region)))
    if f.enterprise_id is not None:
        conds.append(Hazard.enterprise_id == f.enterprise_id)
    if f.inspection is not None:
        conds.append(Hazard.id.in_(select(InspectionFinding.hazard_id)
                                   .where(InspectionFinding.inspection_id == f.inspection)))
    if f.industry:
        conds.append(func.coalesce(Enterprise.industry, Hazard.industry) == f.industry)
    if f.level == "none":
        conds.append(Hazard.level.is_(None))
    elif f.level:
        conds.append(Hazard.level == f.level)
    if f.source:
        conds.append(Hazard.source == f.source)
    if f.state == "open":
        conds.append(Hazard.state.in_(OPEN_STATES))
    elif f.state in ("", "valid"):
        conds.append(is_hazard())
    elif f.state != "all":
        conds.append(Hazard.state == f.state)
    if f.overdue:
        conds.append(and_(Hazard.deadline < today, Hazard.state.in_(OPEN_STATES)))
    if f.date_from:
        conds.append(Hazard.reported_at >= _local_start(f.date_from))
    if f.date_to:
        conds.append(Hazard.reported_at < _local_start(f.date_to + timedelta(days=1)))
    if f.closed_from:
        conds.append(Hazard.closed_at >= _local_start(f.closed_from))
    if f.closed_to:
        conds.append(Hazard.closed_at < _local_start(f.closed_to + timedelta(days=1)))
    if f.q:
        pattern = f"%{escape_like(f.q)}%"
        fields = [Hazard.number, Hazard.enterprise_name]
        if not scope.is_manager:  # a manager could probe the description for a reporter's name
            fields.append(Hazard.description)
        conds.append(or_(*(field.ilike(pattern, escape="\\") for field in fields)))
    return conds


def _base(columns: list[Any], conds: list[Any]) -> Select[Any]:
    return (select(*columns).select_from(Hazard)
            .outerjoin(Enterprise, Enterprise.id == Hazard.enterprise_id)
            .join(Region, Region.code == Hazard.region_code)
            .where(*conds))


_COLUMNS = [Hazard.id, Hazard.number, Hazard.enterprise_name, Region.name,
            func.coalesce(Enterprise.industry, Hazard.industry), Hazard.level, Hazard.source,
            Hazard.state, Hazard.reported_at, Hazard.deadline, Hazard.description]


def _entry(row: Any, today: date) -> LedgerEntry:
    (hid, number, ent, region, industry, level, source, state, reported, deadline, desc) = row
    overdue = deadline is not None and deadline < today and state in OPEN_STATES
    return LedgerEntry(hid, number, ent, region, industry or "", level, source, state, reported,
                       deadline, overdue, desc)


def search(session: Session, scope: Scope, f: HazardFilters, *, today: date, page_size: int) -> LedgerPage:
    """One page of the ledger and the total it is a page of."""
    conds = _where(session, scope, f, today)
    total = session.scalar(_base([func.count()], conds)) or 0
    pages = max(1, -(-total // page_size))
    page = min(f.page, pages)
    rows = session.execute(
        _base(_COLUMNS, conds).order_by(*SORTS[f.sort][1]).limit(page_size).offset((page - 1) * page_size)
    )
    left_out = 0
    if f.state in ("", "valid"):  # say how many rejected or merged reports the view leaves out
        every = _where(session, scope, replace(f, state="all"), today)
        left_out = (session.scalar(_base([func.count()], every)) or 0) - total
    return LedgerPage([_entry(r, today) for r in rows], total, page, pages, left_out)


EXPORT_HEADERS = ("序号", "隐患编号", "企业名称", "所在县（市、区）", "行业类别", "隐患来源", "隐患等级",
                  "状态", "报告时间", "整改期限", "是否逾期", "隐患描述", "判定依据", "整改措施",
                  "检查单位", "挂牌督办单位", "企业编号", "统一社会信用代码")


def export_rows(session: Session, scope: Scope, f: HazardFilters, *, today: date) -> list[list[Any]]:
    """Every row the filters select (no paging), in the order the page shows them."""
    conds = _where(session, scope, f, today)
    # The enterprise's id and credit code last: what ``flask qr poster --enterprise`` takes.
    query = _base([*_COLUMNS, Hazard.basis, Hazard.measures, Hazard.check_unit, Hazard.supervising_unit,
                   Enterprise.id, Enterprise.credit_code], conds)
    query = query.order_by(*SORTS[f.sort][1]).limit(MAX_EXPORT_ROWS)
    rows = []
    for i, r in enumerate(session.execute(query), start=1):
        e = _entry(r[:11], today)
        rows.append([i, e.number, e.enterprise_name, e.region_name, e.industry, e.source_name,
                     e.level_name, e.state_name, local(e.reported_at).strftime("%Y-%m-%d %H:%M"),
                     e.deadline, "是" if e.overdue else "否", e.description, cited(r[11]) or "", r[12] or "",
                     r[13] or "", r[14] or "", r[15] or "", r[16] or ""])
    return rows
