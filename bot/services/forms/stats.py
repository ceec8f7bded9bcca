"""The campaigns' figures, computed from the records by SQL aggregates.

Every figure block is one ``GROUP BY`` query with ``CASE`` expressions; nothing loops over
hazards in Python, so the weekly table of a province costs a handful of index scans.

Conventions (DESIGN.md §3, seeds 000 and 001):

* A week is an ISO week in Asia/Shanghai (Monday 00:00 to the next Monday 00:00). Cumulative
  figures (累计) run from the campaign's first day to the end of that week (or the campaign's
  last day, whichever comes first); "本周" figures (2021 table) cover the week alone.
* A hazard is *found* when it was checked (``checked_at``), or else reported (``reported_at``),
  within the window. It is *rectified* when it is closed and ``closed_at`` lies in the window
  (for cumulative figures: since the campaign start). Rejected and merged reports are no
  hazards; a report not yet graded (``level`` unset) is counted for enterprises, not as a
  general or major hazard.
* Stages (检查环节): 企业自查 = ``self_check``; 市县检查 = ``joint_inspection``, split into
  市本级 and 县级 by the level of the inspecting officer's region (the one who started the
  inspection, else the one who recorded the hazard; a county-level or unknown one counts as
  县级); 交叉检查 = ``cross_inspection``; 省级督查 = ``provincial``; 群众举报 =
  ``public_report`` and ``worker_report``. 附件1 has no row for the last two: they are
  returned as stage ``other`` and shown as an extra row marked as such.
* Enterprises covered (检查企业数) are those with an inspection of the stage *finished* in
  the window, or a hazard of the stage found in it (``coverage.py`` says why), counted
  distinct: by ``enterprise_id``, or by name for an unregistered one. An inspection that found
  nothing counts; one still open counts once finished (or through the hazards it found).
* Penalties belong to the enterprise's region and to the window of ``decided_at``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, case, cast, distinct, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from bot.models import Campaign, Enterprise, Hazard, Inspection, Penalty, RectificationPlan, Region
from bot.services.forms.penalty_sums import MEASURE_LABELS, penalty_sums
from bot.services.inspections.coverage import (
    finished_inspections,
    hazard_recorder_region,
    inspection_key,
    one_if,
    stage_case,
)
from bot.services.people.jurisdiction import jurisdiction_codes
from bot.services.platform.clock import local, local_tz

STAGES = ("self_check", "city", "county", "cross", "other")
STAGE_LABELS = {
    "self_check": "企业自查自改",
    "city": "市县联合检查（市本级）",
    "county": "市县联合检查（县级）",
    "cross": "市级交叉检查",
    "other": "省级督查及群众举报（附件1无此栏，另列）",
}
SOURCE_LABELS = {  # 附件2 检查环节
    "self_check": "企业自查",
    "joint_inspection": "市县检查",
    "cross_inspection": "交叉检查",
    "provincial": "省级督查",
    "public_report": "群众举报",
    "worker_report": "群众举报",
}
INSPECTION_SOURCES = ("joint_inspection", "cross_inspection", "provincial")  # 2021: 专项督查
COUNTED_OUT_STATES = ("rejected", "merged")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class StatsError(ValueError):
    """A bad argument (unknown region, malformed week); the message is shown as it is."""


# --- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC, with the local dates it stands for."""

    start: datetime
    end: datetime


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_tz())


def parse_week(week: str) -> tuple[date, date]:
    """'2025-W02' → (Monday, next Monday)."""
    m = _WEEK.match(week)
    if not m:
        raise StatsError(f"周次“{week}”格式应为 2025-W02")
    try:
        monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError as exc:
        raise StatsError(f"没有周次“{week}”") from exc
    return monday, monday + timedelta(days=7)


def week_of(at: datetime) -> str:
    year, week, _ = local(at).isocalendar()
    return f"{year}-W{week:02d}"


def campaign_windows(campaign: Campaign | None, week: str) -> tuple[Window, Window]:
    """(本周, 累计) windows for a week, clipped to the campaign's period."""
    monday, next_monday = parse_week(week)
    end_day = next_monday
    start_day = monday
    first_day = monday
    if campaign is not None:
        end_day = min(end_day, campaign.ends_on + timedelta(days=1))
        start_day = max(start_day, campaign.starts_on)
        first_day = campaign.starts_on
    end = _local_midnight(end_day)
    this_week = Window(_local_midnight(start_day), end)
    if campaign is None:
        return this_week, Window(_local_midnight(date(2000, 1, 1)), end)
    return this_week, Window(_local_midnight(first_day), end)


def campaign_by_key(session: Session, key: str) -> Campaign:
    """The campaign an operator names: its document number (as printed) or its id."""
    found = session.scalars(select(Campaign).where(Campaign.doc_number == key)).first()
    if found is None and key.isdigit():
        found = session.get(Campaign, int(key))
    if found is None:
        raise StatsError(f"没有专项行动“{key}”")
    return found


def campaign_for_week(session: Session, week: str | None, key: str | None = None) -> Campaign | None:
    """The campaign named by ``key`` (document number or id), else the weekly one running that week.

    ``week`` matters only without a ``key``: the ledger names its campaign with no week at all.
    """
    if key is not None:
        return campaign_by_key(session, key)
    if week is None:
        raise StatsError("请指定周次（如 2025-W02）或专项行动")
    monday, next_monday = parse_week(week)
    return session.scalars(
        select(Campaign)
        .where(Campaign.cadence == "weekly", Campaign.starts_on < next_monday,
               Campaign.ends_on >= monday)
        .order_by(Campaign.starts_on.desc())
    ).first()


# --- figures ------------------------------------------------------------------------------


@dataclass
class StageFigures:
    enterprises: int = 0
    general_found: int = 0
    general_fixed: int = 0
    major_found: int = 0
    major_fixed: int = 0
    counties: int = 0  # distinct counties (交叉检查: 共抽查*个县)


@dataclass
class PenaltyFigures:
    enterprises_fined: int = 0
    fine_enterprise_wan: Decimal = Decimal("0.00")
    principals_fined: int = 0
    fine_principal_wan: Decimal = Decimal("0.00")
    ordered_rectification: int = 0  # 限期整改（家）
    suspended: int = 0  # 停产整改/停产整顿（家）
    license_revoked: int = 0  # 暂扣吊销证照（个）
    closed_down: int = 0  # 取缔关闭（家）
    judicial_transfer: int = 0  # 追究刑事责任/移送司法（家）
    joint_punishment: int = 0  # 联合惩戒失信企业（家）


@dataclass
class WeeklyFigures:
    """附件1's numbers for one jurisdiction and week (cumulative)."""

    region_code: str
    region_name: str
    week: str
    window: Window
    stages: dict[str, StageFigures] = field(default_factory=dict)
    penalties: PenaltyFigures = field(default_factory=PenaltyFigures)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON (Decimals as strings), for freezing a confirmed report."""
        return {
            "region_code": self.region_code, "region_name": self.region_name, "week": self.week,
            "window": [self.window.start.isoformat(), self.window.end.isoformat()],
            "stages": {k: asdict(v) for k, v in self.stages.items()},
            "penalties": {k: str(v) if isinstance(v, Decimal) else v
                          for k, v in asdict(self.penalties).items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WeeklyFigures:
        """The figures a confirmed report froze (``as_json``), to render it exactly as filed."""
        penalties: dict[str, Any] = {
            k: Decimal(v) if k.startswith("fine_") else v for k, v in data["penalties"].items()
        }
        start, end = (datetime.fromisoformat(v) for v in data["window"])
        return cls(
            region_code=data["region_code"], region_name=data["region_name"], week=data["week"],
            window=Window(start, end),
            stages={k: StageFigures(**v) for k, v in data["stages"].items()},
            penalties=PenaltyFigures(**penalties),
        )


def _codes(session: Session, region_code: str) -> tuple[Region, set[str]]:
    region = session.get(Region, region_code)
    if region is None:
        raise StatsError(f"没有行政区划代码“{region_code}”")
    return region, jurisdiction_codes(session, region_code)


def _found_at() -> Any:
    return func.coalesce(Hazard.checked_at, Hazard.reported_at)


def _enterprise_key() -> Any:
    return func.coalesce(cast(Hazard.enterprise_id, String), literal("n:") + Hazard.enterprise_name)


def hazard_figures(
    session: Session, codes: set[str], window: Window, since: datetime, *, by_stage: bool = True,
    sources: tuple[str, ...] | None = None,
) -> dict[str, StageFigures]:
    """One GROUP BY: per stage, enterprises covered and hazards found in ``window``, fixed in it.

    ``since`` is the campaign start: a hazard fixed this week counts only if it was found
    during the campaign. Enterprises (and counties) covered are those with a hazard of the
    stage found in the window or an inspection of the stage finished in it
    (``bot/services/inspections/coverage.py``), unioned and counted distinct in the same aggregate.
    """
    found_at = _found_at()
    found_in = found_at >= window.start
    fixed_in = and_(Hazard.state == "closed", Hazard.closed_at >= window.start,
                    Hazard.closed_at < window.end)
    hazards, recorder_region = hazard_recorder_region(select().select_from(Hazard))
    hazard_stage = stage_case(Hazard.source, recorder_region.level) if by_stage else literal("all")
    hazards = hazards.add_columns(
        hazard_stage.label("stage"),
        _enterprise_key().label("key"),
        Hazard.region_code.label("county"),
        one_if(found_in).label("covered"),
        one_if(and_(found_in, Hazard.level == "general")).label("gf"),
        one_if(and_(fixed_in, Hazard.level == "general")).label("gx"),
        one_if(and_(found_in, Hazard.level == "major")).label("mf"),
        one_if(and_(fixed_in, Hazard.level == "major")).label("mx"),
    ).where(
        Hazard.region_code.in_(codes),
        Hazard.state.not_in(COUNTED_OUT_STATES),
        found_at >= since,
        found_at < window.end,
    )
    if sources is not None:
        hazards = hazards.where(Hazard.source.in_(sources))
    visits, starter_region, enterprise = finished_inspections(codes, window.start, window.end, sources)
    visit_stage = stage_case(Inspection.stage, starter_region.level) if by_stage else literal("all")
    visits = visits.add_columns(
        visit_stage.label("stage"), inspection_key().label("key"),
        enterprise.region_code.label("county"), literal(1).label("covered"),
        *(literal(0).label(name) for name in ("gf", "gx", "mf", "mx")),
    )
    rows = union_all(hazards, visits).subquery()
    query = (
        select(
            rows.c.stage,
            func.count(distinct(case((rows.c.covered == 1, rows.c.key)))),
            *(func.coalesce(func.sum(rows.c[name]), 0) for name in ("gf", "gx", "mf", "mx")),
            func.count(distinct(case((rows.c.covered == 1, rows.c.county)))),
        )
        .group_by(rows.c.stage)
    )
    result = {s: StageFigures() for s in (STAGES if by_stage else ("all",))}
    for row in session.execute(query):
        result[row[0]] = StageFigures(*(int(v) for v in row[1:]))
    return result


def penalty_figures(session: Session, codes: set[str], window: Window) -> PenaltyFigures:
    """One aggregate over the penalties decided in the window, by the enterprise's region."""

    def enterprises_where(cond: Any) -> Any:
        return func.count(distinct(case((cond, Penalty.enterprise_id))))

    row = session.execute(
        select(
            enterprises_where(Penalty.fine_enterprise_wan > 0),
            func.coalesce(func.sum(Penalty.fine_enterprise_wan), 0),
            enterprises_where(Penalty.fine_principal_wan > 0),
            func.coalesce(func.sum(Penalty.fine_principal_wan), 0),
            enterprises_where(Penalty.ordered_rectification),
            enterprises_where(Penalty.suspended),
            func.coalesce(func.sum(case((Penalty.license_revoked, 1), else_=0)), 0),
            enterprises_where(Penalty.closed_down),
            enterprises_where(Penalty.judicial_transfer),
            enterprises_where(Penalty.joint_punishment),
        )
        .select_from(Penalty)
        .join(Enterprise, Enterprise.id == Penalty.enterprise_id)
        .where(
            Enterprise.region_code.in_(codes),
            Penalty.decided_at >= window.start,
            Penalty.decided_at < window.end,
        )
    ).one()
    money = [Decimal(str(v)).quantize(Decimal("0.01")) for v in (row[1], row[3])]
    return PenaltyFigures(
        enterprises_fined=int(row[0]), fine_enterprise_wan=money[0],
        principals_fined=int(row[2]), fine_principal_wan=money[1],
        ordered_rectification=int(row[4]), suspended=int(row[5]), license_revoked=int(row[6]),
        closed_down=int(row[7]), judicial_transfer=int(row[8]), joint_punishment=int(row[9]),
    )


def weekly_figures(
    session: Session, region_code: str, week: str, campaign: Campaign | None = None
) -> WeeklyFigures:
    """附件1: cumulative figures by stage since the campaign start, up to the end of ``week``."""
    region, codes = _codes(session, region_code)
    _, total = campaign_windows(campaign, week)
    return WeeklyFigures(
        region_code=region.code, region_name=region.name, week=week, window=total,
        stages=hazard_figures(session, codes, total, total.start),
        penalties=penalty_figures(session, codes, total),
    )


# --- the 2021 Two Sessions table (001) ---------------------------------------------------


@dataclass
class TwoSessionsRow:
    groups: int | None  # 市县督查组数: not recorded, left blank
    enterprises: int
    general_found: int
    general_fixed: int
    major_found: int
    major_fixed: int
    ordered_rectification: int
    fine_wan: Decimal  # 行政罚款: enterprise and principal fines together
    suspended: int
    license_revoked: int
    closed_down: int
    judicial_transfer: int
    joint_punishment: int
    exposed_units: int | None  # 曝光单位: not recorded
    accountable_persons: int | None  # 问责个人: not recorded

    def cells(self) -> list[Any]:
        return list(asdict(self).values())


@dataclass
class MajorEnterprise:
    name: str
    place: str
    industry: str
    details: str


@dataclass
class TwoSessionsTable:
    region_code: str
    region_name: str
    week: str
    this_week: TwoSessionsRow
    total: TwoSessionsRow
    major_enterprises: list[MajorEnterprise]

    def as_json(self) -> dict[str, Any]:
        """Plain JSON (Decimals as strings), for freezing a confirmed report; ``form`` tells it
        apart from the 附件1 figures (``WeeklyFigures.as_json``) a report may hold."""
        def row(r: TwoSessionsRow) -> dict[str, Any]:
            return {**asdict(r), "fine_wan": str(r.fine_wan)}

        return {
            "form": "two_sessions", "region_code": self.region_code, "region_name": self.region_name,
            "week": self.week, "this_week": row(self.this_week), "total": row(self.total),
            "major_enterprises": [asdict(m) for m in self.major_enterprises],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TwoSessionsTable:
        """The table a confirmed report froze (``as_json``), to render it exactly as filed."""
        def row(values: dict[str, Any]) -> TwoSessionsRow:
            return TwoSessionsRow(**{**values, "fine_wan": Decimal(values["fine_wan"])})

        return cls(
            region_code=data["region_code"], region_name=data["region_name"], week=data["week"],
            this_week=row(data["this_week"]), total=row(data["total"]),
            major_enterprises=[MajorEnterprise(**m) for m in data["major_enterprises"]],
        )


def _two_sessions_row(session: Session, codes: set[str], window: Window, since: datetime) -> TwoSessionsRow:
    h = hazard_figures(session, codes, window, since, by_stage=False, sources=INSPECTION_SOURCES)["all"]
    p = penalty_figures(session, codes, window)
    return TwoSessionsRow(
        groups=None, enterprises=h.enterprises, general_found=h.general_found,
        general_fixed=h.general_fixed, major_found=h.major_found, major_fixed=h.major_fixed,
        ordered_rectification=p.ordered_rectification,
        fine_wan=p.fine_enterprise_wan + p.fine_principal_wan, suspended=p.suspended,
        license_revoked=p.license_revoked, closed_down=p.closed_down,
        judicial_transfer=p.judicial_transfer, joint_punishment=p.joint_punishment,
        exposed_units=None, accountable_persons=None,
    )


def two_sessions_table(
    session: Session, region_code: str, week: str, campaign: Campaign | None = None
) -> TwoSessionsTable:
    """The 2021 table: 本周 and 累计 rows of the officers' inspections, and the major-hazard list."""
    region, codes = _codes(session, region_code)
    this_week, total = campaign_windows(campaign, week)
    ledger = major_hazard_rows(session, region_code, total, sources=INSPECTION_SOURCES)
    majors: dict[str, MajorEnterprise] = {}
    for row in ledger:  # grouping finished rows for display, not computing figures
        entry = majors.get(row.enterprise_name)
        if entry is None:
            majors[row.enterprise_name] = MajorEnterprise(
                row.enterprise_name, row.place, row.industry, row.details)
        else:
            entry.details += "；" + row.details
    return TwoSessionsTable(
        region_code=region.code, region_name=region.name, week=week,
        this_week=_two_sessions_row(session, codes, this_week, total.start),
        total=_two_sessions_row(session, codes, total, total.start),
        major_enterprises=list(majors.values()),
    )


# --- 附件2: the major-hazard ledger ------------------------------------------------------


@dataclass
class LedgerRow:
    hazard_id: int
    number: str
    enterprise_name: str
    place: str  # 所在市（县、区）
    industry: str
    stage: str  # 检查环节
    check_unit: str
    checked_on: date | None
    details: str
    measures: str
    supervising_unit: str
    penalty: str
    completion: str
    remarks: str


def _money(value: Any) -> str:
    return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"


def _penalty_text(row: Any) -> str:
    parts = []
    if row.p_ent and Decimal(str(row.p_ent)) > 0:
        parts.append(f"处罚企业{_money(row.p_ent)}万元")
    if row.p_pri and Decimal(str(row.p_pri)) > 0:
        parts.append(f"处罚主要负责人{_money(row.p_pri)}万元")
    for flag, label in MEASURE_LABELS:
        if getattr(row, flag):
            parts.append(label)
    return "；".join(parts) if parts else "无"


def _measures_text(row: Any) -> str:
    if row.plan_measures is None:
        return row.measures or ""
    return (f"责任人：{row.plan_person}；措施：{row.plan_measures}；资金：{_money(row.plan_funds)}万元；"
            f"时限：{row.plan_deadline:%Y-%m-%d}；预案：{row.plan_contingency}")


def _completion_text(row: Any) -> str:
    if row.state == "closed" and row.closed_at is not None:
        return f"已完成整改（{local(row.closed_at):%Y-%m-%d}）"
    deadline = row.plan_deadline or row.deadline
    return f"整改中（期限{deadline:%Y-%m-%d}）" if deadline else "整改中"


def major_hazard_rows(
    session: Session, region_code: str, window: Window | None = None,
    sources: tuple[str, ...] | None = None,
) -> list[LedgerRow]:
    """附件2: one row per major hazard in the jurisdiction found in the window (all if None)."""
    _, codes = _codes(session, region_code)
    county = aliased(Region)
    city = aliased(Region)
    penalties = (
        penalty_sums(Penalty.hazard_id, label="hazard_id").where(Penalty.hazard_id.is_not(None)).subquery()
    )
    found_at = _found_at()
    query = (
        select(
            Hazard.id, Hazard.number, Hazard.enterprise_name, Hazard.source, Hazard.check_unit,
            found_at.label("found_at"), Hazard.description, Hazard.measures, Hazard.supervising_unit,
            Hazard.state, Hazard.closed_at, Hazard.deadline, Hazard.remarks,
            func.coalesce(Enterprise.industry, Hazard.industry).label("industry"),
            Enterprise.sub_sector,
            county.name.label("county_name"), county.level.label("county_level"),
            city.name.label("city_name"),
            RectificationPlan.responsible_person.label("plan_person"),
            RectificationPlan.measures.label("plan_measures"),
            RectificationPlan.funds_wan.label("plan_funds"),
            RectificationPlan.deadline.label("plan_deadline"),
            RectificationPlan.contingency.label("plan_contingency"),
            penalties.c.p_ent, penalties.c.p_pri, penalties.c.p_ord, penalties.c.p_sus,
            penalties.c.p_lic, penalties.c.p_clo, penalties.c.p_jud, penalties.c.p_joi,
        )
        .select_from(Hazard)
        .outerjoin(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .join(county, county.code == Hazard.region_code)
        .outerjoin(city, city.code == county.parent_code)
        .outerjoin(RectificationPlan, RectificationPlan.hazard_id == Hazard.id)
        .outerjoin(penalties, penalties.c.hazard_id == Hazard.id)
        .where(Hazard.region_code.in_(codes), Hazard.level == "major",
               Hazard.state.not_in(COUNTED_OUT_STATES))
        .order_by(found_at, Hazard.id)
    )
    if window is not None:
        query = query.where(found_at >= window.start, found_at < window.end)
    if sources is not None:
        query = query.where(Hazard.source.in_(sources))
    rows = []
    for r in session.execute(query):
        if r.county_level in ("province", "prefecture_city") or r.city_name is None:
            place = r.county_name
        else:
            place = f"{r.city_name}{r.county_name}"
        industry = r.industry or ""
        if r.sub_sector:
            industry = f"{industry}（{r.sub_sector}）"
        rows.append(LedgerRow(
            hazard_id=r.id, number=r.number, enterprise_name=r.enterprise_name, place=place,
            industry=industry, stage=SOURCE_LABELS.get(r.source, r.source),
            check_unit=r.check_unit or "", checked_on=local(r.found_at).date(),
            details=r.description, measures=_measures_text(r),
            supervising_unit=r.supervising_unit or "", penalty=_penalty_text(r),
            completion=_completion_text(r), remarks=r.remarks or "",
        ))
    return rows


def ledger_rows(
    session: Session, region_code: str, week: str | None = None, campaign: Campaign | None = None
) -> list[LedgerRow]:
    """附件2 for a week of a campaign (cumulative), or every major hazard if no week is given."""
    if week is None:
        if campaign is None:
            return major_hazard_rows(session, region_code)
        window = Window(_local_midnight(campaign.starts_on),
                        _local_midnight(campaign.ends_on + timedelta(days=1)))
        return major_hazard_rows(session, region_code, window)
    _, total = campaign_windows(campaign, week)
    return major_hazard_rows(session, region_code, total)


__all__ = [
    "LedgerRow", "PenaltyFigures", "StageFigures", "StatsError", "TwoSessionsTable", "WeeklyFigures",
    "Window", "campaign_for_week", "campaign_windows", "hazard_figures", "ledger_rows",
    "major_hazard_rows", "parse_week", "penalty_figures", "two_sessions_table", "week_of",
    "weekly_figures",
]
