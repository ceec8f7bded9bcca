"""Profile of whole report dialogues in one process: where /wechat's CPU goes, by function.

    python bench/chat_profile.py [--dialogues 20] [--db sqlite|postgresql] [--top 15] [--cpu-only]
                                 [--callers PATTERN]

Not a test: it prints figures (docs/performance.md, "Profile"). The WeChat peer (safe mode)
talks to the app served on a loopback port, as tests/e2e do; every request of the server is
profiled with cProfile (one profiler, enabled per request: the peer sends one message at a
time), and the top functions by own time and by cumulative time are printed with the CPU
per message. ``--cpu-only``: no profiler, only the serving thread's CPU time per message
(``time.thread_time`` around each request), free of cProfile's own overhead.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.wechat_load import AES_KEY, APPID, DIALOGUE, TOKEN, _prepare_database, _seed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogues", type=int, default=20)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="sqlite")
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--cpu-only", action="store_true", help="no profiler: CPU per message only")
    parser.add_argument("--callers", metavar="PATTERN", help="also print the callers of matching functions")
    args = parser.parse_args()

    from bot import create_app
    from bot.config import DEFAULTS
    from bot.dev.peer import WeChatPeer
    from tests.servers import serving

    with tempfile.TemporaryDirectory(prefix="hazardbot-profile-") as tmp_name:
        tmp = Path(tmp_name)
        url, drop = _prepare_database(args.db, args.admin_url, tmp)
        try:
            _seed(url)
            config: dict[str, dict[str, Any]] = {
                "app": {"dev_mode": False, "instance_dir": str(tmp), "secret_key": "bench-secret-key",
                        "log_level": "WARNING"},
                "database": {"url": url},
                "wechat": {"token": TOKEN, "appid": APPID, "secret": "bench-secret",
                           "encoding_aes_key": AES_KEY},
                "jobs": {"in_process": False},
            }
            if "security" in DEFAULTS:  # (the script also profiles trees from before the key)
                config["security"] = {"query_code_key": "bench-query-code-key"}
            app = create_app(config)
            profiler = cProfile.Profile(time.thread_time)
            inner = app.wsgi_app
            cpu = [0.0]

            def profiled(environ: Any, start_response: Any) -> Any:
                started = time.thread_time()
                if not args.cpu_only:
                    profiler.enable()
                try:
                    return list(inner(environ, start_response))
                finally:
                    if not args.cpu_only:
                        profiler.disable()
                    cpu[0] += time.thread_time() - started

            app.wsgi_app = profiled  # type: ignore[method-assign]
            messages = 0
            with serving(app) as base:
                peer = WeChatPeer(f"{base}/wechat", token=TOKEN, appid=APPID,
                                  encoding_aes_key=AES_KEY, mode="safe")
                peer.send_text("o_profile_warmup", "帮助")
                profiler = cProfile.Profile(time.thread_time)  # the warm-up left out
                cpu[0] = 0.0
                for n in range(args.dialogues):
                    for text, expect in DIALOGUE:
                        reply = peer.send_text(f"o_profile_{n}", text)
                        assert expect in reply.content, (text, reply.content)
                        messages += 1
            app.extensions["worker"].stop()
            app.extensions["engine"].dispose()
        finally:
            if drop is not None:
                drop()
    print(f"{args.dialogues} dialogues, {messages} messages, {args.db}: {cpu[0] * 1000 / messages:.2f} ms "
          f"of the serving thread's CPU per message{'' if args.cpu_only else ' (profiled)'}")
    if args.cpu_only:
        return
    site = str(Path(cProfile.__file__).parent)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"{args.dialogues} dialogues, {messages} messages, {args.db}: "
          f"{total * 1000 / messages:.2f} ms of profiled CPU per message "
          f"({time.strftime('%H:%M UTC', time.gmtime())})")
    for key in ("tottime", "cumulative"):
        out.seek(0)
        out.truncate()
        stats.sort_stats(key).print_stats(args.top)
        print(f"--- top {args.top} by {key}")
        for line in out.getvalue().splitlines():
            if line.strip() and (line.lstrip()[0].isdigit()):
                print("  " + line.strip().replace(str(ROOT) + "/", "").replace(site + "/", "")
                      .replace(".venv/lib/python3.11/site-packages/", ""))
    if args.callers:
        out.seek(0)
        out.truncate()
        stats.sort_stats("cumulative").print_callers(args.callers)
        print(f"--- callers of {args.callers}")
        print(out.getvalue().replace(str(ROOT) + "/", "").replace(".venv/lib/python3.11/site-packages/", ""))


if __name__ == "__main__":
    main()
