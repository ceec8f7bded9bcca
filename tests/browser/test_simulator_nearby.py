"""The simulator after ``make run``: its default location, sent before anything else, offers
the demo plant nearby, and choosing it goes on with the report (Chromium at phone width)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.simulator_nav import Simulator

pytestmark = pytest.mark.browser


def test_the_default_location_offers_the_demo_plant_nearby(
    phone: Page, dev_url: str, artifacts: Path
) -> None:
    sim = Simulator(phone, dev_url).open()
    reply = sim.send_location()  # the form's own point in 小店区
    assert reply.startswith("收到您的位置，开始报告安全隐患")
    assert "1. 太原晋钢钢铁有限公司（小店区） 约 0.8 公里" in reply
    assert "回复序号选择，或直接输入企业名称。" in reply
    sim.screenshot(artifacts / "simulator-nearby.png")
    assert "已选择：太原晋钢钢铁有限公司（小店区）" in sim.say("1")
