"""Benchmark: ``/wechat`` in safe mode under gunicorn, whole report dialogues, 50 users at once.

    python bench/wechat_load.py [--users 50] [--seconds 20] [--rounds 4] [--workers 3] [--threads 4]
                                [--db postgresql|sqlite] [--admin-url postgresql+psycopg://…/test]
                                [--rss-only]

``--rss-only``: the workers' RSS before and after the dialogue phase (``--seconds`` of it),
with no bare phase, ratios or statement counts: a quick check of what the app costs in memory.

Not a test: it prints figures (docs/performance.md). What it does:

1. a throw-away database (PostgreSQL by default, SQLite with ``--db sqlite``), migrated with
   Alembic, with the regions, the demo enterprises and one county officer where the reports go
   (so that each confirmation queues his notice, as in the field);
2. gunicorn with ``deploy/gunicorn.conf.py`` (the production settings) on a free loopback
   port, serving the app in live mode (safe mode, production-like secrets) next to a bare
   Flask app (``bench/served_app.py``);
3. a load generator in a second process: USERS threads, each a WeChat user whose messages
   are signed and AES-encrypted by ``bot/dev/peer.py`` (an implementation independent of the
   server's wechatpy). Each runs whole report dialogues (举报 → enterprise → pick → description
   → no photo → no location → anonymous → not major → 确认), checking every reply; then the
   same users hit the bare endpoint, then the floor (see 5): each phase SECONDS in all, in
   ROUNDS alternating rounds, so that a drift of the shared machine's speed falls on all alike;
4. messages/s, p50 / p99 latency and errors for each, the RSS of each gunicorn worker
   before and after, and a check that every completed dialogue left exactly one hazard;
5. the ratios of the same run (messages/s of /wechat over bare, server CPU per message over
   bare, over the whole run and in each round), the same for the floor (``bench/served_app.py``:
   the least a chat step does on our stack; ``/floor/driver``: the same on the driver alone),
   and the SQL statements of each dialogue step, counted with SQLAlchemy events in a short
   in-process pass after the load (``statements_per_step``).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

APPID = "wxbench000000001"
TOKEN = "bench-token"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aQ"
DESCRIPTION = "二号车间除尘器泄爆口朝向人员通道，且未设置隔离区"
# (message, a fragment the reply must contain): the report dialogue of tests/e2e/chat.py.
DIALOGUE = (
    ("举报", "企业名称"), ("晋钢", "晋钢"), ("1", "第 2 步"), (DESCRIPTION, "第 3 步"),
    ("跳过", "第 4 步"), ("跳过", "第 5 步"), ("2", "第 6 步"), ("2", "请核对"), ("确认", "编号："),
)
_NUMBER = re.compile(r"编号：(YH\d+)")
OFFICER_REGION = "140105"  # 小店区, 晋钢's county: the bench's officer is bound there


@dataclass
class PhaseResult:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)  # hazard numbers of completed dialogues
    steps: dict[int, list[float]] = field(default_factory=dict)  # dialogue step → latencies
    server_cpu: float = 0.0  # CPU seconds the gunicorn workers spent during the phase
    rounds: list[tuple[int, float]] = field(default_factory=list)  # (requests, server CPU) of each

    def absorb(self, part: PhaseResult) -> None:
        """Add one round of this phase (``load_generator`` alternates the phases in rounds)."""
        self.seconds += part.seconds
        self.latencies.extend(part.latencies)
        self.errors += part.errors
        self.error_samples.extend(part.error_samples)
        self.numbers.extend(part.numbers)
        for step, values in part.steps.items():
            self.steps.setdefault(step, []).extend(values)
        self.server_cpu += part.server_cpu
        self.rounds.append((len(part.latencies), part.server_cpu))

    def cpu_line(self) -> str:
        """Server CPU per request: what the figures would be on cores of our own."""
        n = len(self.latencies)
        if not n:
            return ""
        per = self.server_cpu / n
        return (f"{self.name:<22} server CPU {per * 1000:6.2f} ms/request -> "
                f"{1 / per if per else 0:7.0f} requests/s per dedicated core")

    def line(self) -> str:
        n = len(self.latencies)
        if n < 2:
            return f"{self.name:<22} {n} requests, {self.errors} errors"
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return (f"{self.name:<22} {n / self.seconds:8.1f} msg/s   p50 {cuts[49] * 1000:6.1f} ms   "
                f"p99 {cuts[98] * 1000:7.1f} ms   requests {n:6d}   errors {self.errors}")


# -- load generator (runs in its own process) ------------------------------------------------

_RUN = uuid.uuid4().hex[:12]  # made once in the generator's process: its users' openids

def _dialogue_user(url: str, user: int, deadline: float, out: PhaseResult, lock: threading.Lock) -> None:
    import requests

    from bot.dev.peer import WeChatPeer

    peer = WeChatPeer(f"{url}/wechat", token=TOKEN, appid=APPID, encoding_aes_key=AES_KEY,
                      mode="safe", http=requests.Session(), timeout=30)
    openid = f"oBench_{_RUN}_{user}"  # the same person in every round: one first message
    latencies: list[float] = []
    errors: list[str] = []
    numbers: list[str] = []
    steps: dict[int, list[float]] = {}
    while time.monotonic() < deadline:
        for step, (text, expected) in enumerate(DIALOGUE):
            started = time.perf_counter()
            try:
                reply = peer.send_text(openid, text)
                ok = reply.status_code == 200 and expected in reply.content
                problem = f"{text!r}: {reply.status_code} {reply.content[:60]!r}"
            except Exception as exc:  # noqa: BLE001 - every failure is counted and sampled
                ok, problem, reply = False, f"{text!r}: {type(exc).__name__}: {exc}"[:160], None
            latencies.append(time.perf_counter() - started)
            steps.setdefault(step, []).append(latencies[-1])
            if not ok:
                errors.append(problem)
                try:
                    peer.send_text(openid, "取消")  # start the next dialogue from a clean state
                except Exception:  # noqa: BLE001, S110 - already counted as an error
                    pass
                break
            if text == "确认" and reply is not None:
                found = _NUMBER.search(reply.content)
                if found:
                    numbers.append(found.group(1))
    with lock:
        out.latencies.extend(latencies)
        out.errors += len(errors)
        out.error_samples.extend(errors[:3])
        out.numbers.extend(numbers)
        for step, values in steps.items():
            out.steps.setdefault(step, []).extend(values)


def _bare_user(url: str, _user: int, deadline: float, out: PhaseResult, lock: threading.Lock) -> None:
    import requests

    http = requests.Session()
    _ask_until(deadline, lambda: http.get(f"{url}/bare/", timeout=30).text == "ok", out, lock)


def _floor_user(url: str, user: int, deadline: float, out: PhaseResult, lock: threading.Lock,
                path: str = "/floor/") -> None:
    """``bench/served_app.py``'s floor: a signed, encrypted message, one transaction, a reply."""
    import requests

    from bot.dev.peer import WeChatPeer

    peer = WeChatPeer(f"{url}{path}", token=TOKEN, appid=APPID, encoding_aes_key=AES_KEY,
                      mode="safe", http=requests.Session(), timeout=30)

    def ask() -> bool:
        reply = peer.send_text(f"oWarm_{user}", "跳过")  # the warm-up made this user
        return reply.status_code == 200 and reply.content == "ok"

    _ask_until(deadline, ask, out, lock)


def _ask_until(deadline: float, ask: Callable[[], bool], out: PhaseResult, lock: threading.Lock) -> None:
    """One request after another until ``deadline``: each one's latency, and whether it failed."""
    latencies: list[float] = []
    errors = 0
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            ok = ask()
        except Exception:  # noqa: BLE001 - every failure is counted
            ok = False
        latencies.append(time.perf_counter() - started)
        errors += not ok
    with lock:
        out.latencies.extend(latencies)
        out.errors += errors


def _floor_driver_user(url: str, user: int, deadline: float, out: PhaseResult, lock: threading.Lock) -> None:
    _floor_user(url, user, deadline, out, lock, path="/floor/driver")


def _phase(name: str, users: int, seconds: float, target: Any, url: str) -> PhaseResult:
    """``users`` threads run ``target(url, user, deadline, out, lock)`` for ``seconds``."""
    out = PhaseResult(name)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=target, args=(url, u, deadline, out, lock)) for u in range(users)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.seconds = time.perf_counter() - started
    return out


def _warm_user(url: str, user: int, deadline: float, out: PhaseResult, lock: threading.Lock) -> None:
    """Every worker thread opens its database connections and imports what /wechat needs."""
    import requests

    from bot.dev.peer import WeChatPeer

    peer = WeChatPeer(f"{url}/wechat", token=TOKEN, appid=APPID, encoding_aes_key=AES_KEY,
                      mode="safe", http=requests.Session(), timeout=60)
    while time.monotonic() < deadline:
        peer.send_text(f"oWarm_{user}", "帮助")
    _bare_user(url, user, time.monotonic() + 0.5, out, lock)


def _measured(master: int, name: str, users: int, seconds: float, target: Any, url: str) -> PhaseResult:
    before = _workers_cpu(master)
    result = _phase(name, users, seconds, target, url)
    result.server_cpu = _workers_cpu(master) - before
    return result


def load_generator(
    url: str, master: int, users: int, seconds: float, results: Any, bare: bool = True, rounds: int = 4
) -> None:
    """Warm every worker up, then the phases in ``rounds`` rounds (dialogues, bare, floor,
    floor on the driver; ``seconds / rounds`` each), so that the machine's speed, which drifts
    on these shared cores, is the same for the phases compared; results → queue. Without
    ``bare``: the dialogue phase alone, in one piece."""
    _phase("warm-up", users, 3, _warm_user, url)
    if not bare:
        results.put(_measured(master, "/wechat dialogues", users, seconds, _dialogue_user, url))
        return
    phases = (("/wechat dialogues", _dialogue_user), ("bare Flask /bare/", _bare_user),
              ("floor /floor/", _floor_user), ("floor, driver only", _floor_driver_user))
    totals = {name: PhaseResult(name) for name, _ in phases}
    for _ in range(rounds):
        for name, target in phases:
            totals[name].absorb(_measured(master, name, users, seconds / rounds, target, url))
    for name, _ in phases:
        results.put(totals[name])


# -- the server side ---------------------------------------------------------------------------

def statements_per_step(
    url: str, instance: Path, *, keep: list[list[str]] | None = None
) -> list[tuple[str, int]]:
    """SQL statements of each step of one report dialogue, counted in process with SQLAlchemy's
    ``before_cursor_execute`` (BEGIN left out: PostgreSQL's driver sends it unseen), as
    tests/e2e/test_statement_counts.py does: the WeChat peer against the app on a loopback port.
    ``keep``, when given, receives each step's statements (to see what a count is made of).
    """
    from sqlalchemy import event

    from bot import create_app
    from bot.dev.peer import WeChatPeer
    from tests.servers import serving

    app = create_app({
        "app": {"dev_mode": False, "instance_dir": str(instance), "secret_key": "bench-secret-key",
                "log_level": "WARNING"},
        "security": {"query_code_key": "bench-query-code-key"},
        "database": {"url": url},
        "wechat": {"token": TOKEN, "appid": APPID, "secret": "bench-secret", "encoding_aes_key": AES_KEY},
        "jobs": {"in_process": False},
    })
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not statement.startswith("BEGIN"):
            seen.append(statement)

    engine = app.extensions["engine"]
    counts: list[tuple[str, int]] = []
    try:
        with serving(app) as base:
            peer = WeChatPeer(f"{base}/wechat", token=TOKEN, appid=APPID, encoding_aes_key=AES_KEY,
                              mode="safe")
            peer.send_text("o_bench_count_warmup", "帮助")
            event.listen(engine, "before_cursor_execute", count)
            for text, expect in DIALOGUE:
                seen.clear()
                reply = peer.send_text("o_bench_count", text)
                assert expect in reply.content, (text, reply.content)
                counts.append((text[:8], len(seen)))
                if keep is not None:
                    keep.append(list(seen))
            event.remove(engine, "before_cursor_execute", count)
    finally:
        app.extensions["worker"].stop()
        engine.dispose()
    return counts


def _cpu_ratio(first: PhaseResult, second: PhaseResult) -> float:
    """Server CPU per request of ``first`` over ``second``'s."""
    return (first.server_cpu / len(first.latencies)) / (second.server_cpu / len(second.latencies))


def _round_ratios(first: PhaseResult, second: PhaseResult) -> list[float]:
    """``_cpu_ratio`` of each round (the phases of a round ran one after the other)."""
    return [(cpu_a / n_a) / (cpu_b / n_b)
            for (n_a, cpu_a), (n_b, cpu_b) in zip(first.rounds, second.rounds, strict=True)
            if n_a and n_b and cpu_b]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _workers(master: int) -> list[Path]:
    """/proc entries of the gunicorn master's children (its workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{master}\n" in status:
                found.append(entry)
    return found


def _workers_cpu(master: int) -> float:
    """User + system CPU seconds used so far by the master's live workers."""
    total = 0
    for entry in _workers(master):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def _workers_rss(master: int) -> list[float]:
    """RSS in MiB of each child of the gunicorn master (its workers)."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master) and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


def _prepare_database(db: str, admin_url: str, tmp: Path) -> tuple[str, Any]:
    from sqlalchemy import text

    from bot.db import make_engine

    if db == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite3'}", None
    name = f"hazardbot_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + "/" + name, drop


def _seed(url: str) -> None:
    from sqlalchemy.orm import Session

    from bot.db import make_engine
    from bot.demo import load_demo
    from bot.migrate import upgrade
    from bot.models import User
    from bot.services.platform.clock import utcnow
    from bot.services.registry.regions import load_regions

    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        load_regions(session)
        load_demo(session, now=utcnow())
        # As in the field, the county of the reported plant (晋钢, 小店区) has an officer on
        # duty: every confirmation queues his notice (the outbox row, his last_notified_hazard_id).
        session.add(User(openid="oBenchOfficer", role="county_officer", region_code=OFFICER_REGION,
                         name="值班科员", created_at=utcnow(), last_inbound_at=utcnow()))
        session.commit()
    engine.dispose()


def _count_hazards(url: str, numbers: list[str]) -> tuple[int, int]:
    """(hazards in the database, distinct numbers the users were given)."""
    from sqlalchemy import func, select

    from bot.db import make_engine
    from bot.models import Hazard

    engine = make_engine(url)
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(Hazard.__table__))
    engine.dispose()
    return int(total or 0), len(set(numbers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20, help="of each phase, all rounds together")
    parser.add_argument("--rounds", type=int, default=4, help="the phases alternate in this many rounds")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rss-only", action="store_true", help="worker RSS before and after the dialogues")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hazardbot-load-") as tmp_name:
        tmp = Path(tmp_name)
        url, drop = _prepare_database(args.db, args.admin_url, tmp)
        server: subprocess.Popen[bytes] | None = None
        try:
            _seed(url)
            port = _free_port()
            env = dict(os.environ)
            env.pop("HAZARDBOT_CONFIG", None)
            env.update({
                "HAZARDBOT_APP_DEV_MODE": "false", "HAZARDBOT_APP_INSTANCE_DIR": str(tmp),
                "HAZARDBOT_APP_SECRET_KEY": "bench-secret-key", "HAZARDBOT_APP_LOG_LEVEL": "WARNING",
                "HAZARDBOT_SECURITY_QUERY_CODE_KEY": "bench-query-code-key",
                "HAZARDBOT_DATABASE_URL": url, "HAZARDBOT_WECHAT_TOKEN": TOKEN,
                "HAZARDBOT_WECHAT_APPID": APPID, "HAZARDBOT_WECHAT_SECRET": "bench-secret",
                "HAZARDBOT_WECHAT_ENCODING_AES_KEY": AES_KEY,
                # Outbound messages stay in the outbox: this measures the inbound path.
                "HAZARDBOT_JOBS_IN_PROCESS": "false",
                "HAZARDBOT_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(args.workers),
                "HAZARDBOT_THREADS": str(args.threads), "HAZARDBOT_GUNICORN_LOGLEVEL": "warning",
                "HAZARDBOT_MAX_REQUESTS": "0",  # the same workers all along (CPU and RSS figures)
            })
            server = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py"),
                 "--chdir", str(ROOT), "bench.served_app:app"],
                env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / "server.log", "wb"),  # noqa: SIM115
            )
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, server, tmp / "server.log")
            rss_idle = _workers_rss(server.pid)

            ctx = multiprocessing.get_context("spawn")
            results = ctx.Queue()
            gen = ctx.Process(
                target=load_generator,
                args=(base, server.pid, args.users, args.seconds, results, not args.rss_only, args.rounds),
            )
            gen.start()
            wait = args.seconds * 4 + 120
            wechat = results.get(timeout=wait)
            if args.rss_only:
                gen.join(timeout=30)
                print(wechat.line())
                print(f"worker RSS idle:       {', '.join(f'{m:.0f}' for m in rss_idle)} MiB")
                print(f"worker RSS after load: {', '.join(f'{m:.0f}' for m in _workers_rss(server.pid))} MiB")
                return
            bare = results.get(timeout=wait)
            floor = results.get(timeout=wait)
            driver = results.get(timeout=wait)
            gen.join(timeout=30)
            rss_loaded = _workers_rss(server.pid)
            stored, given = _count_hazards(url, wechat.numbers)
            statements = statements_per_step(url, tmp / "in-process")  # after the count: it reports

            print(f"server:   gunicorn {args.workers} workers × {args.threads} threads (gthread), "
                  f"{args.db}, safe mode; load generator: {args.users} users in a second process")
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"machine:  {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
                  f"load average after the run {load} (other processes share these cores)")
            for phase in (wechat, bare, floor, driver):
                print(phase.line())
            for phase in (wechat, bare, floor, driver):
                print(phase.cpu_line())
            if bare.latencies and wechat.latencies and bare.server_cpu:
                rate = (len(wechat.latencies) / wechat.seconds) / (len(bare.latencies) / bare.seconds)
                print(f"ratios of this run:    /wechat msg/s = {rate:.0%} of bare; "
                      f"server CPU per message = {_cpu_ratio(wechat, bare):.1f}× bare")
                each = _round_ratios(wechat, bare)
                if each:
                    print(f"  CPU ratio of each round: {', '.join(f'{r:.1f}' for r in each)} "
                          f"(median {statistics.median(each):.1f}×)")
            if floor.latencies and floor.server_cpu and bare.server_cpu:
                print(f"the stack's floor:     server CPU per message = {_cpu_ratio(floor, bare):.1f}× bare; "
                      f"/wechat = {_cpu_ratio(wechat, floor):.1f}× the floor")
            if driver.latencies and driver.server_cpu and bare.server_cpu:
                print(f"  on the driver alone: server CPU per message = {_cpu_ratio(driver, bare):.1f}× bare "
                      "(no session, no SQLAlchemy execution)")
            ordinary = [n for _, n in statements[:-1]]
            print("SQL statements per step (in process, one dialogue): "
                  + ", ".join(f"{label} {n}" for label, n in statements))
            print(f"  ordinary steps: mean {sum(ordinary) / len(ordinary):.2f}, max {max(ordinary)}; "
                  f"confirmation {statements[-1][1]}")
            print(f"dialogues completed:   {len(wechat.numbers)} ({len(DIALOGUE)} messages each); "
                  f"hazards stored {stored}, distinct numbers {given}")
            print(f"worker RSS idle:       {', '.join(f'{m:.0f}' for m in rss_idle)} MiB")
            print(f"worker RSS after load: {', '.join(f'{m:.0f}' for m in rss_loaded)} MiB")
            print("per dialogue step (p50 / p99 ms):")
            for step, values in sorted(wechat.steps.items()):
                if len(values) >= 2:
                    cuts = statistics.quantiles(values, n=100, method="inclusive")
                    label = DIALOGUE[step][0][:8]
                    print(f"  {step + 1}. {label:<8} {cuts[49] * 1000:7.1f} / {cuts[98] * 1000:7.1f}")
            for sample in wechat.error_samples[:5]:
                print(f"  error: {sample}")
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
            if drop is not None:
                drop()


def _wait_ready(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    import requests

    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise SystemExit(f"gunicorn not ready after 30 s:\n{log.read_text()[-2000:]}")


if __name__ == "__main__":
    main()
