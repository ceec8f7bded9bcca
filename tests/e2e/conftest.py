"""End-to-end fixtures: the app served over real HTTP on a free port, and a WeChat peer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from werkzeug.serving import make_server

from bot.dev.peer import WeChatPeer
from tests.conftest import TEST_AES_KEY, TEST_APPID, TEST_TOKEN


@dataclass
class LiveServer:
    app: Flask
    url: str

    def run_worker(self) -> int:
        """Run the background worker's pass now (photo downloads, outbox), as it would."""
        return int(self.app.extensions["worker"].run_once())


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def peer(live: LiveServer) -> WeChatPeer:
    """WeChat in safe mode, as production runs."""
    return WeChatPeer(
        f"{live.url}/wechat", token=TEST_TOKEN, appid=TEST_APPID,
        encoding_aes_key=TEST_AES_KEY, mode="safe",
    )
