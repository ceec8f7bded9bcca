"""Which enterprises a stage covered (检查企业数): the SQL pieces the figures share.

The forms count the enterprises *checked* at a stage (附件1 "**家企业…自查自改", "市本级检查**家
企业", "县级共检查**家企业", "共抽查*个县的**家企业"; 001 "检查企业（家）"; 附件3/附件4 the
enterprises the cross-inspection team checked), not only those where something was found. So an
enterprise counts for a stage in a window when

* an inspection of that stage of it was **finished** in the window (``finished_at``): the forms
  count work done in the period, and an inspection still open is work under way, which may yet
  be abandoned or extended; it counts in the week it is finished. Or
* a hazard of that stage (``Hazard.source``) was found in the window: with or without an
  inspection record, since a hazard found means the enterprise was checked. This keeps the
  hazards reported before inspections existed, those entered by hand with a stage as source,
  and those an inspection still open has already found.

Both sets are unioned (``UNION ALL``) and counted distinct by enterprise in one aggregate, so an
enterprise inspected twice, or inspected with findings, counts once.

市本级 / 县级 (市县检查) is the level of the inspecting officer's region: for an inspection the
officer who started it (his unit is the inspection's 检查单位); for a hazard the one who started
the inspection that found it, else the officer who recorded it. A province-level recorder
counts as 市本级, an unknown or county-level one as 县级.

交叉检查 (附件1 row 4) is the *inspecting* city's work: the same region (starter, else recorder)
names the city that inspected (``city_of``). A recorder of the inspected city itself (the list
handed over and entered there) or of the province says nothing of who inspected; ``figures``
then takes the inspecting city from 附件3's pairs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, case, cast, func, literal, select
from sqlalchemy.orm import aliased

from bot.models import Enterprise, Hazard, Inspection, InspectionFinding, Region, User

CITY_LEVELS = ("province", "prefecture_city")


def level_split(level: Any) -> Any:
    """'city' for a province or city recorder, 'county' otherwise (县级 or unknown)."""
    return case((level.in_(CITY_LEVELS), literal("city")), else_=literal("county"))


def stage_case(source: Any, level: Any) -> Any:
    """附件1's stage of a source code (Hazard.source and Inspection.stage share the codes)."""
    return case(
        (source == "self_check", literal("self_check")),
        (source == "joint_inspection", level_split(level)),
        (source == "cross_inspection", literal("cross")),
        else_=literal("other"),
    )


def inspection_key() -> Any:
    """The enterprise key of an inspection, the same text as ``figures.enterprise_key``."""
    return cast(Inspection.enterprise_id, String)


def finished_inspections(
    codes: set[str] | None, start: Any, end: Any, sources: tuple[str, ...] | None = None
) -> tuple[Any, Any, Any]:
    """(select-from with the filters, the starter's region alias, the enterprise) for the
    inspections finished in [start, end) of enterprises in ``codes`` (None: anywhere); the
    caller adds the columns."""
    starter = aliased(User)
    starter_region = aliased(Region)
    query = (
        select()
        .select_from(Inspection)
        .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
        .outerjoin(starter, starter.id == Inspection.started_by)
        .outerjoin(starter_region, starter_region.code == starter.region_code)
        .where(
            Inspection.state == "finished",
            Inspection.finished_at >= start,
            Inspection.finished_at < end,
        )
    )
    if codes is not None:
        query = query.where(Enterprise.region_code.in_(codes))
    if sources is not None:
        query = query.where(Inspection.stage.in_(sources))
    return query, starter_region, Enterprise


def hazard_recorder_region(query: Any) -> tuple[Any, Any]:
    """Join a hazards query to the region that splits 市本级 / 县级; returns (query, region).

    The inspection's starter if the hazard was found by one, else the hazard's reporter.
    """
    reporter = aliased(User)
    linked = aliased(Inspection)
    starter = aliased(User)
    region = aliased(Region)
    query = (
        query.outerjoin(InspectionFinding, InspectionFinding.hazard_id == Hazard.id)
        .outerjoin(linked, linked.id == InspectionFinding.inspection_id)
        .outerjoin(starter, starter.id == linked.started_by)
        .outerjoin(reporter, reporter.id == Hazard.reporter_id)
        .outerjoin(region, region.code == func.coalesce(starter.region_code, reporter.region_code))
    )
    return query, region


def city_of(region: Any) -> Any:
    """The city code of a region alias: itself for a city, its parent for a county, NULL for
    the province (which is no city) or an unknown region."""
    return case(
        (region.level == "prefecture_city", region.code),
        (region.level.in_(("province",)), literal(None)),
        else_=region.parent_code,
    )


def one_if(cond: Any) -> Any:
    """1 where ``cond`` holds, else 0 (summed by the outer aggregate)."""
    return case((cond, 1), else_=0)
