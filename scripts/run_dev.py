"""Supervise ``make run``'s two processes: the scheduler and the dev web server.

Why a supervisor and not ``cmd & trap ... EXIT INT TERM`` in the recipe: the shell trap misses
SIGHUP and SIGQUIT, and nothing runs at all when make itself is killed, so the scheduler kept
running in the background (issue 21). Here:

- both children run in one process group of their own, so one ``killpg`` ends them and anything
  they started; they are stopped with SIGTERM (the scheduler then hands its lease over) and,
  after a grace period, SIGKILL;
- TERM, HUP, INT and QUIT all stop them; so does either child ending, and so does our parent (make)
  going away, whatever signal ended it, even SIGKILL (we notice being re-parented);
- each child also asks the kernel for SIGTERM when this supervisor dies (``PR_SET_PDEATHSIG``),
  which covers the supervisor itself being killed with SIGKILL.

Usage: ``python scripts/run_dev.py --flask .venv/bin/flask --port 5000``.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import time
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT)
GRACE_SECONDS = 8.0
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the supervisor dies (Linux; elsewhere a no-op)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class Supervisor:
    """Start commands in one new process group; stop the whole group once, on any way out."""

    def __init__(self, commands: list[list[str]]) -> None:
        self.commands = commands
        self.children: list[subprocess.Popen[bytes]] = []
        self.pgid: int | None = None
        self.stopping: str | None = None
        self.parent = os.getppid()

    def start(self) -> None:
        for command in self.commands:
            # The first child leads the new group; the others join it.
            child = subprocess.Popen(command, process_group=self.pgid or 0, preexec_fn=_die_with_parent)
            self.pgid = self.pgid or child.pid
            self.children.append(child)

    def request_stop(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = self.stopping or signal.Signals(signum).name

    def wait(self) -> int:
        """Block until a signal, a child's exit or the parent's death; return the exit status."""
        while self.stopping is None:
            for child in self.children:
                if child.poll() is not None:
                    self.stopping = f"{' '.join(child.args[3:5])} exited with {child.returncode}"
                    return self.stop(child.returncode or 1)
            if os.getppid() != self.parent:
                self.stopping = "parent gone"
                break
            time.sleep(0.2)
        return self.stop(0)

    def stop(self, status: int) -> int:
        print(f"run_dev: stopping ({self.stopping})", file=sys.stderr, flush=True)
        self._signal_group(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for child in self.children:
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left in the group (a child's own children included) goes now.
        self._signal_group(signal.SIGKILL)
        for child in self.children:
            child.wait()
        return status

    def _signal_group(self, signum: int) -> None:
        if self.pgid is None:
            return
        try:
            os.killpg(self.pgid, signum)
        except ProcessLookupError:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flask", default=".venv/bin/flask", help="the flask executable")
    parser.add_argument("--port", default="5000")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    flask = [args.flask, "--app", "bot"]
    supervisor = Supervisor([
        [*flask, "scheduler", "run"],
        [*flask, "run", "--host", args.host, "--port", str(args.port)],
    ])
    for signum in STOP_SIGNALS:
        signal.signal(signum, supervisor.request_stop)
    supervisor.start()
    return supervisor.wait()


if __name__ == "__main__":
    sys.exit(main())
