"""The campaigns' figures (附件1 by stage, and the blocks other forms share), by SQL aggregates.

Every figure block is one ``GROUP BY`` query with ``CASE`` expressions; nothing loops over
hazards in Python, so the weekly table of a province costs a handful of index scans.

Conventions (docs/design.md §3, seeds 000 and 001):

* Periods (weeks from one cut-off to the next, a campaign's windows) are ``periods.py``'s; the
  figures keep their 本周 window (``period``) so a table names its dates.
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
* Row 2 (企业自查自改), as seed 000 words it: "**家企业制定了自查自改工作方案" counts the
  enterprises of the jurisdiction with a 自查自改工作方案 recorded in the window
  (``registry.selfcheck_plans``); "其中确定标杆企业**家，帮扶企业**家" counts the ledger's flags
  (``Enterprise.benchmark``, ``assisted``) as they stand; the hazards after them are the
  self-check hazards of those paired enterprises (结对帮扶), by the rules above.
* Row 4 (市级交叉检查) is the *inspecting* city's: a cross-inspection hazard or finished
  inspection counts in the table of the city whose officer did it (the inspection's starter,
  else the recorder: ``coverage.city_of``), and names the inspected city and its counties.
  When that officer is of the inspected city itself, of the province, or unknown, 附件3's pair
  (``cross_pairs``) says who inspected. The inspected city files the same work in 附件4
  (``cross_checks``), not in its row 4.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, case, cast, distinct, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from bot.models import Campaign, Enterprise, Hazard, Inspection, Penalty, Region
from bot.models.enterprise import SelfCheckPlan
from bot.services.forms.cross_pairs import CROSS_PAIRS, CROSS_SOURCE
from bot.services.forms.periods import StatsError, Window, campaign_windows
from bot.services.hazards.hazard_search import NOT_HAZARDS
from bot.services.inspections.coverage import (
    city_of,
    finished_inspections,
    hazard_recorder_region,
    inspection_key,
    one_if,
    stage_case,
)
from bot.services.people.jurisdiction import jurisdiction_codes

STAGES = ("self_check", "city", "county", "cross", "other")
STAGE_LABELS = {
    "self_check": "企业自查自改",
    "city": "市县联合检查（市本级）",
    "county": "市县联合检查（县级）",
    "cross": "市级交叉检查",
    "other": "省级督查及群众举报（附件1无此栏，另列）",
}
INSPECTION_SOURCES = ("joint_inspection", "cross_inspection", "provincial")  # 2021: 专项督查


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
class SelfCheckFigures:
    """Row 2 beyond the stage's own figures: plans recorded, the 结对帮扶 flags, and the
    self-check hazards of the flagged (标杆 or 帮扶) enterprises."""

    plans: int = 0  # enterprises with a 自查自改工作方案 recorded in the window
    benchmark: int = 0  # 标杆企业（家）
    assisted: int = 0  # 帮扶企业（家）
    paired: StageFigures = field(default_factory=StageFigures)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SelfCheckFigures:
        return cls(**{**data, "paired": StageFigures(**data.get("paired", {}))})


@dataclass
class CrossTarget:
    """A city the jurisdiction cross-inspected, and its counties where enterprises were checked."""

    city: str
    counties: list[str] = field(default_factory=list)


@dataclass
class WeeklyFigures:
    """附件1's numbers for one jurisdiction and week (cumulative)."""

    region_code: str
    region_name: str
    week: str
    window: Window
    stages: dict[str, StageFigures] = field(default_factory=dict)
    penalties: PenaltyFigures = field(default_factory=PenaltyFigures)
    # row 2's plans and flags; None in a table frozen before they were counted
    self_check: SelfCheckFigures | None = field(default_factory=SelfCheckFigures)
    cross_targets: list[CrossTarget] = field(default_factory=list)  # row 4: whom it inspected
    period: Window | None = None  # 本周: from the last filed table's end to this one's

    def as_json(self) -> dict[str, Any]:
        """Plain JSON (Decimals as strings), for freezing a confirmed report."""
        return {
            "region_code": self.region_code, "region_name": self.region_name, "week": self.week,
            "window": [self.window.start.isoformat(), self.window.end.isoformat()],
            "period": [self.period.start.isoformat(), self.period.end.isoformat()] if self.period else None,
            "stages": {k: asdict(v) for k, v in self.stages.items()},
            "penalties": {k: str(v) if isinstance(v, Decimal) else v
                          for k, v in asdict(self.penalties).items()},
            "self_check": asdict(self.self_check) if self.self_check is not None else None,
            "cross_targets": [asdict(t) for t in self.cross_targets],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WeeklyFigures:
        """The figures a confirmed report froze (``as_json``), to render it exactly as filed."""
        penalties: dict[str, Any] = {
            k: Decimal(v) if k.startswith("fine_") else v for k, v in data["penalties"].items()
        }
        start, end = (datetime.fromisoformat(v) for v in data["window"])
        period = data.get("period")  # absent from tables filed before periods had dates
        return cls(
            period=Window(*(datetime.fromisoformat(v) for v in period)) if period else None,
            region_code=data["region_code"], region_name=data["region_name"], week=data["week"],
            window=Window(start, end),
            stages={k: StageFigures(**v) for k, v in data["stages"].items()},
            penalties=PenaltyFigures(**penalties),
            # absent from tables filed before rows 2 and 4 were worded as the seed
            self_check=SelfCheckFigures.from_json(data["self_check"]) if data.get("self_check") else None,
            cross_targets=[CrossTarget(**t) for t in data.get("cross_targets", [])],
        )


def region_and_codes(session: Session, region_code: str) -> tuple[Region, set[str]]:
    region = session.get(Region, region_code)
    if region is None:
        raise StatsError(f"没有行政区划代码“{region_code}”")
    return region, jurisdiction_codes(session, region_code)


def found_at_column() -> Any:
    return func.coalesce(Hazard.checked_at, Hazard.reported_at)


def enterprise_key() -> Any:
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
    found_at = found_at_column()
    found_in = found_at >= window.start
    fixed_in = and_(Hazard.state == "closed", Hazard.closed_at >= window.start,
                    Hazard.closed_at < window.end)
    hazards, recorder_region = hazard_recorder_region(select().select_from(Hazard))
    hazard_stage = stage_case(Hazard.source, recorder_region.level) if by_stage else literal("all")
    hazards = hazards.add_columns(
        hazard_stage.label("stage"),
        enterprise_key().label("key"),
        Hazard.region_code.label("county"),
        one_if(found_in).label("covered"),
        one_if(and_(found_in, Hazard.level == "general")).label("gf"),
        one_if(and_(fixed_in, Hazard.level == "general")).label("gx"),
        one_if(and_(found_in, Hazard.level == "major")).label("mf"),
        one_if(and_(fixed_in, Hazard.level == "major")).label("mx"),
    ).where(
        Hazard.region_code.in_(codes),
        Hazard.state.not_in(NOT_HAZARDS),
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


def selfcheck_figures(session: Session, codes: set[str], window: Window, since: datetime) -> SelfCheckFigures:
    """Row 2's plans, flags and paired hazards: two aggregates over the jurisdiction.

    Plans count distinct enterprises with one recorded in ``window``; the flags are the
    ledger's as they stand (the table is cumulative, and a confirmed one freezes them); the
    paired hazards follow ``hazard_figures``' rules for the self-check stage.
    """
    planned = select(SelfCheckPlan.enterprise_id).where(
        SelfCheckPlan.recorded_at >= window.start, SelfCheckPlan.recorded_at < window.end)
    flags = session.execute(
        select(
            func.coalesce(func.sum(one_if(Enterprise.id.in_(planned))), 0),
            func.coalesce(func.sum(one_if(Enterprise.benchmark)), 0),
            func.coalesce(func.sum(one_if(Enterprise.assisted)), 0),
        ).where(Enterprise.region_code.in_(codes))
    ).one()
    found_at = found_at_column()
    found_in = found_at >= window.start
    fixed_in = and_(Hazard.state == "closed", Hazard.closed_at >= window.start,
                    Hazard.closed_at < window.end)
    paired = session.execute(
        select(
            func.count(distinct(case((found_in, Hazard.enterprise_id)))),
            *(func.coalesce(func.sum(one_if(and_(when, Hazard.level == level))), 0)
              for when, level in ((found_in, "general"), (fixed_in, "general"),
                                  (found_in, "major"), (fixed_in, "major"))),
            func.count(distinct(case((found_in, Hazard.region_code)))),
        )
        .select_from(Hazard)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(
            Hazard.source == "self_check", Hazard.region_code.in_(codes),
            Hazard.state.not_in(NOT_HAZARDS), found_at >= since, found_at < window.end,
            Enterprise.benchmark | Enterprise.assisted,
        )
    ).one()
    return SelfCheckFigures(plans=int(flags[0]), benchmark=int(flags[1]), assisted=int(flags[2]),
                            paired=StageFigures(*(int(v) for v in paired)))


def _inspecting_city(session: Session, recorder_city: Any, inspected_city: Any) -> Any:
    """SQL: the city that cross-inspected; the recorder's, unless it says nothing of that (none,
    the province, the inspected city itself): then 附件3's pair of the inspected city."""
    codes = dict(session.execute(
        select(Region.name, Region.code).where(Region.level == "prefecture_city")).tuples().all())
    pairs = [(codes[target], codes[inspector]) for _, inspector, target in CROSS_PAIRS
             if target in codes and inspector in codes]
    by_pair: Any = literal(None)
    if pairs:
        by_pair = case(*((inspected_city == target, literal(inspector)) for target, inspector in pairs),
                       else_=literal(None))
    own = and_(recorder_city.is_not(None), recorder_city != func.coalesce(inspected_city, ""))
    return case((own, recorder_city), else_=by_pair)


def cross_figures(
    session: Session, codes: set[str], window: Window, since: datetime
) -> tuple[StageFigures, list[CrossTarget]]:
    """Row 4 for the inspecting jurisdiction: what its cross-inspections covered and found, and
    the cities and counties they were in. One aggregate, by inspected county, over the hazards
    and the finished inspections unioned (``coverage.py``)."""
    found_at = found_at_column()
    found_in = found_at >= window.start
    fixed_in = and_(Hazard.state == "closed", Hazard.closed_at >= window.start,
                    Hazard.closed_at < window.end)
    hazards, recorder_region = hazard_recorder_region(select().select_from(Hazard))
    county = aliased(Region)
    hazard_city = city_of(county)
    hazards = hazards.join(county, county.code == Hazard.region_code).add_columns(
        hazard_city.label("city"), Hazard.region_code.label("county"), enterprise_key().label("key"),
        one_if(found_in).label("covered"),
        one_if(and_(found_in, Hazard.level == "general")).label("gf"),
        one_if(and_(fixed_in, Hazard.level == "general")).label("gx"),
        one_if(and_(found_in, Hazard.level == "major")).label("mf"),
        one_if(and_(fixed_in, Hazard.level == "major")).label("mx"),
    ).where(
        Hazard.source == CROSS_SOURCE, Hazard.state.not_in(NOT_HAZARDS),
        found_at >= since, found_at < window.end,
        _inspecting_city(session, city_of(recorder_region), hazard_city).in_(codes),
    )
    visits, starter_region, enterprise = finished_inspections(None, window.start, window.end, (CROSS_SOURCE,))
    visit_county = aliased(Region)
    visit_city = city_of(visit_county)
    visits = visits.join(visit_county, visit_county.code == enterprise.region_code).add_columns(
        visit_city.label("city"), enterprise.region_code.label("county"), inspection_key().label("key"),
        literal(1).label("covered"), *(literal(0).label(name) for name in ("gf", "gx", "mf", "mx")),
    ).where(_inspecting_city(session, city_of(starter_region), visit_city).in_(codes))
    rows = union_all(hazards, visits).subquery()
    city_region, county_region = aliased(Region), aliased(Region)
    query = (
        select(
            func.min(city_region.name), func.min(county_region.name),
            func.count(distinct(case((rows.c.covered == 1, rows.c.key)))),
            *(func.coalesce(func.sum(rows.c[name]), 0) for name in ("gf", "gx", "mf", "mx")),
        )
        .select_from(rows)
        .outerjoin(city_region, city_region.code == rows.c.city)
        .join(county_region, county_region.code == rows.c.county)
        .group_by(rows.c.city, rows.c.county)
        .order_by(rows.c.city, rows.c.county)
    )
    total = StageFigures()
    targets: dict[str, CrossTarget] = {}
    for city, county_name, enterprises, gf, gx, mf, mx in session.execute(query):
        total.general_found += int(gf)
        total.general_fixed += int(gx)
        total.major_found += int(mf)
        total.major_fixed += int(mx)
        if enterprises:  # an enterprise lies in one county: the counties' counts add up
            total.enterprises += int(enterprises)
            total.counties += 1
            name = city or county_name
            targets.setdefault(name, CrossTarget(name)).counties.append(county_name)
    return total, list(targets.values())


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
    """附件1: cumulative figures by stage since the campaign start, up to the end of the region's
    ``week`` (where its confirmed table ended, else the cut-off)."""
    region, codes = region_and_codes(session, region_code)
    this_week, total = campaign_windows(campaign, week, session=session, region_code=region.code)
    cross, targets = cross_figures(session, codes, total, total.start)  # the inspector's row 4
    return WeeklyFigures(
        region_code=region.code, region_name=region.name, week=week, window=total, period=this_week,
        stages={**hazard_figures(session, codes, total, total.start), "cross": cross},
        penalties=penalty_figures(session, codes, total),
        self_check=selfcheck_figures(session, codes, total, total.start), cross_targets=targets,
    )
