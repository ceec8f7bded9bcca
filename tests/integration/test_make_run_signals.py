"""``make run`` leaves nothing behind, however it is ended (issue 21, item 4).

Each case starts ``make serve`` (the last step of ``make run``: the scheduler and the dev web
server under scripts/run_dev.py) on a free port with a temp instance dir and the test database,
waits until the web server answers and the scheduler runs, ends it the way a person or a process
manager would, and checks that no process make had started is still alive:

- SIGTERM or SIGKILL to make alone (``kill <pid>``, an OOM kill, a CI runner's timeout);
- SIGINT, SIGQUIT, SIGHUP to make's whole process group, as the terminal sends Ctrl-C, Ctrl-\\
  and a closed window;
- SIGTERM to the supervisor alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine

from tests.fakes.wechat_api import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _children() -> dict[int, int]:
    """Every live process's parent, from /proc (pid → ppid); zombies count as gone."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    return parents


def _descendants(root: int) -> set[int]:
    parents = _children()
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    live = _children()
    return {pid for pid in pids if pid in live}


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def _start(database_url: str, instance: Path) -> tuple[subprocess.Popen[bytes], set[int], Path]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAZARDBOT_", "MAKE"))}
    env.update({
        "HAZARDBOT_APP_INSTANCE_DIR": str(instance), "HAZARDBOT_DATABASE_URL": database_url,
        "HAZARDBOT_APP_LOG_LEVEL": "WARNING",
    })
    instance.mkdir(parents=True, exist_ok=True)
    log = instance / "make.log"
    with open(log, "ab") as out:
        make = subprocess.Popen(["make", "-s", "serve", f"PORT={port}"], cwd=ROOT, env=env,
                                stdout=out, stderr=out, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert make.poll() is None, log.read_text()[-2000:]
        procs = _descendants(make.pid)
        scheduler = [p for p in procs if "scheduler run" in _cmdline(p)]
        try:
            web = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            web = False
        if web and scheduler:
            return make, procs, log
        time.sleep(0.3)
    os.killpg(make.pid, signal.SIGKILL)
    pytest.fail(f"make serve did not come up: {log.read_text()[-2000:]}")


def _supervisor(procs: set[int]) -> int:
    return next(p for p in procs if "run_dev.py" in _cmdline(p))


CASES = {
    "TERM to make": lambda make, procs: os.kill(make, signal.SIGTERM),
    "KILL to make": lambda make, procs: os.kill(make, signal.SIGKILL),
    "INT to the group (Ctrl-C)": lambda make, procs: os.killpg(make, signal.SIGINT),
    "QUIT to the group (Ctrl-\\)": lambda make, procs: os.killpg(make, signal.SIGQUIT),
    "HUP to the group (window closed)": lambda make, procs: os.killpg(make, signal.SIGHUP),
    "TERM to the supervisor": lambda make, procs: os.kill(_supervisor(procs), signal.SIGTERM),
}


@pytest.mark.parametrize("case", list(CASES))
def test_no_process_survives_the_signal(engine: Engine, database_url: str, tmp_path: Path,
                                        case: str) -> None:
    make, procs, log = _start(database_url, tmp_path / "instance")
    assert len(procs) >= 3  # the supervisor, the scheduler, the web server
    try:
        CASES[case](make.pid, procs)
        deadline = time.monotonic() + 30
        while _alive(procs) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = {pid: _cmdline(pid) for pid in _alive(procs)}
        assert left == {}, log.read_text()[-2000:]
    finally:
        for pid in _alive(procs):
            os.kill(pid, signal.SIGKILL)
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
        make.wait(timeout=10)
