"""The ledger's 经度/纬度/坐标系 columns as an officer fills them in (decimal degrees, 度分秒, the
datum named or not) and gets them wrong (swapped, outside Shanxi, one without the other); and
the registered plants near a reporter's phone, nearest first, across datums."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.services.registry.coordinates import GCJ02, WGS84, Point, distance_km, to_gcj02
from bot.services.registry.credit_code import make_credit_code
from bot.services.registry.enterprises import nearby_enterprises
from bot.services.registry.ledger import ImportResult, import_ledger
from tests.integration.ledger_files import NOW, by_code, counts, csv_bytes, ledger_row, xlsx_bytes


@pytest.fixture
def session(clean_db: Engine) -> Iterator[Session]:
    with Session(clean_db) as s:
        yield s
        s.rollback()


def _run(session: Session, data: bytes, filename: str = "台账.xlsx") -> ImportResult:
    result = import_ledger(session, data, filename=filename, now=NOW)
    if result.ok:
        session.commit()
    return result


def _code(seq: int) -> str:
    return make_credit_code("140105", 900_000 + seq)


def test_coordinates_in_every_form_an_officer_types_them(session: Session) -> None:
    rows = [
        ledger_row(1, 经度=112.5492, 纬度=37.8570, 坐标系=None),  # no datum: GCJ-02, as maps give
        ledger_row(2, 经度="112°32′57″", 纬度="37°51′25″", 坐标系="WGS84"),
        ledger_row(3, 经度="１１２．６", 纬度="37.9N", 坐标系="高德"),
        ledger_row(4, 经度=None, 纬度=None, 坐标系=None),
    ]
    result = _run(session, xlsx_bytes(rows))
    assert result.ok, [str(p) for p in result.problems]
    first, second, third, fourth = (by_code(session, _code(i)) for i in (1, 2, 3, 4))
    assert (first.longitude, first.latitude, first.coord_system) == (112.5492, 37.857, GCJ02)
    assert second.coord_system == WGS84
    assert second.longitude == pytest.approx(112 + 32 / 60 + 57 / 3600, abs=1e-6)
    assert second.latitude == pytest.approx(37 + 51 / 60 + 25 / 3600, abs=1e-6)
    assert (third.longitude, third.latitude, third.coord_system) == (112.6, 37.9, GCJ02)
    assert (fourth.longitude, fourth.latitude, fourth.coord_system) == (None, None, None)


def test_wrong_coordinates_are_named_cell_by_cell_and_nothing_is_written(session: Session) -> None:
    before = counts(session)
    rows = [
        ledger_row(1, 经度=37.857, 纬度=112.549),  # swapped
        ledger_row(2, 经度=116.40, 纬度=39.90),  # Beijing
        ledger_row(3, 经度=112.549, 纬度=None),
        ledger_row(4, 经度=None, 纬度=None, 坐标系="WGS-84"),
        ledger_row(5, 经度="东经一百一十二度", 纬度=37.8, 坐标系="百度"),
        ledger_row(6, 经度="112°75′", 纬度=37.8),
    ]
    result = _run(session, csv_bytes(rows), "台账.csv")
    assert not result.ok and counts(session) == before
    problems = [str(p) for p in result.problems]
    assert problems == [
        "第2行“经度”：经度 37.857 不在山西省范围内（约东经110.2°–114.6°）；请检查是否与纬度填反",
        "第2行“纬度”：纬度 112.549 不在山西省范围内（约北纬34.6°–40.7°）；请检查是否与经度填反",
        "第3行“经度”：经度 116.4 不在山西省范围内（约东经110.2°–114.6°）；请检查是否与纬度填反",
        "第4行“纬度”：填了经度但没有填纬度；请两个都填，或都不填",
        "第5行“坐标系”：填了坐标系但没有填经度、纬度",
        "第6行“经度”：应为十进制度数的经度（如 112.5492），或度分秒（如 112°32′57″），不是“东经一百一十二度”",
        "第6行“坐标系”：应为“GCJ-02”（高德、腾讯地图、微信）或“WGS-84”（GPS、CGCS2000），不是“百度”",
        "第7行“经度”：度分秒中的分、秒应小于60，不是“112°75′”",
    ]


def test_the_plants_near_a_phone_nearest_first_within_3_km(session: Session) -> None:
    here = Point(37.8570, 112.5492)  # GCJ-02, as WeChat sends a location
    wgs_of_here = Point(37.8570 - 0.0010, 112.5492 - 0.0060, WGS84)  # the same spot in WGS-84, roughly
    rows = [
        ledger_row(1, 经度=112.5492 + 0.0114, 纬度=37.8570),  # ~1 km east
        ledger_row(2, 经度=112.5492, 纬度=37.8570 + 0.0045),  # ~0.5 km north
        ledger_row(3, 经度=112.5492 + 0.0400, 纬度=37.8570),  # ~3.5 km east: too far
        ledger_row(4, 经度=wgs_of_here.lng, 纬度=wgs_of_here.lat, 坐标系="WGS-84"),
        ledger_row(5, 经度=None, 纬度=None, 坐标系=None),
    ]
    result = _run(session, xlsx_bytes(rows))
    assert result.ok, [str(p) for p in result.problems]
    found = nearby_enterprises(session, here)
    names = [e.name for e, _ in found]
    assert names[:3] == [by_code(session, _code(i)).name for i in (4, 2, 1)]
    assert len(found) == 3 and by_code(session, _code(3)).name not in names
    kms = [km for _, km in found]
    assert kms == sorted(kms)
    assert kms[1] == pytest.approx(0.5, abs=0.05) and kms[2] == pytest.approx(1.0, abs=0.05)
    assert nearby_enterprises(session, Point(40.0, 113.3)) == []  # 大同: none of them


def test_wgs84_and_gcj02_of_one_place_differ_by_hundreds_of_metres_until_converted() -> None:
    taiyuan = Point(37.8570, 112.5492, WGS84)
    shifted = to_gcj02(taiyuan)
    as_if_same = Point(taiyuan.lat, taiyuan.lng, GCJ02)
    assert 0.2 < distance_km(shifted, as_if_same) < 0.8
    assert distance_km(taiyuan, shifted) == pytest.approx(0.0, abs=1e-6)
