"""Fault tests against the production profile: gunicorn with several worker processes.

- WeChat delivers every message of 20 concurrent dialogues three times at once (its retry
  when no answer came within 5 s): each dialogue leaves exactly one hazard, and the three
  copies get the same answer, though they land on different worker processes.
- PostgreSQL drops the app's connections (``pg_terminate_backend``, as in a failover or a
  restart): the next requests succeed, no 500 (``pool_pre_ping`` in ``bot/db.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, func, select, text

from bot.dev.peer import WeChatPeer
from bot.models import Hazard, HazardEvent, InboundMessage
from tests.conftest import BACKEND, TEST_AES_KEY, TEST_APPID, TEST_SECRET, TEST_TOKEN
from tests.e2e.chat import DESCRIPTION
from tests.fakes.wechat_api import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DIALOGUE = ("举报", "晋钢", "1", DESCRIPTION, "跳过", "跳过", "2", "2", "确认")


@contextmanager
def gunicorn(database_url: str, instance: Path, *, workers: int = 3) -> Iterator[str]:
    """The app under gunicorn with deploy/gunicorn.conf.py, in live mode on the test database."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAZARDBOT_")}
    env.update({
        "HAZARDBOT_APP_DEV_MODE": "false", "HAZARDBOT_APP_INSTANCE_DIR": str(instance),
        "HAZARDBOT_APP_SECRET_KEY": "test-secret-key", "HAZARDBOT_APP_LOG_LEVEL": "WARNING",
        "HAZARDBOT_DATABASE_URL": database_url, "HAZARDBOT_WECHAT_TOKEN": TEST_TOKEN,
        "HAZARDBOT_WECHAT_APPID": TEST_APPID, "HAZARDBOT_WECHAT_SECRET": TEST_SECRET,
        "HAZARDBOT_WECHAT_ENCODING_AES_KEY": TEST_AES_KEY,
        "HAZARDBOT_WECHAT_API_BASE_URL": f"http://127.0.0.1:{free_port()}/cgi-bin/",
        "HAZARDBOT_JOBS_IN_PROCESS": "false",
        "HAZARDBOT_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
        "HAZARDBOT_THREADS": "4", "HAZARDBOT_GUNICORN_LOGLEVEL": "warning",
    })
    log = instance / "gunicorn.log"
    instance.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "bot.wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_file,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                assert proc.poll() is None, log.read_text()[-2000:]
                try:
                    if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.25)
            else:
                pytest.fail(f"gunicorn not ready: {log.read_text()[-2000:]}")
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def _peer(base: str) -> WeChatPeer:
    return WeChatPeer(f"{base}/wechat", token=TEST_TOKEN, appid=TEST_APPID,
                      encoding_aes_key=TEST_AES_KEY, mode="safe", http=requests.Session(), timeout=60)


def _delivered_three_times(base: str, openid: str, content: str) -> list[tuple[int, str]]:
    """One message (one MsgId) sent by three concurrent connections, as WeChat's retries."""
    msg_id = WeChatPeer.next_msg_id()
    created = int(time.time())
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def deliver() -> None:
        reply = _peer(base).send_text(openid, content, msg_id=msg_id, create_time=created)
        with lock:
            results.append((reply.status_code, reply.content))

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    return results


def test_every_message_delivered_three_times_under_load_acts_once(
    clean_db: Engine, database_url: str, tmp_path: Path
) -> None:
    users = [f"o_fault_{i:02d}" for i in range(20)]
    finals: dict[str, list[tuple[int, str]]] = {}
    problems: list[str] = []

    def dialogue(openid: str) -> None:
        try:
            for content in DIALOGUE:
                results = _delivered_three_times(base, openid, content)
                if len(results) != 3 or len(set(results)) != 1 or results[0][0] != 200:
                    problems.append(f"{openid} {content!r}: {results}")
                    return
            finals[openid] = results
        except Exception as exc:  # noqa: BLE001 - reported below
            problems.append(f"{openid}: {type(exc).__name__}: {exc}")

    with gunicorn(database_url, tmp_path / "instance", workers=3) as base:
        threads = [threading.Thread(target=dialogue, args=(u,)) for u in users]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)

    assert problems == []
    numbers = {content.split("编号：")[1].split()[0] for [(_, content), *_] in finals.values()}
    assert len(finals) == 20 and len(numbers) == 20
    with clean_db.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Hazard)) == 20
        assert conn.scalar(select(func.count()).select_from(HazardEvent)) == 20
        assert set(conn.scalars(select(Hazard.number))) == numbers
        # One log row per message, not per delivery: 20 users × 9 messages.
        assert conn.scalar(select(func.count()).select_from(InboundMessage)) == 20 * len(DIALOGUE)


@pytest.mark.skipif(BACKEND != "postgresql", reason="pg_terminate_backend is PostgreSQL's")
def test_dropped_database_connections_are_replaced_without_a_500(
    clean_db: Engine, database_url: str, tmp_path: Path
) -> None:
    with gunicorn(database_url, tmp_path / "instance", workers=2) as base:
        # Fill the workers' pools: concurrent requests on their own connections.
        started = [_peer(base).send_text(f"o_drop_{i}", "举报") for i in range(2)]
        threads = [threading.Thread(target=lambda i=i: started.append(
            _peer(base).send_text(f"o_drop_{i}", "举报"))) for i in range(2, 8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(started) == 8 and all("企业名称" in r.content for r in started)
        dbname = database_url.rsplit("/", 1)[1]
        with clean_db.connect() as conn:
            killed = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid()"
            ), {"db": dbname}).scalar_one()
            conn.commit()
        assert killed >= 1  # the workers' pooled connections (and any of the test's) are gone
        # /readyz has no retry of its own: a dead pooled connection handed out would be a 503.
        for _ in range(6):
            ready = requests.get(f"{base}/readyz", timeout=10, headers={"Connection": "close"})
            assert ready.status_code == 200, ready.text
        peer = _peer(base)
        for i in range(8):
            reply = peer.send_text(f"o_drop_{i}", "晋钢")
            assert reply.status_code == 200 and "请回复序号" in reply.content, reply.body
