"""Fault tests against the production profile: gunicorn with several worker processes.

- WeChat delivers every message of 20 concurrent dialogues three times at once (its retry
  when no answer came within 5 s): each dialogue leaves exactly one hazard, and the three
  copies get the same answer, though they land on different worker processes.
- the whole server (master and workers) is killed with SIGKILL at random moments of 100
  concurrent dialogues and restarted; every message is delivered again until answered (as
  WeChat retries): all 100 dialogues complete, each with exactly one hazard, no 500.
- PostgreSQL drops the app's connections (``pg_terminate_backend``, as in a failover or a
  restart): the next requests succeed, no 500 (the ping on checkout in ``bot/db.py``; for
  ``/wechat``, which checks out unpinged, ``process_message``'s retry on a fresh connection).
- PostgreSQL itself is restarted (``pg_ctlcluster … restart``) under load: no 500 while it is
  down, and every worker serves again once it is back.
"""

from __future__ import annotations

import os
import random
import signal
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
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DIALOGUE = ("举报", "晋钢", "1", DESCRIPTION, "跳过", "跳过", "2", "2", "确认")


class Gunicorn:
    """The app under gunicorn with deploy/gunicorn.conf.py, in live mode on the test database.

    Started in its own process group, so that ``kill9`` takes down the master and every
    worker at once, as a power cut or an OOM kill of the whole service would.
    """

    def __init__(self, database_url: str, instance: Path, *, workers: int = 3) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = instance / "gunicorn.log"
        instance.mkdir(parents=True, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HAZARDBOT_")}
        self.env.update({
            "HAZARDBOT_APP_DEV_MODE": "false", "HAZARDBOT_APP_INSTANCE_DIR": str(instance),
            "HAZARDBOT_APP_SECRET_KEY": "test-secret-key", "HAZARDBOT_APP_LOG_LEVEL": "WARNING",
            "HAZARDBOT_SECURITY_QUERY_CODE_KEY": "test-query-code-key",
            "HAZARDBOT_DATABASE_URL": database_url, "HAZARDBOT_WECHAT_TOKEN": TEST_TOKEN,
            "HAZARDBOT_WECHAT_APPID": TEST_APPID, "HAZARDBOT_WECHAT_SECRET": TEST_SECRET,
            "HAZARDBOT_WECHAT_ENCODING_AES_KEY": TEST_AES_KEY,
            "HAZARDBOT_WECHAT_API_BASE_URL": f"http://127.0.0.1:{free_port()}/cgi-bin/",
            "HAZARDBOT_JOBS_IN_PROCESS": "false",
            "HAZARDBOT_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers),
            "HAZARDBOT_THREADS": "4", "HAZARDBOT_GUNICORN_LOGLEVEL": "warning",
        })
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log_file:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                 "bot.wsgi:app"],
                cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=log_file,
                start_new_session=True,
            )
        for _ in range(240):
            assert self.proc.poll() is None, self.log.read_text()[-2000:]
            try:
                if requests.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.25)
        pytest.fail(f"gunicorn not ready: {self.log.read_text()[-2000:]}")

    def kill9(self) -> None:
        """SIGKILL to the master and all its workers: no request finishes, nothing is flushed."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@contextmanager
def gunicorn(database_url: str, instance: Path, *, workers: int = 3) -> Iterator[str]:
    """A started server's base URL; no traceback may appear in its log."""
    server = Gunicorn(database_url, instance, workers=workers)
    server.start()
    try:
        yield server.base
    finally:
        server.stop()
    assert "Traceback" not in server.log.read_text(), server.log.read_text()[-3000:]


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
        # The workers' pooled connections (and any of the test's) are gone.
        assert _terminate_backends(clean_db, database_url) >= 1
        # /readyz has no retry of its own: a dead pooled connection handed out would be a 503.
        for _ in range(6):
            ready = requests.get(f"{base}/readyz", timeout=10, headers={"Connection": "close"})
            assert ready.status_code == 200, ready.text
        peer = _peer(base)
        for i in range(8):
            reply = peer.send_text(f"o_drop_{i}", "晋钢")
            assert reply.status_code == 200 and "请回复序号" in reply.content, reply.body


@pytest.mark.skipif(BACKEND != "postgresql", reason="pg_terminate_backend is PostgreSQL's")
def test_a_message_meeting_a_dead_pooled_connection_is_answered_on_a_fresh_one(
    live: LiveServer, peer: WeChatPeer, clean_db: Engine, database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """/wechat checks its connection out without the pool's ping (``bot.db.unpinged_checkouts``):
    the dead one fails the first statement, and ``process_message`` answers on a fresh one."""
    assert "企业名称" in peer.send_text("o_dead_conn", "举报").content  # the pool now holds one
    assert _terminate_backends(clean_db, database_url) >= 1
    time.sleep(0.2)  # the backends have said FATAL 57P01 and closed their sockets
    caplog.set_level("INFO", logger="bot.chat.channel")
    reply = peer.send_text("o_dead_conn", "晋钢")
    assert reply.status_code == 200 and "请回复序号" in reply.content, reply.body
    # Answered by the retry, not by a ping: the dead connection was met and left behind.
    assert any("met a dead connection" in r.getMessage() for r in caplog.records)
    with clean_db.connect() as conn:  # each message answered and logged once
        logged = conn.execute(text(
            "SELECT count(*) FROM inbound_messages WHERE openid = 'o_dead_conn'")).scalar_one()
    assert logged == 2


def _terminate_backends(admin: Engine, database_url: str) -> int:
    """End every session of the test database but the asking one, as a failover does; how many."""
    with admin.connect() as conn:
        killed = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = :db AND pid <> pg_backend_pid()"
        ), {"db": database_url.rsplit("/", 1)[1]}).scalar_one()
        conn.commit()
    return int(killed)


def _can_restart_postgresql() -> bool:
    """CI and these machines run the local cluster as root with pg_ctlcluster."""
    return BACKEND == "postgresql" and os.geteuid() == 0 and Path("/usr/bin/pg_ctlcluster").exists() \
        and Path("/etc/postgresql").is_dir() and len(os.listdir("/etc/postgresql")) == 1


def _restart_postgresql() -> None:
    version = os.listdir("/etc/postgresql")[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                   check=True, timeout=120, capture_output=True)


@pytest.mark.skipif(not _can_restart_postgresql(), reason="needs the local PostgreSQL cluster and root")
def test_postgresql_restarted_under_load_the_app_answers_and_reconnects(
    clean_db: Engine, database_url: str, tmp_path: Path
) -> None:
    """While PostgreSQL restarts, every message gets an answer (the 系统繁忙 reply, or WeChat's
    retry finds the server back): never a 500; afterwards every worker serves again."""
    server = Gunicorn(database_url, tmp_path / "instance", workers=2)
    server.start()
    statuses: list[int] = []
    busy: list[str] = []
    during: list[int] = []  # answers to messages sent while the restart was under way
    restarting = threading.Event()
    stop = threading.Event()

    def load(i: int) -> None:
        peer = _peer(base=server.base)
        while not stop.is_set():
            try:
                reply = peer.send_text(f"o_pgr_{i}", "帮助")
            except requests.RequestException:
                statuses.append(-1)
            else:
                statuses.append(reply.status_code)
                if restarting.is_set():
                    during.append(reply.status_code)
                if reply.status_code == 200 and "系统繁忙" in reply.content:
                    busy.append(reply.content)
            time.sleep(0.05)

    threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.0)
        restarting.set()
        _restart_postgresql()
        restarting.clear()
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        assert during, "no message was sent while PostgreSQL restarted"
        assert 500 not in statuses and -1 not in statuses, sorted(set(statuses))
        for _ in range(6):
            ready = requests.get(f"{server.base}/readyz", timeout=10, headers={"Connection": "close"})
            assert ready.status_code == 200, ready.text
        peer = _peer(server.base)
        for i in range(8):
            reply = peer.send_text(f"o_pgr_after_{i}", "举报")
            assert reply.status_code == 200 and "企业名称" in reply.content, reply.body
    finally:
        stop.set()
        server.stop()


# (message, what its reply must contain): tests/e2e/chat.py's report dialogue, anonymous.
EXPECTED = ("企业名称", "晋钢", "第 2 步", "第 3 步", "第 4 步", "第 5 步", "第 6 步", "请核对", "编号：")


RETRIES: list[str] = []  # deliveries that got no answer (the server was down or killed)


def _until_answered(base: str, openid: str, content: str, expected: str, stop: threading.Event) -> str:
    """Deliver one message (one MsgId) until the server answers it, as WeChat retries.

    Connection refused or reset, a timeout or a 5xx means no answer: the same message goes
    again (WeChat itself stops after three tries; here the server is back within seconds).
    """
    msg_id, created = WeChatPeer.next_msg_id(), int(time.time())
    deadline = time.monotonic() + 180
    last = ""
    while time.monotonic() < deadline and not stop.is_set():
        try:
            reply = _peer(base).send_text(openid, content, msg_id=msg_id, create_time=created)
        except requests.RequestException as exc:
            last = type(exc).__name__
            RETRIES.append(last)
        else:
            if reply.status_code == 200:
                assert expected in reply.content, (openid, content, reply.content)
                return reply.content
            last = f"HTTP {reply.status_code}"
            RETRIES.append(last)
        time.sleep(0.2 + random.random() * 0.3)
    raise AssertionError(f"{openid} {content!r} never answered ({last})")


def test_kill_9_at_random_points_of_100_dialogues_loses_and_doubles_nothing(
    clean_db: Engine, database_url: str, tmp_path: Path
) -> None:
    server = Gunicorn(database_url, tmp_path / "instance", workers=2)
    server.start()
    RETRIES.clear()
    users = [f"o_kill_{i:03d}" for i in range(100)]
    pending = list(users)
    numbers: dict[str, str] = {}
    problems: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()
    answered = [0]  # messages answered so far, by all clients

    def client() -> None:
        while not stop.is_set():
            with lock:
                if not pending:
                    return
                openid = pending.pop()
            try:
                for content, expected in zip(DIALOGUE, EXPECTED, strict=True):
                    reply = _until_answered(server.base, openid, content, expected, stop)
                    with lock:
                        answered[0] += 1
                numbers[openid] = reply.split("编号：")[1].split()[0]
            except BaseException as exc:  # noqa: BLE001 - reported below
                problems.append(f"{type(exc).__name__}: {exc}")
                stop.set()

    clients = [threading.Thread(target=client) for _ in range(20)]
    kills = 0
    try:
        for t in clients:
            t.start()
        rng = random.Random(20261124)
        # Kill at random points of the work itself, not of the clock: a fast server may
        # finish the 100 dialogues before any fixed delay has passed.
        total = len(users) * len(DIALOGUE)
        for at in sorted(rng.sample(range(total // 20, total * 4 // 5), 4)):
            while answered[0] < at and any(t.is_alive() for t in clients):
                time.sleep(0.01)
            if not any(t.is_alive() for t in clients):
                break
            server.kill9()
            kills += 1
            time.sleep(rng.uniform(0.2, 1.0))  # the clients meet a dead port meanwhile
            server.start()
        for t in clients:
            t.join(timeout=600)
    finally:
        stop.set()
        server.stop()

    assert problems == []
    assert kills >= 2  # the dialogues really were cut, more than once
    assert len(RETRIES) > 0 and "HTTP 500" not in RETRIES
    assert len(numbers) == 100 and len(set(numbers.values())) == 100
    with clean_db.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Hazard)) == 100
        assert conn.scalar(select(func.count()).select_from(HazardEvent)) == 100
        assert set(conn.scalars(select(Hazard.number))) == set(numbers.values())
        assert conn.scalar(select(func.count()).select_from(InboundMessage)) == 100 * len(DIALOGUE)
