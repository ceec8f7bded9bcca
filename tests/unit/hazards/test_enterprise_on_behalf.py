"""Officer-workflow gaps: plans and proof filed by an officer for an enterprise nobody speaks
for, a plan's time limit as the hazard's deadline, and merged reporters told of the close."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Attachment, Enterprise, Hazard, OutboxMessage, User
from bot.services.hazards import lifecycle
from bot.services.hazards import workflow_texts as T
from bot.services.reminders import settings
from tests.common.factories import OTHER_ENTERPRISE, T0, World, make_hazard, make_photo, make_user
from tests.common.schedule_clock import L, local_day, rows, sweep
from tests.common.workflow import PLAN, H, act, hazard_of, history, kinds, messages, refused, report


def _unregistered(factory: sessionmaker[Session]) -> str:
    """A rectifying hazard of an enterprise that is not in the registry (小店区)."""
    with factory() as s:
        number = make_hazard(s, state="rectifying", with_plan=False).number
        s.commit()
        return number


def _without_manager(factory: sessionmaker[Session], world: World) -> str:
    """A rectifying hazard of a registered enterprise whose managers never bound: 清徐县's
    enterprise, once its manager's binding is gone."""
    with factory() as s:
        s.get(User, world.other_manager).role = "public"  # type: ignore[union-attr]
        ent = s.scalars(select(Enterprise).where(Enterprise.name == OTHER_ENTERPRISE)).one()
        number = make_hazard(s, enterprise=ent, state="rectifying", with_plan=False).number
        s.commit()
        return number


def _photo(factory: sessionmaker[Session], user_id: int) -> int:
    with factory() as s:
        photo_id = make_photo(s, uploader=s.get(User, user_id)).id  # type: ignore[arg-type]
        s.commit()
        return photo_id


def test_an_officer_files_plan_and_proof_for_an_unregistered_enterprise(factory, world) -> None:  # type: ignore[no-untyped-def]
    number = _unregistered(factory)
    act(factory, lifecycle.submit_plan, number, world.county, plan=PLAN, now=T0 + H)
    photo = _photo(factory, world.county)
    act(factory, lifecycle.submit_proof, number, world.county, photo_ids=[photo], note="冷却水管已更换",
        now=T0 + 2 * H)
    hazard = hazard_of(factory, number)
    assert hazard.state == "awaiting_verification" and hazard.deadline == PLAN.deadline
    assert history(factory, number)[-2:] == [
        ("plan", "rectifying", "rectifying", world.county),
        ("proof", "rectifying", "awaiting_verification", world.county),
    ]
    with factory() as s:
        h = s.scalars(select(Hazard).where(Hazard.number == number)).one()
        plan_note, proof_note = h.events[-2].note, h.events[-1].note
        assert s.get(Attachment, photo).hazard_id == h.id  # type: ignore[union-attr]
    assert plan_note.startswith("代企业填报：责任人：王五")  # type: ignore[union-attr]
    assert proof_note == "代企业填报：冷却水管已更换"
    # The jurisdiction's other officers learn of it as of any plan, and can verify it.
    assert kinds(factory, world.county2)[-2:] == ["plan", "proof"]
    assert "代企业填报" in messages(factory, world.county2)[-1][1]
    act(factory, lifecycle.verify, number, world.county2, now=T0 + 3 * H)
    assert hazard_of(factory, number).state == "closed"


def test_an_officer_files_for_a_registered_enterprise_with_no_manager_bound(factory, world) -> None:  # type: ignore[no-untyped-def]
    number = _without_manager(factory, world)
    act(factory, lifecycle.submit_plan, number, world.city, plan=PLAN, now=T0 + H)  # the city covers 清徐
    act(factory, lifecycle.submit_proof, number, world.city, photo_ids=[], note="已整改", now=T0 + 2 * H)
    assert hazard_of(factory, number).state == "awaiting_verification"


def test_where_a_manager_is_bound_or_the_region_is_foreign_officers_are_refused(factory, world) -> None:  # type: ignore[no-untyped-def]
    with factory() as s:
        bound = make_hazard(s, enterprise=s.get(Enterprise, world.ent), state="rectifying",
                            with_plan=False).number
        s.commit()
    assert refused(factory, lifecycle.submit_plan, bound, world.county, plan=PLAN) == \
        T.MANAGERS_ONLY_BOUND.format(step=T.STEP_NAMES["plan"])
    number = _unregistered(factory)  # in 小店区
    assert refused(factory, lifecycle.submit_plan, number, world.other_county, plan=PLAN) == \
        T.NOT_FOUND.format(number=number)
    # Not a hazard for the enterprise yet: the state is checked as for a manager.
    with factory() as s:
        early = make_hazard(s, state="acknowledged").number
        s.commit()
    assert "不能" in refused(factory, lifecycle.submit_plan, early, world.county, plan=PLAN)
    # The proof needs a plan on file, and the officer's own photos.
    assert refused(factory, lifecycle.submit_proof, number, world.county, photo_ids=[],
                   note="已整改") == T.PLAN_REQUIRED
    act(factory, lifecycle.submit_plan, number, world.county, plan=PLAN, now=T0 + H)
    someone_elses = _photo(factory, world.county2)
    assert refused(factory, lifecycle.submit_proof, number, world.county,
                   photo_ids=[someone_elses], note="") == T.PHOTOS_INVALID


def test_a_plans_time_limit_is_the_deadline_the_sweep_nudges(factory, world) -> None:  # type: ignore[no-untyped-def]
    with factory() as s:
        number = make_hazard(s, enterprise=s.get(Enterprise, world.ent), state="acknowledged").number
        s.commit()
    act(factory, lifecycle.set_deadline, number, world.county, deadline=date(2026, 12, 31), now=T0)
    act(factory, lifecycle.classify, number, world.county, level="major", basis=None, now=T0 + H)
    act(factory, lifecycle.submit_plan, number, world.manager, plan=PLAN, now=T0 + 2 * H)  # 12-10
    assert hazard_of(factory, number).deadline == date(2026, 12, 10)
    # A revised plan may still use the officers' limit (12-31), not beyond it.
    later = replace(PLAN, deadline=date(2026, 12, 20))
    act(factory, lifecycle.submit_plan, number, world.manager, plan=later, now=T0 + 3 * H)
    assert hazard_of(factory, number).deadline == date(2026, 12, 20)
    too_late = replace(PLAN, deadline=date(2027, 1, 5))
    assert refused(factory, lifecycle.submit_plan, number, world.manager, plan=too_late) == \
        T.PLAN_AFTER_DEADLINE.format(deadline="2026-12-31")
    # The deadline sweep nudges the plan's date: 3 days before 12-20 is Thursday 12-17.
    sweep(factory, L(2026, 12, 17, 10), settings.ReminderSettings(), ("deadlines",))
    nudges = rows(factory, settings.DEADLINE_NUDGE)
    assert nudges and {local_day(m.created_at) for m in nudges} == {date(2026, 12, 17)}
    assert all("2026-12-20" in m.text for m in nudges)


def test_reporters_of_merged_reports_hear_when_the_target_is_closed(factory, world) -> None:  # type: ignore[no-untyped-def]
    with factory() as s:
        second = make_user(s, role="public", name="赵六")
        s.commit()
        second_id = second.id
    target = full_loop_until_proof(factory, world)
    # Two duplicates by named reporters; one of them merged into the other first (a chain).
    with factory() as s:
        ent = s.get(Enterprise, world.ent)
        dup = make_hazard(s, enterprise=ent, state="acknowledged", reporter=s.get(User, second_id)).number
        dup2 = make_hazard(s, enterprise=ent, state="acknowledged", reporter=s.get(User, world.worker)).number
        anon = make_hazard(s, enterprise=ent, state="acknowledged").number
        s.commit()
    act(factory, lifecycle.merge, dup2, world.county, into=dup, now=T0 + 20 * H)
    act(factory, lifecycle.merge, dup, world.county, into=target, now=T0 + 21 * H)
    act(factory, lifecycle.merge, anon, world.county, into=target, now=T0 + 21 * H)
    assert "merged_close" not in kinds(factory, second_id)
    act(factory, lifecycle.verify, target, world.county, now=T0 + 22 * H)
    [(kind, text)] = [m for m in messages(factory, second_id) if m[0] == "merged_close"]
    assert dup in text and target in text and "验收销号" in text
    worker_told = [t for k, t in messages(factory, world.worker) if k == "merged_close"]
    assert len(worker_told) == 1 and dup2 in worker_told[0]  # via the chain, once
    with factory() as s:
        assert s.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "merged_close",
                                                       OutboxMessage.text.contains(anon))) is None


def full_loop_until_proof(factory: sessionmaker[Session], w: World) -> str:
    """A named report, graded, with a plan and proof filed: ready to be closed."""
    number = report(factory, w)
    act(factory, lifecycle.acknowledge, number, w.county, now=T0 + H)
    act(factory, lifecycle.classify, number, w.county, level="general", basis=None, now=T0 + 2 * H)
    act(factory, lifecycle.submit_plan, number, w.manager, plan=PLAN, now=T0 + 3 * H)
    act(factory, lifecycle.submit_proof, number, w.manager, photo_ids=[], note="已整改", now=T0 + 4 * H)
    return number


