"""Two web hosts behind one address (issue 21, item 3; deploy/README.md, "Two web hosts").

On loopback: two gunicorn instances on different ports, each with its own instance directory,
sharing one PostgreSQL database, one Redis and one media store (an S3 bucket on moto's server,
or one directory both mount), and two ``flask scheduler run`` processes.

- a report whose messages alternate between the two hosts completes with one hazard;
- the photo sent through host A is shown by host B's console to the officer who signed in
  through host A (the sign-in too is shared: it lives in the database, not in a process);
- one scheduler leads and the other stands by; killed with SIGKILL (no hand-over), the leader's
  lease runs out and the other one takes over.

PostgreSQL only: SQLite is one file on one host, which a second host cannot share.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.dev.peer import WeChatPeer
from bot.models import Attachment, Hazard, SchedulerLease, User
from bot.services.platform.storage_config import store_from_config
from tests.common.factories import World
from tests.conftest import BACKEND, TEST_AES_KEY, TEST_APPID, TEST_TOKEN
from tests.e2e.chat import DESCRIPTION, jpeg_with_gps
from tests.e2e.test_faults import Gunicorn
from tests.fakes.s3_server import MotoS3Server
from tests.fakes.wechat_api import FakeWeChatServer, free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "postgresql", reason="two hosts share PostgreSQL; SQLite is one file"),
]

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """One Redis for both hosts (the WeChat access token they share), on a free port."""
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                              text=True, check=False).stdout.strip() == "PONG":
                break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _shared_env(database_url: str, fake: FakeWeChatServer, media: dict[str, Any], redis_url: str,
                public_base_url: str) -> dict[str, str]:
    env = {
        "HAZARDBOT_DATABASE_URL": database_url, "HAZARDBOT_REDIS_URL": redis_url,
        "HAZARDBOT_APP_PUBLIC_BASE_URL": public_base_url,
        "HAZARDBOT_WECHAT_API_BASE_URL": fake.base_url,
        "HAZARDBOT_CONSOLE_OAUTH_BASE_URL": fake.root_url + "connect/",
        "HAZARDBOT_CONSOLE_OAUTH_API_BASE_URL": fake.root_url,
        "HAZARDBOT_JOBS_IN_PROCESS": "true", "HAZARDBOT_SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS),
        # One key for all hosts: a query code given by one host must verify on the other.
        "HAZARDBOT_SECURITY_QUERY_CODE_KEY": "test-query-code-key",
    }
    env.update({f"HAZARDBOT_MEDIA_{key.upper()}": str(value) for key, value in media.items()})
    return env


@pytest.fixture(params=["s3", "shared_dir"])
def media(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """The one media store: a bucket (moto's S3 server), or one directory both hosts mount."""
    if request.param == "shared_dir":
        return {"backend": "local", "dir": str(tmp_path / "shared_media")}
    server: MotoS3Server = request.getfixturevalue("s3_server")  # its credentials: os.environ
    return server.media_config(server.new_bucket())


@pytest.fixture
def hosts(clean_db: Engine, database_url: str, tmp_path: Path, fake_wechat: FakeWeChatServer,
          redis_url: str, media: dict[str, Any]) -> Iterator[tuple[Gunicorn, Gunicorn]]:
    a = Gunicorn(database_url, tmp_path / "host_a", workers=2)
    b = Gunicorn(database_url, tmp_path / "host_b", workers=2)
    shared = _shared_env(database_url, fake_wechat, media, redis_url, a.base)
    for host in (a, b):
        host.env.update(shared)
    a.start()
    b.start()
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()
    for host in (a, b):
        assert "Traceback" not in host.log.read_text(), host.log.read_text()[-3000:]


def _peer(base: str) -> WeChatPeer:
    return WeChatPeer(f"{base}/wechat", token=TEST_TOKEN, appid=TEST_APPID,
                      encoding_aes_key=TEST_AES_KEY, mode="safe", http=requests.Session(), timeout=60)


def _wait_for(what: str, predicate: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


def test_a_dialogue_across_two_hosts_makes_one_hazard_and_either_host_shows_its_photo(
    hosts: tuple[Gunicorn, Gunicorn], clean_db: Engine, fake_wechat: FakeWeChatServer, world: World,
    media: dict[str, Any],
) -> None:
    a, b = hosts
    for host in (a, b):  # each names the one store it shares
        ready = requests.get(f"{host.base}/readyz", timeout=10).json()
        assert ready["checks"]["storage"] == "ok" and ready["storage_backend"] == media["backend"]
    peers = [_peer(a.base), _peer(b.base)]
    openid = "o_two_hosts"
    fake_wechat.add_media("MEDIA_TWO_HOSTS", jpeg_with_gps())
    replies = []
    steps: list[tuple[str, str]] = [("text", "举报"), ("text", "晋钢"), ("text", "1"), ("text", DESCRIPTION),
                                    ("image", "MEDIA_TWO_HOSTS"), ("text", "好了"), ("text", "跳过"),
                                    ("text", "2"), ("text", "2"), ("text", "确认")]
    for i, (kind, content) in enumerate(steps):
        peer = peers[0] if kind == "image" else peers[i % 2]  # the photo goes through host A
        reply = (peer.send_image(openid, content, "http://mmbiz.example/p.jpg") if kind == "image"
                 else peer.send_text(openid, content))
        assert reply.status_code == 200, reply.body
        replies.append(reply.content)
    assert "已收到第 1 张照片" in replies[4]
    assert "提交成功" in replies[-1], replies[-1]
    number = replies[-1].split("编号：")[1].split()[0]
    with Session(clean_db) as s:
        assert s.scalars(select(Hazard.number)).all() == [number]
        hazard_id = s.scalars(select(Hazard.id)).one()

    def stored() -> bool:
        with Session(clean_db) as s:
            return s.scalar(select(Attachment.status).where(Attachment.hazard_id == hazard_id)) == "stored"

    _wait_for("the photo to be fetched and stored", stored)
    with Session(clean_db) as s:
        photo = s.scalars(select(Attachment).where(Attachment.hazard_id == hazard_id)).one()
        officer = s.get(User, world.county)
        assert officer is not None
        officer_openid = officer.openid

    # Sign in through host A (WeChat web authorization), then ask host B for the photo.
    browser = requests.Session()
    fake_wechat.authorize_as(officer_openid)
    start = browser.get(f"{a.base}/console/login/wechat", allow_redirects=False, timeout=30)
    assert start.status_code == 302, start.text
    at_wechat = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(at_wechat.headers["Location"])
    assert f"{back.scheme}://{back.netloc}" == a.base
    assert browser.get(f"{a.base}{back.path}?{back.query}", timeout=30).status_code == 200
    page = browser.get(f"{b.base}/console/hazards/{number}", timeout=30)
    assert page.status_code == 200 and f"/console/photos/{photo.id}" in page.text
    served = browser.get(f"{b.base}/console/photos/{photo.id}", timeout=30)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert served.content == store_from_config(media).read(str(photo.relpath))
    assert not (Path(b.env["HAZARDBOT_APP_INSTANCE_DIR"]) / "media").exists()  # nothing of B's own


class Scheduler:
    """``flask scheduler run`` as its own process, as systemd runs it on each host."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "flask"), "--app", "bot", "scheduler", "run"],
                cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)
        self.log = log

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


def _lease_holder(engine: Engine) -> str | None:
    with Session(engine) as s:
        lease = s.scalars(select(SchedulerLease).where(SchedulerLease.name == "scheduler")).one_or_none()
        if lease is None or lease.expires_at is None:
            return None
        return lease.holder


def test_one_scheduler_leads_and_the_other_takes_over_when_it_is_killed(
    clean_db: Engine, database_url: str, tmp_path: Path, fake_wechat: FakeWeChatServer, redis_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAZARDBOT_")}
    media = {"backend": "local", "dir": str(tmp_path / "media")}
    env.update(_shared_env(database_url, fake_wechat, media, redis_url, "http://127.0.0.1"))
    env.update({"HAZARDBOT_APP_DEV_MODE": "false", "HAZARDBOT_APP_SECRET_KEY": "test-secret-key",
                "HAZARDBOT_WECHAT_TOKEN": TEST_TOKEN, "HAZARDBOT_WECHAT_APPID": TEST_APPID,
                "HAZARDBOT_WECHAT_SECRET": "test-secret", "HAZARDBOT_WECHAT_ENCODING_AES_KEY": TEST_AES_KEY})
    schedulers = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            schedulers.append(Scheduler({**env, "HAZARDBOT_APP_INSTANCE_DIR": str(tmp_path / name)},
                                        tmp_path / name / "scheduler.log"))
        by_pid = {s.proc.pid: s for s in schedulers}

        def leader() -> Scheduler | None:
            holder = _lease_holder(clean_db)
            pid = int(holder.split(":")[1]) if holder else None
            return by_pid.get(pid) if pid else None

        _wait_for("a scheduler to lead", lambda: leader() is not None, timeout=90)
        first = leader()
        assert first is not None
        other = next(s for s in schedulers if s is not first)
        time.sleep(LEASE_SECONDS * 2)  # several heartbeats: the lead stays where it is
        assert leader() is first and other.proc.poll() is None
        assert first.proc.poll() is None

        first.stop()  # SIGKILL: no release, the lease must run out
        _wait_for("the stand-by to take over", lambda: leader() is other, timeout=60)
        # It runs the jobs now, not only holds the row: APScheduler started under the lease.
        _wait_for("the stand-by's jobs to start", lambda: "leads" in other.log.read_text(), timeout=30)
        assert other.proc.poll() is None
    finally:
        for s in schedulers:
            s.stop()
