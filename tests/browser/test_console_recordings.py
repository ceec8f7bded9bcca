"""An officer plays a report's voice message and video on the hazard page, in real Chromium.

The recordings are stored as the download job stores them (the same service functions), on a
report of the demo data; the officer signs in, opens the hazard and finds an audio player
with WeChat's transcript and a video player with its poster. Every source the page names loads
from our own origin with its real content type, and the policy (``media-src 'self'``) refuses
nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.demo_console import load_console_demo
from bot.models import Attachment, Hazard
from bot.services.platform.clock import utcnow
from bot.services.reporting.photos import store_photo
from bot.services.reporting.recordings import store_recording
from tests.browser.console_nav import ConsoleNav
from tests.common.media_samples import amr_voice, mp4_video
from tests.e2e.chat import jpeg_with_gps

pytestmark = pytest.mark.browser

OFFICER = "演示科长（小店区）"
HEARD = "二号车间除尘器泄爆口朝向人员通道"


def _attach_recordings(app: Flask) -> str:
    """A voice message and a video on the first submitted report in 小店区; its number."""
    media_dir = Path(app.config["HAZARDBOT"]["media"]["dir"])
    with Session(app.extensions["engine"]) as session:
        load_console_demo(session, now=utcnow())
        hazard = session.scalars(select(Hazard).where(Hazard.region_code == "140105",
                                                      Hazard.state == "submitted")
                                 .order_by(Hazard.id)).first()
        assert hazard is not None, "the demo data has a report waiting in 小店区"
        voice = store_recording(amr_voice(2), media_dir, kind="voice", max_bytes=1 << 21)
        video = store_recording(mp4_video(32 * 1024), media_dir, kind="video", max_bytes=1 << 21)
        thumb = store_photo(jpeg_with_gps(), media_dir)
        for seq, (kind, stored) in enumerate((("voice", voice), ("video", video)), start=50):
            session.add(Attachment(
                hazard_id=hazard.id, seq=seq, media_id=f"{kind.upper()}_1", kind=kind, status="stored",
                sha256=stored.sha256, original_sha256=stored.sha256, relpath=stored.relpath,
                content_type=stored.content_type, size_bytes=stored.size_bytes, created_at=utcnow(),
                transcript=HEARD if kind == "voice" else None,
                thumb_relpath=thumb.relpath if kind == "video" else None,
            ))
        session.commit()
        return hazard.number


def test_the_hazard_page_plays_the_voice_and_the_video(
    dev_app: Flask, dev_url: str, browser: Browser, artifacts: Path
) -> None:
    number = _attach_recordings(dev_app)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    try:
        page = context.new_page()
        page.on("console", watch)
        console = ConsoleNav(page, dev_url, artifacts)
        console.signs_in_as(OFFICER)
        page.goto(f"{dev_url}/console/hazards/{number}")
        expect(page.locator("#number")).to_have_text(number)

        voice = page.locator("#recordings figure[data-kind=voice]")
        expect(voice.locator("audio[controls]")).to_be_visible()
        expect(voice.locator("figcaption")).to_contain_text(f"“{HEARD}”（微信识别）")
        video = page.locator("#recordings figure[data-kind=video]")
        expect(video.locator("video[controls]")).to_be_visible()
        expect(video.locator("figcaption")).to_contain_text("视频 1")
        console.screenshot("recordings")

        sources = {
            "audio/amr": voice.locator("audio").get_attribute("src"),
            "video/mp4": video.locator("video").get_attribute("src"),
            "image/jpeg": video.locator("video").get_attribute("poster"),
        }
        for mime, src in sources.items():
            assert src and src.startswith("/console/evidence/"), (mime, src)
            loaded = page.request.get(dev_url + src)  # with the officer's session cookie
            assert loaded.status == 200 and loaded.headers["content-type"] == mime, (src, loaded.status)
            assert loaded.body()
        seek = page.request.get(dev_url + str(sources["video/mp4"]), headers={"Range": "bytes=0-99"})
        assert seek.status == 206 and len(seek.body()) == 100  # a player can seek

        with page.expect_download() as download:
            voice.locator("a", has_text="下载").click()
        assert download.value.suggested_filename.endswith(".amr")
        # Signed out, none of it is served.
        context.clear_cookies()
        signed_out = page.request.get(dev_url + str(sources["audio/amr"]), max_redirects=0)
        assert signed_out.status in (302, 401, 404)
        assert refused == []
    finally:
        context.close()
