"""The sweeps with a controllable clock: who is reminded of what, on which local day, once."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Campaign, Hazard, User
from bot.services.forms import campaigns
from bot.services.forms.weekly_tables import ReportLinks
from bot.services.reminders import settings as R
from bot.services.reminders.settings import ReminderSettings
from scheduler.runner import make_runner
from tests.common.factories import ENTERPRISE, enterprise, make_hazard
from tests.common.schedule_clock import L, hours, local_day, rows, sweep, weekly_campaign

SETTINGS = ReminderSettings()
NO_SHIFT = replace(SETTINGS, holiday_shift=False)


def _rectifying(factory: sessionmaker[Session], deadline: date, **kw: object) -> str:
    with factory() as session:
        h = make_hazard(session, enterprise=enterprise(session, ENTERPRISE), state="rectifying", **kw)  # type: ignore[arg-type]
        h.deadline = deadline
        session.commit()
        return h.number


def _openid(factory: sessionmaker[Session], user_id: int) -> str:
    with factory() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.openid


def _days(factory: sessionmaker[Session], kind: str, user_id: int) -> list[date]:
    openid = _openid(factory, user_id)
    return [local_day(m.created_at) for m in rows(factory, kind) if m.openid == openid]


def test_a_deadline_gets_its_nudges_on_the_right_days_and_escalates(factory, world) -> None:  # type: ignore[no-untyped-def]
    number = _rectifying(factory, date(2026, 12, 4))  # a Friday
    for now in hours(L(2026, 11, 30), L(2026, 12, 12)):
        sweep(factory, now, SETTINGS, ("deadlines",))
    d = lambda day: date(2026, 12, day)  # noqa: E731
    for manager in (world.manager, world.manager2):
        assert _days(factory, R.DEADLINE_NUDGE, manager) == [d(1), d(3), d(4)]
        # Daily while overdue, on working days (the weekend of the 5th/6th waits).
        assert _days(factory, R.DEADLINE_OVERDUE, manager) == [d(7), d(8), d(9), d(10), d(11)]
    for officer in (world.county, world.county2):
        assert _days(factory, R.OVERDUE_COUNTY, officer) == [d(7)]  # overdue 3 days
    assert _days(factory, R.OVERDUE_CITY, world.city) == [d(11)]  # overdue 7 days
    assert not _days(factory, R.OVERDUE_COUNTY, world.other_county)
    nudges = rows(factory, R.DEADLINE_NUDGE)
    # 09:00 local = 01:00 UTC
    assert all(m.created_at.astimezone(L(2026, 1, 1).tzinfo).hour == 1 for m in nudges)
    assert {m.text for m in nudges if number in m.text} and "明天到期" in nudges[2].text
    assert "今天到期" in nudges[4].text and "还有3天" in nudges[0].text


def test_a_nudge_due_on_a_weekend_goes_out_on_the_working_day_before(factory, world) -> None:  # type: ignore[no-untyped-def]
    _rectifying(factory, date(2026, 11, 29))  # a Sunday: D-1 is Saturday
    for now in hours(L(2026, 11, 25), L(2026, 12, 1)):
        sweep(factory, now, SETTINGS, ("deadlines",))
    assert _days(factory, R.DEADLINE_NUDGE, world.manager) == [date(2026, 11, 26), date(2026, 11, 27)]
    assert "还有2天" in rows(factory, R.DEADLINE_NUDGE)[-1].text
    assert _days(factory, R.DEADLINE_OVERDUE, world.manager) == [date(2026, 11, 30)]


def test_without_the_holiday_shift_weekend_days_count(factory, world) -> None:  # type: ignore[no-untyped-def]
    _rectifying(factory, date(2026, 11, 29))
    for now in hours(L(2026, 11, 25), L(2026, 12, 1)):
        sweep(factory, now, NO_SHIFT, ("deadlines",))
    assert _days(factory, R.DEADLINE_NUDGE, world.manager) == [
        date(2026, 11, 26), date(2026, 11, 28), date(2026, 11, 29)]
    assert _days(factory, R.DEADLINE_OVERDUE, world.manager) == [date(2026, 11, 30)]


def test_closed_or_undated_hazards_are_left_alone(factory, world) -> None:  # type: ignore[no-untyped-def]
    with factory() as session:
        ent = enterprise(session, ENTERPRISE)
        make_hazard(session, enterprise=ent, state="closed").deadline = date(2026, 11, 20)
        make_hazard(session, enterprise=ent, state="rectifying")  # no deadline
        session.commit()
    sweep(factory, L(2026, 11, 24, 10), SETTINGS, ("deadlines",))
    assert rows(factory) == []


def test_an_unacknowledged_report_is_sent_again_then_escalated_once(factory, world) -> None:  # type: ignore[no-untyped-def]
    with factory() as session:
        h = make_hazard(session, enterprise=enterprise(session, ENTERPRISE), state="submitted")
        h.ack_due_at = L(2026, 11, 24, 10)
        session.commit()
    for now in hours(L(2026, 11, 24), L(2026, 11, 27)):
        sweep(factory, now, SETTINGS, ("acknowledgements",))
    assert _days(factory, R.ACK_OVERDUE, world.county) == [date(2026, 11, 24)]
    assert _days(factory, R.ACK_OVERDUE, world.county2) == [date(2026, 11, 24)]
    assert [m.created_at for m in rows(factory, R.ACK_ESCALATE)] == [L(2026, 11, 25, 10)]
    assert rows(factory, R.ACK_ESCALATE)[0].openid == _openid(factory, world.city)
    # Once acknowledged, nothing more.
    with factory() as session:
        session.query(Hazard).update({"state": "acknowledged"})
        session.commit()
    before = len(rows(factory))
    sweep(factory, L(2026, 11, 28, 10), SETTINGS)
    assert len(rows(factory, R.ACK_OVERDUE, R.ACK_ESCALATE)) == before


def test_friday_officers_get_the_weekly_table_reminder_with_draft_figures(factory, world) -> None:  # type: ignore[no-untyped-def]
    number = _rectifying(factory, date(2026, 11, 20))  # overdue, in 小店区
    with factory() as session:
        h = session.scalars(select(Hazard).where(Hazard.number == number)).one()
        h.reported_at = L(2026, 11, 25, 10)
        session.commit()
    sweep(factory, L(2026, 11, 27, 10), SETTINGS, ("weekly", "weekly_overdue"))
    assert rows(factory) == []  # no weekly campaign running: no table to file
    weekly_campaign(factory, date(2026, 11, 1), date(2026, 12, 31))
    sweep(factory, L(2026, 11, 26, 9), SETTINGS, ("weekly",))  # Thursday: nothing
    assert rows(factory) == []
    for now in hours(L(2026, 11, 27, 8), L(2026, 11, 28)):
        sweep(factory, now, SETTINGS, ("weekly", "weekly_overdue"))
    weekly = rows(factory, R.WEEKLY_STATS)
    officers = {_openid(factory, u) for u in (world.county, world.county2, world.city,
                                              world.other_county, world.other_city)}
    assert sorted(m.openid for m in weekly) == sorted(officers)  # once each; no province, no managers
    assert {m.created_at for m in weekly} == {L(2026, 11, 27, 9)}
    mine = next(m for m in weekly if m.openid == _openid(factory, world.county))
    assert "11月27日12:00" in mine.text and "整改逾期隐患：1项" in mine.text
    assert "（2026年11月20日12时至11月27日12时，累计）" in mine.text  # the week as its dates
    assert "检查企业1家" in mine.text and "重大隐患1项、已整改0项" in mine.text  # stats' figures
    assert "周报 确认" in mine.text and "下载本辖区统计表" not in mine.text  # no links given: none shown
    other = next(m for m in weekly if m.openid == _openid(factory, world.other_county))
    assert "检查企业0家" in other.text
    # 12:00: nobody confirmed, so every one of them is told the table is overdue, once.
    overdue = rows(factory, R.WEEKLY_OVERDUE)
    assert sorted(m.openid for m in overdue) == sorted(officers)
    assert {m.created_at for m in overdue} == {L(2026, 11, 27, 12)} and "尚未确认报送" in overdue[0].text


def test_the_weekly_note_links_each_officer_to_his_own_regions_table(app: Flask, factory, world) -> None:  # type: ignore[no-untyped-def]
    weekly_campaign(factory, date(2026, 11, 1), date(2026, 12, 31))
    settings = make_runner(app).settings  # what `flask scheduler run` sweeps with
    assert settings.links == app.extensions["report_links"]
    sweep(factory, L(2026, 11, 27, 9), settings, ("weekly",))
    weekly = {m.openid: m.text for m in rows(factory, R.WEEKLY_STATS)}
    client = app.test_client()
    for officer, region in ((world.county, "小店区"), (world.city, "太原市"), (world.other_county, "清徐县")):
        text = weekly[_openid(factory, officer)]
        assert "回复“周报 确认”报送" in text and "24小时内有效" in text
        found = re.search(r"https?://\S+", text)
        assert found, text
        url = urlsplit(found.group(0))
        assert f"{url.scheme}://{url.netloc}" == app.config["HAZARDBOT"]["app"]["public_base_url"]
        response = client.get(url.path)
        assert response.status_code == 200, response.get_data(as_text=True)
        sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
        assert "周调度统计表" in str(sheet["A1"].value)
        assert str(sheet["A2"].value).startswith(f"填报单位：{region}")


def test_the_overdue_note_skips_regions_that_confirmed_their_table(factory, world) -> None:  # type: ignore[no-untyped-def]
    campaign_id = weekly_campaign(factory, date(2026, 11, 1), date(2026, 12, 31))
    with factory() as session:
        county = session.get(User, world.county)
        assert county is not None and county.region_code is not None
        campaigns.confirm(session, session.get(Campaign, campaign_id), county.region_code,  # type: ignore[arg-type]
                          "2026-W48", county.id, L(2026, 11, 27, 8))
        session.commit()
    for now in hours(L(2026, 11, 27, 8), L(2026, 11, 28)):
        sweep(factory, now, SETTINGS, ("weekly", "weekly_overdue"))
    county_officers = {_openid(factory, u) for u in (world.county, world.county2)}  # one county
    for kind in (R.WEEKLY_STATS, R.WEEKLY_OVERDUE):
        told = {m.openid for m in rows(factory, kind)}
        assert told and not told & county_officers
        assert _openid(factory, world.city) in told  # the city has not confirmed its own


def test_the_monthly_reminder_is_on_the_30th_and_the_last_day_of_february(factory, world) -> None:  # type: ignore[no-untyped-def]
    day = date(2026, 1, 25)
    while day < date(2026, 4, 5):
        sweep(factory, L(day.year, day.month, day.day, 12), NO_SHIFT, ("monthly",))
        day += timedelta(days=1)
    days = _days(factory, R.CAMPAIGN, world.county)
    assert days == [date(2026, 1, 30), date(2026, 2, 28), date(2026, 3, 30)]
    assert _days(factory, R.CAMPAIGN, world.province) == days
    assert not _days(factory, R.CAMPAIGN, world.manager)


def test_inspection_reminders_are_quarterly_and_monthly_for_metal_smelters(factory, world) -> None:  # type: ignore[no-untyped-def]
    for month in (10, 11, 12):
        sweep(factory, L(2026, month, 1, 10), NO_SHIFT, ("inspections",))
    # 太原晋钢 makes steel (metal smelting): every month; 清徐宏达 (coking) only in October.
    with factory() as session:
        smelter = enterprise(session, ENTERPRISE).metal_smelting
    assert smelter
    assert _days(factory, R.INSPECTION, world.manager) == [date(2026, m, 1) for m in (10, 11, 12)]
    other = [date(2026, 10, 1)]
    with factory() as session:
        from tests.common.factories import OTHER_ENTERPRISE

        if enterprise(session, OTHER_ENTERPRISE).metal_smelting:
            other = [date(2026, m, 1) for m in (10, 11, 12)]
    assert _days(factory, R.INSPECTION, world.other_manager) == other


def test_sweeps_run_twice_or_concurrently_queue_nothing_twice(factory, world) -> None:  # type: ignore[no-untyped-def]
    _rectifying(factory, date(2026, 11, 27))
    for now in hours(L(2026, 11, 23), L(2026, 12, 2)):
        sweep(factory, now, SETTINGS)
        sweep(factory, now, SETTINGS)  # a second scheduler, or a retry
    keys = [m.key for m in rows(factory)]
    assert len(keys) == len(set(keys)) > 0


def test_config_is_checked(factory) -> None:  # type: ignore[no-untyped-def]
    from bot.config import DEFAULTS, ConfigError

    cfg = {k: dict(v) for k, v in DEFAULTS.items()}
    assert ReminderSettings.from_config(cfg) == replace(SETTINGS, links=ReportLinks.from_config(cfg))
    cfg["scheduler"]["weekly_day"] = "friday"
    with pytest.raises(ConfigError, match="weekly_day"):
        ReminderSettings.from_config(cfg)
    cfg["scheduler"]["weekly_day"], cfg["scheduler"]["daily_at"] = "fri", "9h"
    with pytest.raises(ConfigError, match="daily_at"):
        ReminderSettings.from_config(cfg)
    assert timedelta(hours=72) == SETTINGS.catchup


# --- real holidays (chinesecalendar): National Day 2025 and its make-up working days ----------


def test_national_day_moves_reminders_to_the_working_day_before(factory, world) -> None:  # type: ignore[no-untyped-def]
    """2025: 10-01…10-08 are holidays; Sunday 09-28 and Saturday 10-11 are working days (调休)."""
    _rectifying(factory, date(2025, 10, 9))  # D-3 (10-06) and D-1 (10-08) fall in the holiday
    for now in hours(L(2025, 9, 25), L(2025, 10, 14)):
        sweep(factory, now, SETTINGS, ("deadlines", "inspections"))
    d = date
    # The quarterly inspection reminder due on 10-01 goes out on Tuesday 09-30.
    assert _days(factory, R.INSPECTION, world.manager) == [d(2025, 9, 30)]
    # Both holiday nudges collapse into one on 09-30 (the later point wins); then the day itself.
    assert _days(factory, R.DEADLINE_NUDGE, world.manager) == [d(2025, 9, 30), d(2025, 10, 9)]
    assert "还有9天" in rows(factory, R.DEADLINE_NUDGE)[0].text
    # Overdue daily on working days: the make-up Saturday 10-11 counts, Sunday 10-12 does not.
    assert _days(factory, R.DEADLINE_OVERDUE, world.manager) == [
        d(2025, 10, 10), d(2025, 10, 11), d(2025, 10, 13)]


def test_a_make_up_sunday_is_a_working_day_for_overdue_nudges(factory, world) -> None:  # type: ignore[no-untyped-def]
    _rectifying(factory, date(2025, 9, 26))  # a Friday
    for now in hours(L(2025, 9, 26), L(2025, 10, 10)):
        sweep(factory, now, SETTINGS, ("deadlines",))
    assert _days(factory, R.DEADLINE_OVERDUE, world.manager) == [
        date(2025, 9, 28), date(2025, 9, 29), date(2025, 9, 30), date(2025, 10, 9)]  # not 09-27, nor 10-01…08


def test_without_the_holiday_shift_national_day_is_an_ordinary_day(factory, world) -> None:  # type: ignore[no-untyped-def]
    for now in hours(L(2025, 9, 29), L(2025, 10, 3)):
        sweep(factory, now, NO_SHIFT, ("inspections",))
    assert _days(factory, R.INSPECTION, world.manager) == [date(2025, 10, 1)]
