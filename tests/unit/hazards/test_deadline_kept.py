"""An officer's 限期 and the enterprise's plan date are both kept; the earlier one is what the
deadline sweep nudges against, whichever came last."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import HazardEvent, RectificationPlan
from bot.services.hazards import lifecycle
from tests.common.factories import T0, World
from tests.common.workflow import PLAN, H, act, hazard_of, report


def _rectifying_with_plan(factory: sessionmaker[Session], w: World) -> str:
    number = report(factory, w)
    act(factory, lifecycle.acknowledge, number, w.county, now=T0 + H)
    act(factory, lifecycle.set_deadline, number, w.county, deadline=date(2026, 12, 31), now=T0 + 2 * H)
    act(factory, lifecycle.classify, number, w.county, level="general", basis=None, now=T0 + 3 * H)
    act(factory, lifecycle.submit_plan, number, w.manager, plan=PLAN, now=T0 + 4 * H)  # 时限 12-10
    return number


def test_a_later_deadline_does_not_undo_the_plans_earlier_date(
    factory: sessionmaker[Session], world: World
) -> None:
    number = _rectifying_with_plan(factory, world)
    assert hazard_of(factory, number).deadline == date(2026, 12, 10)
    act(factory, lifecycle.set_deadline, number, world.county, deadline=date(2027, 1, 20), now=T0 + 5 * H)
    hazard = hazard_of(factory, number)
    assert hazard.deadline == date(2026, 12, 10)  # the earlier one drives the reminders
    with factory() as s:
        notes = s.scalars(select(HazardEvent.note).where(
            HazardEvent.hazard_id == hazard.id, HazardEvent.action == "deadline",
        ).order_by(HazardEvent.id)).all()
        assert notes[-1] == "2027-01-20"  # the officer's date is kept
        assert s.scalars(select(RectificationPlan.deadline)).one() == date(2026, 12, 10)


def test_an_earlier_deadline_than_the_plan_takes_over(factory: sessionmaker[Session], world: World) -> None:
    number = _rectifying_with_plan(factory, world)
    act(factory, lifecycle.set_deadline, number, world.county, deadline=date(2026, 12, 5), now=T0 + 5 * H)
    assert hazard_of(factory, number).deadline == date(2026, 12, 5)
