"""Benchmark: a region's poster export for 1,000 enterprises (not a test; it prints figures).

    python bench/qr_posters.py [--count 1000] [--live] [--raster]

Builds a throw-away SQLite database through the app factory and the Alembic migrations (as
the tests do), spreads COUNT enterprises over Taiyuan's counties, and exports Taiyuan's
posters to one PDF: time, pages per second, KiB per page and the process's peak RSS. Peak RSS
is measured before and after, so the export's own share shows: it should not grow with the
count (pages stream to the file). ``--live`` runs against the fake WeChat API of the tests,
so the first export also pays one qrcode/create call per enterprise. ``--raster`` then runs
the old export (each page a 200 dpi image) as the baseline, in the same process, after the
vector one: the vector export pays the creation of the codes, the raster one finds them made.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from bot import create_app  # noqa: E402
from bot.db import session_factory  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.models import Enterprise, Region  # noqa: E402
from bot.services.platform.clock import utcnow  # noqa: E402
from bot.services.registry.posters import export_region_pdf  # noqa: E402
from bot.services.registry.regions import load_regions  # noqa: E402

REGION = "140100"  # 太原市
NAMES = ("晋钢钢铁", "宏达铝业", "汇丰特钢", "云冈木业", "金谷面粉", "恒泰镁业", "华圣铝业", "兴安铝材")
SUFFIXES = ("有限公司", "集团有限公司", "（控股）股份有限公司第二分厂")


def peak_rss_mib() -> float:
    """The process's peak RSS since start, or since ``reset_peak_rss``."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def reset_peak_rss() -> None:
    """Start the peak over from the current RSS (Linux), so that each export shows its own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--live", action="store_true", help="codes from the fake WeChat API")
    parser.add_argument("--raster", action="store_true", help="also run the old raster export first")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hazardbot-bench-") as tmp:
        fake = None
        wechat = {}
        if args.live:
            from tests.fakes.wechat_api import FakeWeChatServer

            fake = FakeWeChatServer(appid="wxbench", secret="bench").__enter__()
            wechat = {"appid": "wxbench", "secret": "bench", "api_base_url": fake.base_url,
                      "token": "bench-token", "encoding_aes_key": "b" * 43}
        app = create_app({
            "app": {"dev_mode": not args.live, "instance_dir": tmp, "log_level": "WARNING",
                    "secret_key": "bench-secret"},
            "database": {"url": f"sqlite:///{tmp}/bench.sqlite3"},
            "wechat": wechat,
            "jobs": {"in_process": False},
        })
        try:
            upgrade(app.extensions["engine"])
            with session_factory(app)() as session:
                load_regions(session)
                counties = list(session.scalars(select(Region.code).where(Region.parent_code == REGION)))
                now = utcnow()
                for i in range(args.count):
                    name = f"太原{NAMES[i % len(NAMES)]}{i:04d}{SUFFIXES[i % len(SUFFIXES)]}"
                    session.add(Enterprise(
                        name=name, credit_code=f"911401{i:012d}", region_code=counties[i % len(counties)],
                        industry="冶金", created_at=now,
                    ))
                session.commit()
            print(f"mode:            {'live (fake WeChat API)' if args.live else 'dev (H5 URLs)'}")
            for vector in [True] + ([False] if args.raster else []):
                out = Path(tmp) / f"posters-{'vector' if vector else 'raster'}.pdf"
                reset_peak_rss()
                rss_before = peak_rss_mib()
                started = time.perf_counter()
                with session_factory(app)() as session:
                    pages = export_region_pdf(session, REGION, out, app.extensions["qr_issuer"], now=utcnow(),
                                              vector=vector)
                elapsed = time.perf_counter() - started
                size = out.stat().st_size
                print(f"--- {'vector' if vector else 'raster (the old export)'}")
                print(f"pages:           {pages}")
                print(f"time:            {elapsed:.1f} s")
                print(f"pages/s:         {pages / elapsed:.1f}")
                print(f"PDF size:        {size / 2**20:.2f} MiB ({size / pages / 1024:.1f} KiB/page)")
                print(f"peak RSS before: {rss_before:.0f} MiB")
                print(f"peak RSS after:  {peak_rss_mib():.0f} MiB")
            if fake is not None:
                creates = sum(1 for c in fake.calls if c.path == "/cgi-bin/qrcode/create")
                print(f"qrcode/create:   {creates} calls")
        finally:
            app.extensions["worker"].stop()
            app.extensions["engine"].dispose()
            if fake is not None:
                fake.__exit__(None, None, None)


if __name__ == "__main__":
    main()
