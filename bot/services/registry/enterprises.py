"""Finding enterprises and counties from what a person types on a phone."""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from bot.models import Enterprise, Region
from bot.services.registry.coordinates import GCJ02, Point, distance_km
from bot.services.registry.credit_code import normalize_credit_code

# Words every company name carries; they say nothing about which company is meant.
_GENERIC = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司", "山西省", "山西")
_CANDIDATE_LIMIT = 200


@dataclass(frozen=True)
class EnterpriseMatch:
    id: int
    name: str
    region_code: str
    region_name: str
    score: float


def normalize(text: str) -> str:
    """Fold full-width characters and spaces, as phones produce both."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text).strip()


def _core(name: str) -> str:
    core = normalize(name)
    for word in _GENERIC:
        core = core.replace(word, "")
    return core or normalize(name)


def search_enterprises(session: Session, text: str, *, limit: int = 5) -> list[EnterpriseMatch]:
    """Best matches for a typed name, best first.

    Candidates come from the database by substring and by two-character pieces of the input
    (indexed on PostgreSQL later with pg_trgm), then are ranked by similarity in Python; the
    candidate set stays small whatever the registry's size.
    """
    query = _core(text)
    if not query:
        return []
    pieces = {query} | {query[i : i + 2] for i in range(len(query) - 1)}
    rows = session.connection().execute(  # Core rows: past the ORM's execution layer
        select(Enterprise.id, Enterprise.name, Enterprise.region_code, Region.name)
        .join(Region, Region.code == Enterprise.region_code)
        .where(or_(*(Enterprise.name.contains(p, autoescape=True) for p in pieces)))
        .limit(_CANDIDATE_LIMIT)
    ).all()
    ranked = []
    for ent_id, name, region_code, region_name in rows:
        core = _core(name)
        score = difflib.SequenceMatcher(None, query, core).ratio()
        if query in core:
            score += 1.0
        ranked.append(EnterpriseMatch(ent_id, name, region_code, region_name, score))
    ranked.sort(key=lambda m: (-m.score, m.name))
    return [m for m in ranked if m.score >= 0.34][:limit]


def search_counties(session: Session, text: str, *, limit: int = 5) -> list[Region]:
    """County-level divisions whose name contains what was typed ("小店" finds 小店区).

    Exact names come first, then names starting with the text: "城区" lists both 城区 (阳泉,
    晋城) before 平城区 or 潞城区, and never loses them to the limit.
    """
    typed = normalize(text).removeprefix("山西省")
    query = typed
    for suffix in ("县", "区", "市"):
        if len(query) > 2 and query.endswith(suffix):
            query = query[:-1]
            break
    if not query:
        return []
    found = session.scalars(
        select(Region)
        .where(Region.level.not_in(("province", "prefecture_city")))
        .where(Region.name.contains(query, autoescape=True))
        .order_by(Region.code)
    ).all()  # a province has about a hundred counties: ranking them here is cheap
    ranked = sorted(
        found, key=lambda r: (r.name not in (typed, query), not r.name.startswith(query), r.code)
    )
    return ranked[:limit]


def get_enterprise(session: Session, enterprise_id: int) -> Enterprise | None:
    return session.get(Enterprise, enterprise_id)


@dataclass(frozen=True)
class Named:
    """How a registered enterprise is named to a person: its name and its county's."""

    name: str
    county: str


# Built once: the chat names the chosen enterprise at two steps of every report.
_NAMED = (select(Enterprise.name, Region.name, Enterprise.region_code)
          .outerjoin(Region, Region.code == Enterprise.region_code)
          .where(Enterprise.id == bindparam("id")))


def named(session: Session, enterprise_id: int) -> Named | None:
    """The enterprise's name and its county's in one statement (None: not registered), not
    the whole row and its region as two objects."""
    row = session.connection().execute(_NAMED, {"id": enterprise_id}).first()  # a Core row
    if row is None:
        return None
    name, county, code = row
    return Named(name, county or code)


def region_name(session: Session, code: str) -> str:
    region = session.get(Region, code)
    return region.name if region else code


def find_by_reference(session: Session, ref: str) -> Enterprise | None:
    """An enterprise by its id ("7") or its 统一社会信用代码, as an admin types either."""
    ref = ref.strip()
    if ref.isdigit() and len(ref) < 18:
        return session.get(Enterprise, int(ref))
    code = normalize_credit_code(ref)
    return session.scalars(select(Enterprise).where(Enterprise.credit_code == code)).one_or_none()


def nearby_enterprises(
    session: Session, point: Point, *, within_km: float = 3.0, limit: int = 5
) -> list[tuple[Enterprise, float]]:
    """Registered enterprises within ``within_km`` of ``point`` (km, nearest first): what a
    reporter who sent his location before naming the plant is offered."""
    # A box in degrees prefilters in SQL; its margin covers the GCJ-02/WGS-84 offset (< 0.01°).
    dlat = within_km / 111.0 + 0.01
    dlng = within_km / (111.0 * max(math.cos(math.radians(point.lat)), 0.1)) + 0.01
    candidates = session.scalars(select(Enterprise).where(
        Enterprise.latitude.between(point.lat - dlat, point.lat + dlat),
        Enterprise.longitude.between(point.lng - dlng, point.lng + dlng),
    ))
    found = []
    for enterprise in candidates:
        assert enterprise.latitude is not None and enterprise.longitude is not None
        where = Point(enterprise.latitude, enterprise.longitude, enterprise.coord_system or GCJ02)
        km = distance_km(point, where)
        if km <= within_km:
            found.append((enterprise, round(km, 2)))
    found.sort(key=lambda pair: (pair[1], pair[0].id))
    return found[:limit]
