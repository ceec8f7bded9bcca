"""Where an enterprise is: the ledger's 经度/纬度 cells, which datum they are in, and the
distance from a reporter's phone.

Chinese maps (高德, 腾讯) and WeChat's location messages give GCJ-02 coordinates; a GPS device or
a surveyor's sheet gives WGS-84 (CGCS2000 agrees with it to centimetres). The two differ by
300–600 m in Shanxi, a sixth of the 3 km within which a plant is offered, so a record says which
it holds and distances are measured after bringing both to GCJ-02. The parsers take a cell's
number or text (``ledger_columns`` reads the cell) and raise ``ValueError`` with a reason an
officer can act on, which the ledger import reports against the row and column.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

GCJ02, WGS84 = "GCJ-02", "WGS-84"
SYSTEMS = (GCJ02, WGS84)
_SYSTEM_ALIASES = {
    "GCJ02": GCJ02, "GCJ-02": GCJ02, "火星坐标": GCJ02, "火星坐标系": GCJ02, "高德": GCJ02, "腾讯": GCJ02,
    "国测局坐标": GCJ02, "WGS84": WGS84, "WGS-84": WGS84, "GPS": WGS84, "CGCS2000": WGS84,
    "2000坐标系": WGS84, "国家2000": WGS84,
}
# Shanxi's extent with a margin of about 10 km (the province spans 110.23–114.56 E, 34.58–40.73 N).
LNG_RANGE = (110.1, 114.7)
LAT_RANGE = (34.45, 40.85)
EARTH_RADIUS_KM = 6371.0088
_DMS = re.compile(r"^(\d{2,3})[°度](?:(\d{1,2}(?:\.\d+)?)['分])?(?:(\d{1,2}(?:\.\d+)?)[\"秒])?[EN东北]?$")


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float
    system: str = GCJ02


Cell = float | int | str | None


def _degrees(value: Cell, what: str) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    text = value
    if text is None:
        return None
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    key = key.replace("′′", '"').replace("″", '"').replace("′", "'")  # NFKC splits ″ into two ′
    if not key:
        return None
    try:
        return float(key.rstrip("ENen东北"))
    except ValueError:
        pass
    match = _DMS.match(key)
    if match is None:
        raise ValueError(f"应为十进制度数的{what}（如 112.5492），"
                         f"或度分秒（如 112°32′57″），不是“{text.strip()}”")
    d, m, s = (float(g) if g else 0.0 for g in match.groups())
    if m >= 60 or s >= 60:
        raise ValueError(f"度分秒中的分、秒应小于60，不是“{text.strip()}”")
    return d + m / 60 + s / 3600


def parse_longitude(value: Cell) -> float | None:
    """经度 in decimal degrees, inside Shanxi; empty means not known."""
    lng = _degrees(value, "经度")
    if lng is not None and not LNG_RANGE[0] <= lng <= LNG_RANGE[1]:
        raise ValueError(f"经度 {lng:g} 不在山西省范围内（约东经110.2°–114.6°）；请检查是否与纬度填反")
    return None if lng is None else round(lng, 6)


def parse_latitude(value: Cell) -> float | None:
    """纬度 in decimal degrees, inside Shanxi; empty means not known."""
    lat = _degrees(value, "纬度")
    if lat is not None and not LAT_RANGE[0] <= lat <= LAT_RANGE[1]:
        raise ValueError(f"纬度 {lat:g} 不在山西省范围内（约北纬34.6°–40.7°）；请检查是否与经度填反")
    return None if lat is None else round(lat, 6)


def parse_system(value: Cell) -> str | None:
    """坐标系: GCJ-02 (高德、腾讯、微信) or WGS-84 (GPS, CGCS2000); empty means not stated."""
    text = None if value is None else str(value)
    if text is None or not text.strip():
        return None
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
    system = _SYSTEM_ALIASES.get(key) or _SYSTEM_ALIASES.get(key.replace("坐标系", ""))
    if system is None:
        raise ValueError("应为“GCJ-02”（高德、腾讯地图、微信）或“WGS-84”（GPS、CGCS2000），"
                         f"不是“{text.strip()}”")
    return system


def in_shanxi(lat: float, lng: float) -> bool:
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LNG_RANGE[0] <= lng <= LNG_RANGE[1]


def to_gcj02(point: Point) -> Point:
    """WGS-84 to GCJ-02 by the published offset formula (accurate to a few metres in China)."""
    if point.system == GCJ02:
        return point
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = point.lng - 105.0, point.lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
            + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    dlng = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad = point.lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    dlng = (dlng * 180.0) / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return Point(point.lat + dlat, point.lng + dlng, GCJ02)


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance, both points first brought to GCJ-02."""
    a, b = to_gcj02(a), to_gcj02(b)
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lng - a.lng)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))
