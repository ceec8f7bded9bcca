"""The campaigns' figures (附件1 by stage, and the blocks other forms share), by SQL aggregates.

Every figure block is one ``GROUP BY`` query with ``CASE`` expressions; nothing loops over
hazards in Python, so the weekly table of a province costs a handful of index scans.

Conventions (docs/design.md §3, seeds 000 and 001):

* Periods (weeks, a campaign's windows) are ``periods.py``'s.
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

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, case, cast, distinct, func, literal, select, union_all
from sqlalchemy.orm import Session

from bot.models import Campaign, Enterprise, Hazard, Inspection, Penalty, Region
from bot.services.forms.periods import StatsError, Window, campaign_windows
from bot.services.inspections.coverage import (
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
COUNTED_OUT_STATES = ("rejected", "merged")


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
    region, codes = region_and_codes(session, region_code)
    _, total = campaign_windows(campaign, week)
    return WeeklyFigures(
        region_code=region.code, region_name=region.name, week=week, window=total,
        stages=hazard_figures(session, codes, total, total.start),
        penalties=penalty_figures(session, codes, total),
    )
