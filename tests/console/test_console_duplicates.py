"""The hazard page lists the open reports of the same enterprise it likely repeats, with a
one-click 合并 of the later into the earlier (a POST with the CSRF token, through the same
``lifecycle.merge`` as the chat) — for the officers, never for the enterprise."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.models import Hazard, HazardEvent, User
from bot.services.platform.clock import utcnow
from tests.common.factories import enterprise, make_hazard
from tests.console.conftest import Console

STEEL = "太原晋钢钢铁有限公司"
FIRST = "2号转炉氧枪冷却水出水温度报警坏了好几天，也没联锁提枪"
AGAIN = "转炉那边氧枪的冷却水报警器不响了，一直没人修，出水温度高了也不会自动提枪"
OTHER = "炼钢车间行车吊钩的防脱钩装置坏了"
_MERGE = re.compile(r'<li data-number="(YH\d+)">.*?<form method="post" action="([^"]+)"'
                    r'.*?name="into" value="(YH\d+)"', re.S)


def _hazards(db: sessionmaker[Session], *specs: tuple[str, str, int]) -> list[str]:
    """(description, state, days ago) → hazard numbers, at the steel plant."""
    numbers = []
    with db() as s:
        for description, state, days in specs:
            numbers.append(make_hazard(s, enterprise=enterprise(s, STEEL), description=description,
                                       state=state, level=None,
                                       reported_at=utcnow() - timedelta(days=days)).number)
        s.commit()
    return numbers


def test_the_page_lists_the_likely_duplicate_and_one_click_merges_it(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    first, again, other = _hazards(db, (FIRST, "acknowledged", 3), (AGAIN, "submitted", 0),
                                   (OTHER, "submitted", 1))
    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get(f"/console/hazards/{again}").get_data(as_text=True)
    assert "可能重复的报告" in page
    [(listed, action, into)] = _MERGE.findall(page)
    assert (listed, into) == (first, first) and action == f"/console/hazards/{again}/act/merge"
    assert other not in page  # another hazard of the plant is not a duplicate
    # From the earlier report's page the same pair is offered the same way round.
    earlier = console.get(f"/console/hazards/{first}").get_data(as_text=True)
    assert _MERGE.findall(earlier) == [(again, f"/console/hazards/{again}/act/merge", first)]

    done = console.post(action, {"into": into}, follow_redirects=True).get_data(as_text=True)
    assert "已合并。" in done
    with db() as s:
        merged = s.query(Hazard).filter_by(number=again).one()
        assert merged.state == "merged"  # straight from 待受理: a duplicate needs no 受理
        notes = [e.note for e in s.query(HazardEvent).filter_by(hazard_id=merged.id)]
        assert any(first in (n or "") for n in notes)
    # Merged, it is no longer offered anywhere.
    assert "可能重复的报告" not in console.get(f"/console/hazards/{first}").get_data(as_text=True)


def test_no_merge_without_the_csrf_token_and_nothing_for_the_manager(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    first, again = _hazards(db, (FIRST, "rectifying", 2), (AGAIN, "rectifying", 1))
    console.sign_in(demo["county-xiaodian"].openid)
    assert console.post(f"/console/hazards/{again}/act/merge", {"into": first}, csrf=False).status_code == 400
    with db() as s:
        assert s.query(Hazard).filter_by(number=again).one().state == "rectifying"
    # The enterprise's manager reads the hazard, never that another report repeats it.
    console.sign_in(demo["manager"].openid)
    page = console.get(f"/console/hazards/{again}").get_data(as_text=True)
    assert again in page and "可能重复的报告" not in page


def test_closed_or_older_than_30_days_is_not_a_duplicate(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    closed, old, new = _hazards(db, (FIRST, "closed", 2), (FIRST, "acknowledged", 31),
                                (AGAIN, "submitted", 0))
    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get(f"/console/hazards/{new}").get_data(as_text=True)
    assert new in page and "可能重复的报告" not in page
    assert closed not in page and old not in page
