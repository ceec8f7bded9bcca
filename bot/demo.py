"""Demo data for ``make run``: enterprises across the sectors the campaigns target.

The names are invented; the counties are real. Credit codes are invented too, but valid
(GB 32100 check characters), so the demo ledger exports and re-imports like a real one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Enterprise
from bot.services.registry.credit_code import make_credit_code

DEMO_ENTERPRISES: list[tuple[str, str, str, str]] = [
    # (name, county code, industry, sub-sector)
    ("太原晋钢钢铁有限公司", "140105", "冶金", "钢铁"),
    ("清徐宏达焦化钢铁有限公司", "140121", "冶金", "钢铁"),
    ("古交汇丰特钢有限公司", "140181", "冶金", "钢铁"),
    ("长治潞宝钢铁集团有限公司", "140406", "冶金", "钢铁"),
    ("晋城福盛钢铁有限公司", "140502", "冶金", "钢铁"),
    ("介休华茂精密铸造有限公司", "140781", "冶金", "铸造"),
    ("河津华圣铝业有限公司", "140882", "有色", "铝加工（深井铸造）"),
    ("孝义兴安铝材有限公司", "141181", "有色", "铝加工（深井铸造）"),
    ("交城宏昌铝合金有限公司", "141122", "有色", "铝加工（深井铸造）"),
    ("霍州恒泰镁业有限公司", "141082", "有色", "镁冶炼"),
    ("大同云冈木业有限公司", "140213", "轻工", "木制品加工（涉爆粉尘）"),
    ("朔州金谷面粉有限公司", "140602", "轻工", "粮食加工（涉爆粉尘）"),
    ("阳泉城区铝粉制品有限公司", "140302", "有色", "铝镁粉加工（涉爆粉尘）"),
    ("忻州五台山酿造有限公司", "140902", "轻工", "酿造（有限空间）"),
    ("运城盐湖食品有限公司", "140802", "轻工", "食品加工（有限空间）"),
    ("临汾尧都造纸有限公司", "141002", "轻工", "造纸（有限空间）"),
    ("晋中榆次液压机械有限公司", "140702", "机械", "机械制造"),
    ("太原重型装备配套有限公司", "140108", "机械", "机械制造"),
    ("吕梁离石建材有限公司", "141102", "建材", "水泥"),
    ("晋城泽州纺织有限公司", "140525", "纺织", "纺织"),
    ("长治冷链物流有限公司", "140404", "商贸", "冷库（涉氨制冷）"),
]


# Where each plant is (GCJ-02, as 高德 or WeChat give it; invented, but inside its county), so a
# location sent in the simulator finds plants nearby: its default point is 0.8 km from 晋钢.
_COORDINATES: dict[str, tuple[float, float]] = {  # name: (纬度, 经度)
    "太原晋钢钢铁有限公司": (37.7185, 112.5743),
    "清徐宏达焦化钢铁有限公司": (37.6075, 112.3580),
    "古交汇丰特钢有限公司": (37.9070, 112.1750),
    "长治潞宝钢铁集团有限公司": (36.3340, 113.2280),
    "晋城福盛钢铁有限公司": (35.5100, 112.8600),
    "介休华茂精密铸造有限公司": (37.0270, 111.9170),
    "河津华圣铝业有限公司": (35.5970, 110.7100),
    "孝义兴安铝材有限公司": (37.1450, 111.7800),
    "交城宏昌铝合金有限公司": (37.5530, 112.1600),
    "霍州恒泰镁业有限公司": (36.5680, 111.7550),
    "大同云冈木业有限公司": (40.0770, 113.3200),
    "朔州金谷面粉有限公司": (39.3320, 112.4300),
    "阳泉城区铝粉制品有限公司": (37.8600, 113.5700),
    "忻州五台山酿造有限公司": (38.4170, 112.7400),
    "运城盐湖食品有限公司": (35.0260, 111.0100),
    "临汾尧都造纸有限公司": (36.0800, 111.5200),
    "晋中榆次液压机械有限公司": (37.6970, 112.7400),
    "太原重型装备配套有限公司": (37.9350, 112.4900),
    "吕梁离石建材有限公司": (37.5200, 111.1500),
    "晋城泽州纺织有限公司": (35.4300, 112.8400),
    "长治冷链物流有限公司": (36.0600, 113.0500),
}

# Enterprises whose premises are let to other firms (厂中厂), and those using hazardous chemicals.
_LEASED = {"太原重型装备配套有限公司"}
_HAZCHEM = {"清徐宏达焦化钢铁有限公司", "长治冷链物流有限公司"}
# 结对帮扶 (附件1 row 2): a 标杆企业 of each city paired with the 帮扶企业 it helps.
_BENCHMARK = {"太原晋钢钢铁有限公司", "长治潞宝钢铁集团有限公司"}
_ASSISTED = {"古交汇丰特钢有限公司", "晋城福盛钢铁有限公司"}


def demo_values(index: int) -> dict[str, Any]:
    """The ledger fields of the ``index``-th demo enterprise: code and flags follow its sector."""
    name, region_code, industry, sub_sector = DEMO_ENTERPRISES[index]
    dusty = "涉爆粉尘" in sub_sector
    lat, lng = _COORDINATES[name]
    return {
        "name": name,
        "credit_code": make_credit_code(region_code, index + 1),
        "region_code": region_code,
        "industry": industry,
        "sub_sector": sub_sector,
        "scale": "规模以上" if industry in ("冶金", "有色") else "规模以下",
        "metal_smelting": sub_sector in ("钢铁", "镁冶炼"),
        "dust_explosion": dusty,
        "dust_workers": 10 + 3 * index if dusty else None,
        "confined_space": "有限空间" in sub_sector,
        "ammonia_refrigeration": "涉氨制冷" in sub_sector,
        "hazchem": name in _HAZCHEM,
        "leased_premises": name in _LEASED,
        "benchmark": name in _BENCHMARK,
        "assisted": name in _ASSISTED,
        "latitude": lat,
        "longitude": lng,
        "coord_system": "GCJ-02",
    }


def load_demo(session: Session, *, now: datetime) -> int:
    """Add the demo enterprises that are not there yet; returns how many were added.

    Demo enterprises from before credit codes existed get their code and flags filled in, and
    those from before coordinates existed their coordinates.
    """
    existing = {e.name: e for e in session.scalars(select(Enterprise))}
    added = 0
    for index in range(len(DEMO_ENTERPRISES)):
        values = demo_values(index)
        enterprise = existing.get(values["name"])
        if enterprise is None:
            session.add(Enterprise(created_at=now, **values))
            added += 1
        elif enterprise.credit_code is None:
            for field, value in values.items():
                setattr(enterprise, field, value)
        elif enterprise.latitude is None and enterprise.longitude is None:
            for field in ("latitude", "longitude", "coord_system"):
                setattr(enterprise, field, values[field])
    return added


DEMO_OFFICER_REGION = "140105"  # 小店区
DEMO_MANAGED_ENTERPRISE = "太原晋钢钢铁有限公司"


def issue_demo_invites(session: Session, *, now: datetime) -> list[tuple[str, str]]:
    """One-time codes for a county officer of 小店区 and the manager of 太原晋钢 (dev only)."""
    from bot.services.people.bindings import issue_code

    enterprise_id = session.scalars(
        select(Enterprise.id).where(Enterprise.name == DEMO_MANAGED_ENTERPRISE)
    ).one()
    officer = issue_code(session, role="county_officer", region_code=DEMO_OFFICER_REGION,
                         name="演示科长", days=1, created_by="demo", now=now)
    manager = issue_code(session, role="enterprise_manager", enterprise_id=enterprise_id,
                         name="演示安全负责人", days=1, created_by="demo", now=now)
    return [("小店区县级监管人员", officer), (f"{DEMO_MANAGED_ENTERPRISE}安全负责人", manager)]
