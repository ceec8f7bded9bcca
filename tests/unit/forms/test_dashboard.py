"""The dashboard's figures under each scope: what each chart counts, and the ledger link behind it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.models import User
from bot.services.forms import dashboard
from bot.services.hazards.hazard_search import HazardFilters, search
from bot.services.people.console_scope import scope_for
from tests.common.factories import T0, World, enterprise, make_hazard

NOW = T0 + timedelta(hours=3)  # Tuesday 2026-11-24, 13:00 in Taiyuan
TODAY = date(2026, 11, 24)


def _seed(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        ent, other = enterprise(s, "太原晋钢钢铁有限公司"), enterprise(s, "清徐宏达焦化钢铁有限公司")
        make_hazard(s, enterprise=ent)  # waiting for 受理
        late = make_hazard(s, enterprise=ent, state="rectifying", level="major", source="self_check")
        late.deadline = TODAY - timedelta(days=1)
        for level in ("major", "general"):
            done = make_hazard(s, enterprise=ent, state="closed", level=level, source="joint_inspection")
            done.closed_at = T0 + timedelta(hours=1)
        make_hazard(s, enterprise=ent, state="rejected")  # no hazard at all
        foreign = make_hazard(s, enterprise=other, state="rectifying", level="major")
        foreign.deadline = TODAY - timedelta(days=5)
        s.commit()


def _board(factory: sessionmaker[Session], user_id: int) -> dashboard.Dashboard:
    with factory() as s:
        scope = scope_for(s, s.get(User, user_id))
        assert scope is not None
        return dashboard.build(s, scope, now=NOW)


def test_county_figures(factory: sessionmaker[Session], world: World) -> None:
    _seed(factory)
    board = _board(factory, world.county)
    assert board.totals == {"total": 4, "open": 2, "overdue": 1, "waiting": 1, "major_open": 1, "rate": 67}
    assert [(b.label, b.value, b.extra["closed"]) for b in board.major_by_county] == [("小店区", 1, 1)]
    assert board.major_by_county[0].link == {"region": "140105", "level": "major", "state": "open"}
    assert [(b.label, b.value) for b in board.overdue_by_enterprise] == [("太原晋钢钢铁有限公司", 1)]
    assert board.overdue_by_enterprise[0].link == {"overdue": "1", "enterprise_id": str(world.ent)}
    assert {b.label: b.value for b in board.sources} == {"群众举报": 1, "企业自查": 1, "市县检查": 2}
    assert [(b.label, b.value) for b in board.rate_by_level] == [("一般隐患", 100.0), ("重大事故隐患", 50.0)]
    assert len(board.weekly_found) == dashboard.WEEKS
    assert (board.weekly_found[-1].value, board.weekly_closed[-1].value) == (4, 2)
    week = {"date_from": "2026-11-23", "date_to": "2026-11-29", "state": "valid"}
    assert board.weekly_found[-1].link == week
    assert sum(b.value for b in board.weekly_found[:-1]) == 0


def test_each_link_lists_what_its_bar_counts(factory: sessionmaker[Session], world: World) -> None:
    _seed(factory)
    board = _board(factory, world.city)
    with factory() as s:
        scope = scope_for(s, s.get(User, world.city))
        assert scope is not None
        bars = [*board.major_by_county, *board.overdue_by_enterprise, *board.sources, board.weekly_found[-1],
                board.weekly_closed[-1], board.weekly_closed[-2]]
        for bar in bars:
            page = search(s, scope, HazardFilters.from_args(bar.link), today=TODAY, page_size=50)
            assert page.total == bar.value, (bar.label, bar.link)


def test_city_sees_both_counties_and_the_manager_his_graded_hazards(
    factory: sessionmaker[Session], world: World
) -> None:
    _seed(factory)
    city = _board(factory, world.city)
    assert {b.label for b in city.major_by_county} == {"小店区", "清徐县"}
    assert sum(b.value for b in city.overdue_by_enterprise) == 2
    manager = _board(factory, world.manager)
    assert manager.totals["total"] == 3 and manager.totals["waiting"] == 0  # the ungraded report is hidden
    assert manager.sources == []  # the channel is never shown to the enterprise
    assert _board(factory, world.other_county).totals["total"] == 1


def test_workers_and_the_public_get_no_scope(factory: sessionmaker[Session], world: World) -> None:
    with factory() as s:
        assert scope_for(s, s.get(User, world.worker)) is None
        assert scope_for(s, s.get(User, world.public)) is None
        assert scope_for(s, None) is None
