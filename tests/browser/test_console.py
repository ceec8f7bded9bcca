"""A county officer's morning at the console, in headless Chromium: sign in, filter the ledger,
open a hazard, acknowledge it, see the history grow, look at the charts, download the table and
an inspection's 附件5 hazard list.

Screenshots of each page go to ``test-artifacts/console-*.png`` for a human to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.demo_console import load_console_demo
from bot.models import Enterprise, Hazard, HazardEvent, User
from bot.services.inspections import walks
from bot.services.inspections.checklists import load_checklists
from bot.services.platform.clock import utcnow
from tests.browser.conftest import PHONE
from tests.browser.console_nav import ConsoleNav

pytestmark = pytest.mark.browser

OFFICER = "演示科长（小店区）"


def test_county_officer_works_through_the_console(
    dev_app: Flask, dev_url: str, browser: Browser, artifacts: Path, tmp_path: Path
) -> None:
    engine = dev_app.extensions["engine"]
    with Session(engine) as session:
        load_console_demo(session, now=utcnow())
        load_checklists(session, now=utcnow())
        officer = session.scalars(select(User).where(User.name == OFFICER)).one()
        steel = session.scalars(select(Enterprise).where(Enterprise.name == "太原晋钢钢铁有限公司")).one()
        walk = walks.start_or_join(session, user=officer, enterprise_id=steel.id, now=utcnow())
        walks.record_finding(session, walk, item_id=None, description="厂区消防通道堵塞", photo_ids=[],
                                   user=officer, now=utcnow())
        walks.finish(session, walk, user=officer, now=utcnow())
        session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    console = ConsoleNav(page, dev_url, artifacts)

    console.signs_in_as(OFFICER)
    numbers = console.filters_ledger(state="submitted")
    assert numbers, "the demo data has reports waiting in 小店区"
    for state in page.locator("#ledger td[data-label=状态]").all_inner_texts():
        assert state.strip() == "待受理"
    console.screenshot("ledger")

    number = numbers[0]
    console.opens_hazard(number)
    history = page.locator("#history li")
    before = history.count()
    console.takes_step("acknowledge", "已受理。")
    expect(page.locator("#state")).to_have_text("已受理")
    expect(history).to_have_count(before + 1)
    expect(history.last).to_contain_text("受理")
    expect(history.last).to_contain_text("待受理 → 已受理")
    expect(history.last).to_contain_text(OFFICER)
    expect(page.locator("#actions form[data-step=classify]")).to_be_visible()  # the next steps
    console.screenshot("hazard")
    with Session(engine) as session:
        hazard = session.scalars(select(Hazard).where(Hazard.number == number)).one()
        assert hazard.state == "acknowledged"
        assert session.scalars(select(HazardEvent.action).where(HazardEvent.hazard_id == hazard.id)
                               .order_by(HazardEvent.id.desc())).first() == "acknowledge"

    console.opens_dashboard(charts=5)
    assert page.locator("#kpis").inner_text().count("\n") >= 5
    console.screenshot("dashboard")

    page.goto(f"{dev_url}/console/reports")
    expect(page.locator("#weekly-table")).to_be_visible()
    saved = console.downloads("download-weekly", tmp_path / "weekly.xlsx")
    sheet = load_workbook(saved).worksheets[0]
    assert "周调度统计表" in str(sheet["A1"].value)
    assert str(sheet["A2"].value).startswith("填报单位：小店区")
    console.screenshot("reports")

    console.opens_inspection("太原晋钢钢铁有限公司")
    expect(page.locator("#findings li")).to_have_count(1)
    saved = console.downloads("download-list-pdf", tmp_path / "hazard-list.pdf")
    assert saved.read_bytes().startswith(b"%PDF")
    console.screenshot("inspection")

    page.set_viewport_size(PHONE)  # the same pages fit a phone (WeChat's built-in browser)
    page.goto(f"{dev_url}/console/hazards")
    expect(page.locator("#filter-box")).not_to_have_attribute("open", "")  # folded away
    console.filters_ledger(state="open")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    console.screenshot("ledger-phone")
    context.close()
