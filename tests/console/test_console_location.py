"""The hazard page shows where the report was made and in which coordinate system: GCJ-02 from
WeChat, WGS-84 from a GPS, 未注明 where the sender did not say; the map link follows it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.models import User
from tests.common.factories import enterprise, make_hazard
from tests.console.conftest import Console


@pytest.mark.parametrize(("system", "shown", "map_suffix"), [
    ("GCJ-02", "坐标系 GCJ-02", ""),
    ("WGS-84", "坐标系 WGS-84", "&amp;coordinate=wgs84"),
    (None, "坐标系 未注明", ""),
])
def test_the_hazard_page_names_the_coordinate_system(
    console: Console, demo: dict[str, User], db: sessionmaker[Session],
    system: str | None, shown: str, map_suffix: str,
) -> None:
    with db() as s:
        hazard = make_hazard(s, enterprise=enterprise(s, "太原晋钢钢铁有限公司"))
        hazard.location_lat, hazard.location_lng = 37.723, 112.568
        hazard.location_label, hazard.location_system = "山西省太原市小店区", system
        s.commit()
        number = hazard.number
    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get(f"/console/hazards/{number}").get_data(as_text=True)
    where = re.search(r'<dd id="location">(.*?)</dd>', page, re.S)
    assert where is not None
    text = " ".join(re.sub(r"<[^>]+>", " ", where.group(1)).split())
    assert text.startswith(f"山西省太原市小店区 纬度 37.723000，经度 112.568000， {shown}")
    assert f'href="https://uri.amap.com/marker?position=112.568000,37.723000{map_suffix}"' in where.group(1)


def test_a_hazard_without_a_location_says_so(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    with db() as s:
        number = make_hazard(s, enterprise=enterprise(s, "太原晋钢钢铁有限公司")).number
        s.commit()
    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get(f"/console/hazards/{number}").get_data(as_text=True)
    assert re.search(r'<dd id="location">\s*未提供\s*</dd>', page)
