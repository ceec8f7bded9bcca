"""A page object for the phone simulator: methods named after what the person does.

Every action waits for its own exchange to finish (the page marks the bubble it added with
``data-exchange`` and ``data-state``), never for a fixed time, and returns the app's reply.
Tests read as the dialogue they play: ``phone.say("举报")``, ``phone.send_picture(path)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

_DONE_OR_FAILED = re.compile(r"^(done|failed)$")


class SimulatorError(AssertionError):
    """The simulator showed an error line instead of the app's reply."""


class Simulator:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")

    # --- getting there -----------------------------------------------------------------------

    def open(self) -> Simulator:
        self.page.goto(f"{self.base_url}/dev/simulator")
        expect(self.page.get_by_role("heading", name="开发收件箱")).to_be_visible()
        return self

    def open_settings(self) -> None:
        settings = self.page.locator("#settings")
        if settings.get_attribute("open") is None:
            settings.locator("summary").click()
        expect(self.page.locator("#openid")).to_be_visible()

    @property
    def openid(self) -> str:
        return self.page.locator("#openid").input_value()

    def become(self, openid: str) -> None:
        """Play another WeChat user (the page starts with a random one)."""
        self.open_settings()
        self.page.locator("#openid").fill(openid)
        self.page.locator("#openid").press("Enter")
        self.page.locator("#openid").blur()

    def choose_mode(self, mode: str) -> None:
        """safe | compatible | plaintext: how WeChat would wrap the messages."""
        self.open_settings()
        self.page.locator("#mode").select_option(mode)

    # --- talking -------------------------------------------------------------------------------

    def say(self, text: str) -> str:
        """Type ``text`` and tap 发送; returns the reply."""
        def act() -> None:
            self.page.get_by_label("消息", exact=True).fill(text)
            self.page.get_by_role("button", name="发送", exact=True).click()

        return self._exchange(act)

    def tap(self, quick_reply: str) -> str:
        """Tap a quick-reply button (举报, 帮助, 取消, 确认, 好了, 跳过)."""
        return self._exchange(
            lambda: self.page.locator(".quick").get_by_role("button", name=quick_reply, exact=True).click()
        )

    def send_picture(self, path: Path) -> str:
        """Pick a picture from disk, as from the phone's album; returns the reply."""
        self._open_extras()
        return self._exchange(lambda: self.page.locator("#picture").set_input_files(str(path)))

    def send_location(
        self, lat: float | None = None, lng: float | None = None, label: str | None = None
    ) -> str:
        """Send a location (the form starts with one in Taiyuan); returns the reply."""
        self._open_extras()
        for field, value in (("#lat", lat), ("#lng", lng), ("#label", label)):
            if value is not None:
                self.page.locator(field).fill(str(value))
        return self._exchange(lambda: self.page.get_by_role("button", name="发送位置").click())

    # --- what the page shows -------------------------------------------------------------------

    def last_reply(self) -> Locator:
        """The app's latest reply bubble, as the phone shows it."""
        return self.page.locator("[data-role=reply] .bubble").last

    def replies(self) -> list[str]:
        return self.page.locator("[data-role=reply] .bubble").all_inner_texts()

    def sent_picture(self) -> Locator:
        return self.page.locator(".msg.mine .bubble.picture img").last

    def inbox_texts(self) -> list[str]:
        return self.page.locator("#inbox-list .inbox-item-text").all_inner_texts()

    def wait_for_inbox(self, containing: str) -> None:
        """Wait for the dev inbox (refreshed every few seconds) to show a message."""
        expect(self.page.locator("#inbox-list .inbox-item-text", has_text=containing).first).to_be_visible()

    def screenshot(self, path: Path) -> None:
        self.page.screenshot(path=str(path), full_page=True)

    # --- plumbing ------------------------------------------------------------------------------

    def _open_extras(self) -> None:
        if self.page.locator("#extras").is_hidden():
            self.page.get_by_title("图片、位置").click()
        expect(self.page.locator("#extras")).to_be_visible()

    def _exchange(self, act: Callable[[], None]) -> str:
        n = self.page.locator("[data-exchange][data-state]").count() + 1
        act()
        mine = self.page.locator(f"[data-state][data-exchange='{n}']")
        expect(mine).to_have_attribute("data-state", _DONE_OR_FAILED)
        if mine.get_attribute("data-state") == "failed":
            error = self.page.locator(f"[data-role=system][data-exchange='{n}']").first.inner_text()
            raise SimulatorError(f"the simulator showed an error: {error}")
        reply = self.page.locator(f"[data-role=reply][data-exchange='{n}'] .bubble")
        return reply.inner_text() if reply.count() else ""
