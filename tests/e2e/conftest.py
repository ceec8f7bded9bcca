"""End-to-end fixtures: the app served over real HTTP on a free port, and a WeChat peer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask

from bot.dev.peer import WeChatPeer
from tests.conftest import TEST_AES_KEY, TEST_APPID, TEST_TOKEN
from tests.servers import serving


@dataclass
class LiveServer:
    app: Flask
    url: str

    def run_worker(self) -> int:
        """Run the background worker's pass now (photo downloads, outbox), as it would."""
        return int(self.app.extensions["worker"].run_once())


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:
    with serving(app) as url:
        yield LiveServer(app, url)


@pytest.fixture
def peer(live: LiveServer) -> WeChatPeer:
    """WeChat in safe mode, as production runs."""
    return WeChatPeer(
        f"{live.url}/wechat", token=TEST_TOKEN, appid=TEST_APPID,
        encoding_aes_key=TEST_AES_KEY, mode="safe",
    )
