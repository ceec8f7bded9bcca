"""CPU of each report dialogue step in one process, next to the bare endpoint and the floor.

    python bench/chat_steps.py [--dialogues 40] [--admin-url postgresql+psycopg://…/test]

Not a test: it prints figures (docs/performance.md, "Session 9"). ``bench/served_app.py`` (the
app, the bare endpoint and the floor, as gunicorn serves them in ``bench/wechat_load.py``) is
served on a loopback port in this process over a throw-away PostgreSQL database; after each
dialogue step the floor, the floor on the driver and the bare endpoint are asked once each, so
that the four are measured interleaved, at the same speed of the machine. The figure is the
serving thread's CPU per request (``time.thread_time`` around the WSGI call). Five users share
the dialogues, as the load's users do (one first message each).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.wechat_load import AES_KEY, APPID, DIALOGUE, TOKEN, _prepare_database, _seed  # noqa: E402

USERS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogues", type=int, default=40)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hazardbot-steps-") as tmp_name:
        tmp = Path(tmp_name)
        url, drop = _prepare_database("postgresql", args.admin_url, tmp)
        try:
            _seed(url)
            cpu = _measure(url, tmp, args.dialogues)
        finally:
            if drop is not None:
                drop()
    print(f"{args.dialogues} dialogues, serving thread's CPU per request, median (mean), ms:")
    for label, values in cpu.items():
        print(f"  {label:<28} {statistics.median(values) * 1000:6.2f} ({statistics.mean(values) * 1000:.2f})")
    chat = [v for step in range(len(DIALOGUE)) for v in cpu[_label(step)]]
    floor, bare = statistics.mean(cpu["floor /floor/"]), statistics.mean(cpu["bare /bare/"])
    print(f"  an average message: {statistics.mean(chat) * 1000:.2f} ms = "
          f"{statistics.mean(chat) / floor:.1f}× the floor, {statistics.mean(chat) / bare:.1f}× bare "
          f"(the floor {floor / bare:.1f}× bare)")


def _label(step: int) -> str:
    return f"{step + 1}. {DIALOGUE[step][0][:8]}"


def _measure(url: str, tmp: Path, dialogues: int) -> dict[str, list[float]]:
    os.environ.pop("HAZARDBOT_CONFIG", None)
    os.environ.update({
        "HAZARDBOT_APP_DEV_MODE": "false", "HAZARDBOT_APP_INSTANCE_DIR": str(tmp),
        "HAZARDBOT_APP_SECRET_KEY": "bench-secret-key", "HAZARDBOT_APP_LOG_LEVEL": "WARNING",
        "HAZARDBOT_SECURITY_QUERY_CODE_KEY": "bench-query-code-key", "HAZARDBOT_DATABASE_URL": url,
        "HAZARDBOT_WECHAT_TOKEN": TOKEN, "HAZARDBOT_WECHAT_APPID": APPID,
        "HAZARDBOT_WECHAT_SECRET": "bench-secret", "HAZARDBOT_WECHAT_ENCODING_AES_KEY": AES_KEY,
        "HAZARDBOT_JOBS_IN_PROCESS": "false",
    })
    import requests

    import bench.served_app as served
    from bot.dev.peer import WeChatPeer
    from tests.servers import serving

    last = [0.0]

    def timed(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        started = time.thread_time()
        try:
            return list(served.app(environ, start_response))
        finally:
            last[0] = time.thread_time() - started

    cpu: dict[str, list[float]] = {_label(step): [] for step in range(len(DIALOGUE))}
    cpu.update({"floor /floor/": [], "floor, driver only": [], "bare /bare/": []})
    try:
        with serving(timed) as base:  # type: ignore[arg-type]  # any WSGI callable serves
            def peer(path: str) -> WeChatPeer:
                return WeChatPeer(f"{base}{path}", token=TOKEN, appid=APPID, encoding_aes_key=AES_KEY,
                                  mode="safe")

            chat, floor, driver = peer("/wechat"), peer("/floor/"), peer("/floor/driver")
            http = requests.Session()
            others = (("floor /floor/", lambda: floor.send_text("oSteps_warm", "跳过")),
                      ("floor, driver only", lambda: driver.send_text("oSteps_warm", "跳过")),
                      ("bare /bare/", lambda: http.get(f"{base}/bare/")))
            for _ in range(20):  # the warm-up also makes the floor's user
                chat.send_text("oSteps_warm", "帮助")
                for _, ask in others:
                    ask()
            for n in range(dialogues):
                for step, (text, expect) in enumerate(DIALOGUE):
                    reply = chat.send_text(f"oSteps_{n % USERS}", text)
                    assert expect in reply.content, (text, reply.content)
                    cpu[_label(step)].append(last[0])
                    for label, ask in others:
                        ask()
                        cpu[label].append(last[0])
    finally:
        served.hazardbot.extensions["worker"].stop()
        served.hazardbot.extensions["engine"].dispose()
    return cpu


if __name__ == "__main__":
    main()
