"""Demo data for ``make run``: enterprises across the sectors the campaigns target.

The names are invented; the counties are real. Credit codes are left empty until the
registry issue validates them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Enterprise

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


def load_demo(session: Session, *, now: datetime) -> int:
    """Add the demo enterprises that are not there yet; returns how many were added."""
    existing = set(session.scalars(select(Enterprise.name)))
    added = 0
    for name, region_code, industry, sub_sector in DEMO_ENTERPRISES:
        if name in existing:
            continue
        session.add(
            Enterprise(name=name, region_code=region_code, industry=industry,
                       sub_sector=sub_sector, created_at=now)
        )
        added += 1
    return added
