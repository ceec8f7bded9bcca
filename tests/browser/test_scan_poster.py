"""From a printed poster to a report: decode the poster's code, open it, land in the dialogue.

What a person at the gate does in dev mode (no WeChat account): the phone camera reads the
poster, opens our landing page, and the simulator plays the WeChat scan.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Enterprise
from tests.browser.simulator_nav import Simulator
from tests.integration.qr_files import decode_qr

pytestmark = pytest.mark.browser

ENTERPRISE = "河津华圣铝业有限公司"


def test_poster_code_opens_the_report_for_that_enterprise(
    dev_app: Flask, dev_url: str, phone: Page, tmp_path: Path, artifacts: Path
) -> None:
    dev_app.extensions["qr_issuer"].public_base_url = dev_url  # the port is known only now
    with Session(dev_app.extensions["engine"]) as session:
        enterprise_id = session.scalars(select(Enterprise.id).where(Enterprise.name == ENTERPRISE)).one()
    poster = tmp_path / "poster.png"
    result = dev_app.test_cli_runner().invoke(
        args=["qr", "poster", "--enterprise", str(enterprise_id), str(poster)]
    )
    assert result.exit_code == 0, result.output

    (url,) = decode_qr(poster.read_bytes())
    assert url.startswith(f"{dev_url}/q/")

    phone.goto(url)
    expect(phone.locator("#enterprise")).to_have_text(ENTERPRISE)
    phone.locator("#open-simulator").click()

    sim = Simulator(phone, dev_url)
    reply = sim.page.locator("[data-role=reply] .bubble").last
    expect(reply).to_contain_text("扫码报告安全隐患")
    expect(reply).to_contain_text(f"已选择：{ENTERPRISE}")
    assert "第 3 步" in sim.say("深井铸造平台下降与结晶器冷却水联锁未投用")
    sim.screenshot(artifacts / "scan-poster.png")
