"""The phone simulator in a real browser: a whole anonymous report with a photo and a location.

This is the "done" check of the dev-mode issue: what a developer does after ``make run``,
played by Chromium at phone width, and then the record read back through ``/dev/hazards``.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.simulator_nav import Simulator

pytestmark = pytest.mark.browser

T = TypeVar("T")
DESCRIPTION = "炼钢车间转炉平台氧枪冷却水流量报警失灵，已经两天没人修"
LAT, LNG, LABEL = 37.8706, 112.5489, "太原市小店区晋钢厂区炼钢车间"


def phone_photo(path: Path) -> Path:
    """A JPEG like a phone's: a maker and a GPS position in its EXIF."""
    image = Image.new("RGB", (320, 240), (180, 60, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (37.0, 52.0, 14.0)
    gps[3], gps[4] = "E", (112.0, 32.0, 56.0)
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    path.write_bytes(buf.getvalue())
    return path


def eventually(read: Callable[[], T], ok: Callable[[T], bool], *, timeout: float = 10) -> T:
    """Poll ``read`` until ``ok`` holds: the photo is stored by the worker after the reply."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if ok(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_anonymous_report_with_photo_and_location(
    phone: Page, dev_url: str, tmp_path: Path, artifacts: Path
) -> None:
    sim = Simulator(phone, dev_url).open()
    assert re.fullmatch(r"o_sim_[0-9a-f]{8}", sim.openid)

    assert "企业名称" in sim.tap("举报")
    assert "1. 太原晋钢钢铁有限公司（小店区）" in sim.say("晋钢")
    assert "已选择：太原晋钢钢铁有限公司" in sim.say("1")
    assert "照片" in sim.say(DESCRIPTION)

    assert "已收到第 1 张照片" in sim.send_picture(phone_photo(tmp_path / "IMG_0001.jpg"))
    expect(sim.sent_picture()).to_have_attribute("src", re.compile(r"/dev/media/dev_[0-9a-f]{32}$"))

    assert "位置" in sim.tap("好了")
    assert "匿名" in sim.send_location(LAT, LNG, LABEL)
    sim.screenshot(artifacts / "simulator-media.png")
    assert "可能是重大事故隐患吗" in sim.say("2")
    summary = sim.say("2")
    assert "请核对" in summary and "照片：1 张" in summary and "方式：匿名" in summary

    done = sim.tap("确认")
    assert "提交成功" in done
    number = re.search(r"编号：(YH\d{12})", done)
    code = re.search(r"查询码：([A-Z0-9]{8})", done)
    assert number and code, done
    shown = sim.last_reply()
    for text in ("提交成功", f"编号：{number.group(1)}", f"查询码：{code.group(1)}"):
        expect(shown).to_contain_text(text)
    expect(shown).to_be_in_viewport()
    expect(phone.get_by_role("link", name=re.compile(number.group(1)))).to_be_visible()

    record = eventually(
        lambda: _hazard(dev_url, number.group(1)),
        lambda r: bool(r["attachments"]) and r["attachments"][0]["status"] != "pending",
    )
    assert record["description"] == DESCRIPTION
    assert record["enterprise_name"] == "太原晋钢钢铁有限公司"
    assert (record["location_lat"], record["location_lng"]) == (LAT, LNG)
    assert record["location_label"] == LABEL
    assert record["source"] == "public_report" and record["state"] == "submitted"
    assert record["anonymous"] is True and record["query_code_hash"]
    assert record["reporter_id"] is None and record["reporter_name"] is None
    assert record["reporter_phone"] is None
    assert [(e["action"], e["to_state"]) for e in record["events"]] == [("submit", "submitted")]
    (photo,) = record["attachments"]
    assert photo["status"] == "stored", photo
    assert re.fullmatch(r"[0-9a-f]{64}", photo["sha256"])
    assert photo["sha256"] != photo["original_sha256"]  # re-encoded: the EXIF GPS is gone
    assert photo["size_bytes"] > 0 and (photo["width"], photo["height"]) == (320, 240)
    assert photo["media_id"].startswith("dev_") and "/dev/media/" in photo["pic_url"]

    sim.screenshot(artifacts / "simulator.png")


def test_dev_inbox_shows_what_the_app_pushes(
    phone: Page, dev_url: str, tmp_path: Path, artifacts: Path
) -> None:
    """A picture the app cannot use comes back as a pushed message: it lands in the dev inbox."""
    sim = Simulator(phone, dev_url).open()
    sim.choose_mode("compatible")
    sim.tap("举报")
    sim.say("晋钢")
    sim.say("1")
    sim.say(DESCRIPTION)
    not_a_picture = tmp_path / "notes.jpg"
    not_a_picture.write_bytes(b"this is not a JPEG at all")
    assert "已收到第 1 张照片" in sim.send_picture(not_a_picture)
    sim.wait_for_inbox("第 1 张照片无法使用")
    assert "已取消本次报告" in sim.tap("取消")
    sim.screenshot(artifacts / "simulator-inbox.png")


def _hazard(base_url: str, number: str) -> dict[str, Any]:
    res = requests.get(f"{base_url}/dev/hazards/{number}", timeout=5)
    res.raise_for_status()
    data: dict[str, Any] = res.json()
    return data
