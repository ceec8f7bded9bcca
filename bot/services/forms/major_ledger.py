"""附件2 重大事故隐患台账: one row per major hazard of a jurisdiction, with its plan and penalties.

The columns are the seed's (000 附件2): 企业名称, 所在市(县、区), 行业类别, 检查环节, 检查单位, 检查时间,
重大隐患明细, 整改措施 (the 五落实 plan when one is filed), 挂牌督办单位, 行政处罚情况, 整改完成情况, 备注.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bot.models import Campaign, Enterprise, Hazard, Penalty, RectificationPlan, Region
from bot.services.forms.figures import found_at_column, region_and_codes
from bot.services.forms.penalty_sums import MEASURE_LABELS, penalty_sums
from bot.services.forms.periods import Window, campaign_windows, local_midnight
from bot.services.hazards.hazard_search import NOT_HAZARDS
from bot.services.hazards.workflow_texts import SOURCE_LABELS
from bot.services.platform.clock import local


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
    _, codes = region_and_codes(session, region_code)
    county = aliased(Region)
    city = aliased(Region)
    penalties = (
        penalty_sums(Penalty.hazard_id, label="hazard_id").where(Penalty.hazard_id.is_not(None)).subquery()
    )
    found_at = found_at_column()
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
               Hazard.state.not_in(NOT_HAZARDS))
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
        window = Window(local_midnight(campaign.starts_on),
                        local_midnight(campaign.ends_on + timedelta(days=1)))
        return major_hazard_rows(session, region_code, window)
    _, total = campaign_windows(campaign, week, session=session, region_code=region_code)
    return major_hazard_rows(session, region_code, total)
