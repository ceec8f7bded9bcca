"""The browser named to the officer in chat after a scan sign-in: short, recognisable."""

from __future__ import annotations

import pytest

from bot.services.people.console_login import ScanResult, chat_reply, is_login_scene, short_browser

UAS = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36": "Chrome 131 · Windows",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86": "Edge 131 · Windows",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0": "Firefox 133 · Linux",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Safari/605.1.15": "Safari 17 · macOS",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1": "Safari 17 · iOS",
    "": "未知浏览器",
    "<script>alert(1)</script>": "未知浏览器",
}


@pytest.mark.parametrize(("ua", "shown"), UAS.items())
def test_short_browser(ua: str, shown: str) -> None:
    assert short_browser(ua) == shown


def test_a_long_user_agent_is_cut() -> None:
    assert len(short_browser("Chrome/" + "9" * 500)) <= 64


def test_only_login_scenes_are_taken() -> None:
    assert is_login_scene("login:abc") and not is_login_scene("e:abc") and not is_login_scene("xlogin:")


def test_the_chat_names_time_and_browser() -> None:
    text = chat_reply(ScanResult("signed_in", "Chrome 131 · Windows"), at="2026-12-02 16:05")
    assert text.startswith("已登录监管后台（2026-12-02 16:05，Chrome 131 · Windows）")
