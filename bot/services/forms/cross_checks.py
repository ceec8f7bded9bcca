"""Cross-inspections (市级交叉检查) of 晋应急发〔2024〕354号: the plan (附件3) and the summary (附件4).

附件3 pairs the 11 cities (who inspects whom); its 备注 says what the records show so far for
the inspected city. 附件4 is filled by the inspected city: one row per enterprise the
cross-inspection team checked, with its hazards, the penalties that followed and how far the
rectification has come; an enterprise the team checked (a finished cross-inspection) is
listed even when nothing was found. Each is one aggregate query (plus one for penalties).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from bot.models import Campaign, Enterprise, Hazard, Inspection, Penalty, Region
from bot.services.forms.cross_pairs import CROSS_PAIRS, CROSS_SOURCE
from bot.services.forms.figures import enterprise_key, found_at_column
from bot.services.forms.penalty_sums import MEASURE_LABELS, penalty_sums
from bot.services.forms.periods import StatsError, Window, campaign_by_key, local_midnight
from bot.services.hazards.hazard_search import NOT_HAZARDS
from bot.services.inspections.coverage import finished_inspections, inspection_key, one_if
from bot.services.people.jurisdiction import jurisdiction_codes
from bot.services.platform.clock import local

CROSS_DOC = "晋应急发〔2024〕354号"  # the notice with 附件3 and 附件4


def cross_campaign(session: Session, key: str | None) -> Campaign | None:
    """The campaign named by ``key`` (document number or id); by default 354号, if seeded."""
    if key is None:
        return session.scalars(select(Campaign).where(Campaign.doc_number == CROSS_DOC)).first()
    return campaign_by_key(session, key)


def campaign_window(campaign: Campaign | None) -> Window:
    """The campaign's whole period (or all time without one)."""
    if campaign is None:
        return Window(local_midnight(date(2000, 1, 1)), local_midnight(date(2100, 1, 1)))
    return Window(local_midnight(campaign.starts_on),
                  local_midnight(date.fromordinal(campaign.ends_on.toordinal() + 1)))


# --- 附件3 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrossPlanRow:
    no: int
    inspector: str
    inspected: str
    counties: int
    enterprises: int
    general: int
    major: int

    @property
    def remark(self) -> str:
        if not self.enterprises:
            return ""
        return (f"已抽查{self.counties}个县（市、区）{self.enterprises}家企业，"
                f"发现一般隐患{self.general}条、重大事故隐患{self.major}条")


def cross_plan_rows(session: Session, campaign: Campaign | None) -> list[CrossPlanRow]:
    """The 11 pairs, each with what the cross-inspection of the inspected city found so far.

    Enterprises and counties checked include those a finished cross-inspection found nothing in
    (``coverage.py``); one aggregate over the hazards and the inspections unioned.
    """
    window = campaign_window(campaign)
    found_at = found_at_column()
    hazard_county = aliased(Region)
    hazards = (
        select(
            case((hazard_county.level == "prefecture_city", hazard_county.code),
                 else_=hazard_county.parent_code).label("city"),
            Hazard.region_code.label("county"), enterprise_key().label("key"),
            one_if(Hazard.level == "general").label("general"),
            one_if(Hazard.level == "major").label("major"),
        )
        .select_from(Hazard)
        .join(hazard_county, hazard_county.code == Hazard.region_code)
        .where(Hazard.source == CROSS_SOURCE, Hazard.state.not_in(NOT_HAZARDS),
               found_at >= window.start, found_at < window.end)
    )
    visits, _, enterprise = finished_inspections(
        None, window.start, window.end, (CROSS_SOURCE,))
    visit_county = aliased(Region)
    visits = visits.join(visit_county, visit_county.code == enterprise.region_code).add_columns(
        case((visit_county.level == "prefecture_city", visit_county.code),
             else_=visit_county.parent_code).label("city"),
        enterprise.region_code.label("county"), inspection_key().label("key"),
        literal(0).label("general"), literal(0).label("major"),
    )
    rows = union_all(hazards, visits).subquery()
    query = (
        select(
            rows.c.city,
            func.count(func.distinct(rows.c.county)),
            func.count(func.distinct(rows.c.key)),
            func.coalesce(func.sum(rows.c.general), 0),
            func.coalesce(func.sum(rows.c.major), 0),
        )
        .group_by(rows.c.city)
    )
    found = {row[0]: tuple(int(v) for v in row[1:]) for row in session.execute(query)}
    names: dict[str, str] = dict(session.execute(
        select(Region.name, Region.code).where(Region.level == "prefecture_city")).tuples().all())
    table = []
    for no, inspector, inspected in CROSS_PAIRS:
        counties, enterprises, general, major = found.get(names.get(inspected, ""), (0, 0, 0, 0))
        table.append(CrossPlanRow(no, inspector, inspected, counties, enterprises, general, major))
    return table


# --- 附件4 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrossSummaryRow:
    enterprise_name: str
    place: str  # 所在市（县、区）
    industry: str
    check_unit: str
    checked_on: date
    general: int
    major: int
    measures: str  # 采取的行政处罚措施
    penalty: str  # 行政处罚情况
    completion: str  # 整改完成情况
    remarks: str


def cross_summary_rows(
    session: Session, region_code: str, campaign: Campaign | None
) -> list[CrossSummaryRow]:
    """附件4 for the inspected jurisdiction: one row per enterprise the cross-inspection checked."""
    if session.get(Region, region_code) is None:
        raise StatsError(f"没有行政区划代码“{region_code}”")
    codes = jurisdiction_codes(session, region_code)
    window = campaign_window(campaign)
    found_at = found_at_column()
    graded = Hazard.level.in_(("general", "major"))
    found = (
        select(
            enterprise_key().label("key"),
            Hazard.enterprise_id.label("enterprise_id"),
            Hazard.enterprise_name.label("name"),
            Hazard.region_code.label("region_code"),
            Hazard.industry.label("h_industry"),
            Hazard.check_unit.label("check_unit"),
            found_at.label("at"),
            one_if(Hazard.level == "general").label("general"),
            one_if(Hazard.level == "major").label("major"),
            one_if(and_(graded, Hazard.state == "closed")).label("closed"),
        )
        .where(Hazard.region_code.in_(codes), Hazard.source == CROSS_SOURCE,
               Hazard.state.not_in(NOT_HAZARDS), found_at >= window.start, found_at < window.end)
    )
    # An enterprise the team checked and found nothing in is listed too (0 条, 未发现隐患).
    visits, _, enterprise = finished_inspections(codes, window.start, window.end, (CROSS_SOURCE,))
    visits = visits.add_columns(
        inspection_key().label("key"), Inspection.enterprise_id.label("enterprise_id"),
        enterprise.name.label("name"), enterprise.region_code.label("region_code"),
        enterprise.industry.label("h_industry"), Inspection.unit.label("check_unit"),
        Inspection.started_at.label("at"),
        *(literal(0).label(name) for name in ("general", "major", "closed")),
    )
    both = union_all(found, visits).subquery()
    hazards = (
        select(
            both.c.key,
            func.min(both.c.enterprise_id).label("enterprise_id"),
            func.min(both.c.name).label("name"),
            func.min(both.c.region_code).label("region_code"),
            func.min(both.c.h_industry).label("h_industry"),
            func.min(both.c.check_unit).label("check_unit"),
            func.min(both.c.at).label("first_at"),
            func.coalesce(func.sum(both.c.general), 0).label("general"),
            func.coalesce(func.sum(both.c.major), 0).label("major"),
            func.coalesce(func.sum(both.c.closed), 0).label("closed"),
        )
        .group_by(both.c.key)
        .subquery()
    )
    penalised = aliased(Hazard)
    penalties = (
        penalty_sums(Penalty.enterprise_id, label="enterprise_id")
        .join(penalised, penalised.id == Penalty.hazard_id)
        .where(penalised.source == CROSS_SOURCE, penalised.region_code.in_(codes),
               penalised.state.not_in(NOT_HAZARDS),
               func.coalesce(penalised.checked_at, penalised.reported_at) >= window.start,
               func.coalesce(penalised.checked_at, penalised.reported_at) < window.end)
        .subquery()
    )
    county = aliased(Region)
    city = aliased(Region)
    query = (
        select(hazards, Enterprise.industry, Enterprise.sub_sector, county.name.label("county_name"),
               county.level.label("county_level"), city.name.label("city_name"),
               *(c for c in penalties.c if c.name != "enterprise_id"))
        .select_from(hazards)
        .outerjoin(Enterprise, Enterprise.id == hazards.c.enterprise_id)
        .join(county, county.code == hazards.c.region_code)
        .outerjoin(city, city.code == county.parent_code)
        .outerjoin(penalties, penalties.c.enterprise_id == hazards.c.enterprise_id)
        .order_by(hazards.c.first_at, hazards.c.name)
    )
    rows = []
    for r in session.execute(query):
        place = r.county_name if r.county_level == "prefecture_city" or r.city_name is None else (
            f"{r.city_name}{r.county_name}")
        industry = r.industry or r.h_industry or ""
        if r.sub_sector:
            industry = f"{industry}（{r.sub_sector}）"
        measures = [label for flag, label in MEASURE_LABELS if getattr(r, flag)]
        fines = []
        if r.p_ent and Decimal(str(r.p_ent)) > 0:
            fines.append(f"罚款企业{Decimal(str(r.p_ent)).quantize(Decimal('0.01'))}万元")
        if r.p_pri and Decimal(str(r.p_pri)) > 0:
            fines.append(f"罚款主要负责人{Decimal(str(r.p_pri)).quantize(Decimal('0.01'))}万元")
        total = int(r.general) + int(r.major)
        closed = int(r.closed)
        if not total:
            completion = "未发现隐患"
        elif closed == total:
            completion = "已全部整改"
        else:
            completion = f"已整改{closed}条，共{total}条"
        rows.append(CrossSummaryRow(
            enterprise_name=r.name, place=place, industry=industry, check_unit=r.check_unit or "",
            checked_on=local(r.first_at).date(), general=int(r.general), major=int(r.major),
            measures="；".join(measures) or "无", penalty="；".join(fines) or "无",
            completion=completion, remarks="",
        ))
    return rows
