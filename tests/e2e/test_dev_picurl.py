"""Through chat, in dev mode: a forged image message whose PicUrl points inside is not fetched.

The forger signs his messages with the public dev credentials and sends an image whose PicUrl
is a server on the app's own loopback (a stand-in for Redis, a metadata service, an admin
page). The app answers as for any photo, the worker's download is refused without a request,
and the sender gets the usual "照片无法使用" notice in the dev inbox; the simulator's own
upload, named by its PicUrl on this app, is still used (read from the database).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine

from bot import create_app
from bot.dev.peer import WeChatPeer
from bot.models import Attachment
from tests.common.counting_server import CountingServer, counting_server, small_jpeg
from tests.conftest import app_config
from tests.e2e.chat import make_peer, rows, say
from tests.e2e.conftest import LiveServer
from tests.servers import serving

FORGER = "o_sim_forger01"


@pytest.fixture
def dev_live(clean_db: Engine, database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """Dev mode over HTTP; one attempt per job, so a failed download is final at once."""
    app = create_app(app_config(database_url, tmp_path / "instance", app={"dev_mode": True},
                                jobs={"max_attempts": 1}))
    with serving(app) as url:
        yield LiveServer(app, url)
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


@pytest.fixture
def inner() -> Iterator[CountingServer]:
    with counting_server() as srv:
        yield srv


def inbox(live: LiveServer, openid: str) -> list[str]:
    answer = requests.get(f"{live.url}/dev/inbox", params={"openid": openid}, timeout=5)
    assert answer.status_code == 200
    return [str(m.get("text", "")) for m in answer.json()["messages"]]


def start_report(peer: WeChatPeer) -> None:
    say(peer, FORGER, "举报", "晋钢", "1")
    assert "照片" in say(peer, FORGER, "转炉炉前氧枪冷却水流量报警失灵，已两天未修")


def test_a_picurl_towards_loopback_is_refused_and_the_sender_told(
    dev_live: LiveServer, inner: CountingServer, caplog: pytest.LogCaptureFixture
) -> None:
    peer = make_peer(dev_live)
    start_report(peer)
    for i, url in enumerate((f"{inner.origin}/photo.jpg", f"http://localhost:{inner.port}/redirect",
                             "http://169.254.169.254/latest/meta-data/"), start=1):
        assert f"已收到第 {i} 张照片" in peer.send_image(FORGER, f"PEER_MEDIA_{i}", url).content

    with caplog.at_level(logging.WARNING, logger="bot.dev.adapters"):
        dev_live.run_worker()

    assert inner.total == 0  # not one request reached the inner server
    photos = rows(dev_live.app.extensions["engine"], Attachment)
    assert [p.status for p in photos] == ["rejected"] * 3
    texts = inbox(dev_live, FORGER)
    for i in (1, 2, 3):
        assert any(f"您发送的第 {i} 张照片无法使用" in t for t in texts), texts
    refusals = [r.getMessage() for r in caplog.records if "PicUrl refused" in r.getMessage()]
    assert len(refusals) == 3 and all("non-public address" in m for m in refusals)


def test_the_simulators_own_upload_is_used_by_its_picurl(dev_live: LiveServer) -> None:
    upload = requests.post(f"{dev_live.url}/dev/simulator/upload", timeout=5,
                           files={"picture": ("p.jpg", small_jpeg(), "image/jpeg")})
    assert upload.status_code == 201
    pic_url = upload.json()["pic_url"]
    assert "/dev/media/" in pic_url

    peer = make_peer(dev_live)
    start_report(peer)
    assert "已收到第 1 张照片" in peer.send_image(FORGER, "PEER_OWN_MEDIA_ID", pic_url).content
    dev_live.run_worker()
    (photo,) = rows(dev_live.app.extensions["engine"], Attachment)
    assert photo.status == "stored", photo.error
