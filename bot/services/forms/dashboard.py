"""The console's dashboard figures: a handful of SQL aggregates under the user's scope.

Each chart is one ``GROUP BY`` (or one row of ``CASE`` sums), never a loop over hazards in
Python, so a province-wide dashboard costs a few index scans. Each figure carries the ledger
filters that list exactly the hazards it counts, so a click on a bar opens them.

Conventions, the same as the ledger's: a hazard is *found* when reported (``reported_at``,
weeks in Asia/Shanghai, Monday first), *closed* when ``closed_at`` is set; rejected and
merged reports are no hazards (``hazard_search.is_hazard``, the one definition: the ledger
with no state filter lists exactly what 隐患总数 counts); *open* is any state before 销号;
*overdue* means the deadline has passed and the hazard is still open (computed, never stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from bot.models import Hazard, Region
from bot.services.hazards.hazard_search import NOT_HAZARDS, OPEN_STATES, SOURCE_NAMES, is_hazard
from bot.services.people.console_scope import Scope
from bot.services.platform.clock import local, local_tz

COUNTED_OUT = NOT_HAZARDS
WEEKS = 12
TOP_ENTERPRISES = 15


@dataclass
class Bar:
    """One bar, slice or point: its label, value(s) and the ledger filters behind it."""

    label: str
    value: float
    link: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Dashboard:
    weekly_found: list[Bar]
    weekly_closed: list[Bar]
    major_by_county: list[Bar]  # value = open major; extra["closed"] = closed major
    overdue_by_enterprise: list[Bar]
    sources: list[Bar]
    rate_by_level: list[Bar]  # value = percent closed of graded
    totals: dict[str, int]


def _sum(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_tz())


def weekly(session: Session, scope: Scope, now: datetime, weeks: int = WEEKS) -> tuple[list[Bar], list[Bar]]:
    """Hazards found and closed in each of the last ``weeks`` weeks (this one included)."""
    first = _monday(local(now).date()) - timedelta(weeks=weeks - 1)
    mondays = [first + timedelta(weeks=i) for i in range(weeks)]
    bounds = [(_start(m), _start(m + timedelta(days=7))) for m in mondays]
    counted = is_hazard()
    cols = [_sum(and_(counted, Hazard.reported_at >= a, Hazard.reported_at < b)) for a, b in bounds]
    cols += [_sum(and_(Hazard.state == "closed", Hazard.closed_at >= a, Hazard.closed_at < b))
             for a, b in bounds]
    row = session.execute(
        select(*cols).where(scope.hazard_clause(),
                            (Hazard.reported_at >= bounds[0][0]) | (Hazard.closed_at >= bounds[0][0]))
    ).one()
    found, closed = [], []
    for i, monday in enumerate(mondays):
        label = f"{monday:%m-%d}"
        sunday = monday + timedelta(days=6)
        days = {"date_from": monday.isoformat(), "date_to": sunday.isoformat(), "state": "valid"}
        found.append(Bar(label, int(row[i]), days))
        closed.append(Bar(label, int(row[weeks + i]), {
            "state": "closed", "closed_from": monday.isoformat(), "closed_to": sunday.isoformat()}))
    return found, closed


def major_by_county(session: Session, scope: Scope) -> list[Bar]:
    """动态清零: open and closed major hazards per county, most open first."""
    rows = session.execute(
        select(Hazard.region_code, Region.name,
               _sum(Hazard.state.in_(OPEN_STATES)), _sum(Hazard.state == "closed"))
        .join(Region, Region.code == Hazard.region_code)
        .where(scope.hazard_clause(), Hazard.level == "major", is_hazard())
        .group_by(Hazard.region_code, Region.name)
    ).all()
    bars = [Bar(name, int(open_), {"region": code, "level": "major", "state": "open"},
                {"closed": int(closed)}) for code, name, open_, closed in rows]
    return sorted(bars, key=lambda b: (-b.value, -b.extra["closed"], b.label))


def overdue_by_enterprise(session: Session, scope: Scope, today: date) -> list[Bar]:
    count = func.count(Hazard.id)
    rows = session.execute(
        select(Hazard.enterprise_id, Hazard.enterprise_name, count)
        .where(scope.hazard_clause(), Hazard.deadline < today, Hazard.state.in_(OPEN_STATES))
        .group_by(Hazard.enterprise_id, Hazard.enterprise_name)
        .order_by(count.desc(), Hazard.enterprise_name).limit(TOP_ENTERPRISES)
    ).all()
    bars = []
    for enterprise_id, name, n in rows:
        which = {"enterprise_id": str(enterprise_id)} if enterprise_id else {"q": name[:50]}
        link = {"overdue": "1"} | which
        bars.append(Bar(name, int(n), link))
    return bars


def sources(session: Session, scope: Scope) -> list[Bar]:
    """Self-check vs inspections vs reports (never shown to managers: the whistleblower rule)."""
    if scope.is_manager:
        return []
    count = func.count(Hazard.id)
    rows = session.execute(
        select(Hazard.source, count).where(scope.hazard_clause(), is_hazard())
        .group_by(Hazard.source).order_by(count.desc())
    ).all()
    return [Bar(SOURCE_NAMES.get(s, s), int(n), {"source": s, "state": "valid"}) for s, n in rows]


def rectification(session: Session, scope: Scope, today: date) -> tuple[list[Bar], dict[str, int]]:
    """整改率 per level (closed of graded), and the totals shown above the charts."""
    counted = is_hazard()
    row = session.execute(
        select(
            _sum(counted),
            _sum(and_(counted, Hazard.level == "general")),
            _sum(and_(Hazard.level == "general", Hazard.state == "closed")),
            _sum(and_(counted, Hazard.level == "major")),
            _sum(and_(Hazard.level == "major", Hazard.state == "closed")),
            _sum(Hazard.state.in_(OPEN_STATES)),
            _sum(and_(Hazard.state.in_(OPEN_STATES), Hazard.deadline < today)),
            _sum(Hazard.state == "submitted"),
        ).where(scope.hazard_clause())
    ).one()
    total, general, general_closed, major, major_closed, open_, overdue, waiting = (int(v) for v in row)
    bars = []
    for code, label, graded, done in (("general", "一般隐患", general, general_closed),
                                      ("major", "重大事故隐患", major, major_closed)):
        rate = round(100.0 * done / graded, 1) if graded else 0.0
        bars.append(Bar(label, rate, {"level": code, "state": "closed"}, {"graded": graded, "closed": done}))
    graded = general + major
    totals = {
        "total": total, "open": open_, "overdue": overdue, "waiting": waiting,
        "major_open": major - major_closed, "rate": round(100 * (general_closed + major_closed) / graded)
        if graded else 0,
    }
    return bars, totals


def build(session: Session, scope: Scope, *, now: datetime) -> Dashboard:
    today = local(now).date()
    found, closed = weekly(session, scope, now)
    rate, totals = rectification(session, scope, today)
    return Dashboard(
        weekly_found=found, weekly_closed=closed, major_by_county=major_by_county(session, scope),
        overdue_by_enterprise=overdue_by_enterprise(session, scope, today), sources=sources(session, scope),
        rate_by_level=rate, totals=totals,
    )
