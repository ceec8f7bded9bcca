"""Benchmark: server time of each console page on the demo data (not a test, it prints figures).

    python bench/console_pages.py [--repeat 5] [--database-url sqlite:///…|postgresql+psycopg://…]

Builds a throw-away SQLite database (or uses the URL given, which must be empty), loads what
``make run`` loads (regions, demo enterprises, campaigns, the console's demo people and
hazards), then requests every console page through the Flask test client as a county, a city
and a province officer, and prints the median and worst server time per page. The target
(issue #8) is under 300 ms per page on the demo data.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bot import create_app  # noqa: E402
from bot.demo import load_demo  # noqa: E402
from bot.demo_console import DEMO_PREFIX, load_console_demo  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.models import Hazard, User  # noqa: E402
from bot.services.forms.campaign_seeds import seed_campaigns  # noqa: E402
from bot.services.platform.clock import utcnow  # noqa: E402
from bot.services.registry.regions import load_regions  # noqa: E402

PAGES = (
    ("看板", "/console/"),
    ("台账", "/console/hazards"),
    ("台账·筛选", "/console/hazards?state=open&level=major&overdue=1&q=%E8%BD%A6%E9%97%B4&sort=deadline_asc"),
    ("台账·第2页", "/console/hazards?page=2"),
    ("台账导出", "/console/hazards/export.xlsx"),
    ("隐患详情", "/console/hazards/{number}"),
    ("企业", "/console/enterprises"),
    ("企业·搜索", "/console/enterprises?q=%E9%92%A2%E9%93%81"),
    ("报表", "/console/reports"),
    ("周调度表下载", "/console/reports/weekly.xlsx"),
    ("附件2下载", "/console/reports/ledger.xlsx"),
)
PEOPLE = ("county-xiaodian", "city-taiyuan", "province")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"app": {"dev_mode": True, "instance_dir": tmp, "log_level": "WARNING"},
                          "database": {"url": url}, "jobs": {"in_process": False}})
        engine = app.extensions["engine"]
        upgrade(engine)
        with Session(engine) as session:
            load_regions(session)
            load_demo(session, now=utcnow())
            seed_campaigns(session, utcnow())
            hazards = load_console_demo(session, now=utcnow())
            session.commit()
            users = {u.openid.removeprefix(DEMO_PREFIX): u.id
                     for u in session.scalars(select(User).where(User.openid.like(DEMO_PREFIX + "%")))}
        print(f"demo data: {hazards} hazards; {args.repeat} requests per page and person (server time, ms)")
        print(f"{'page':<14}" + "".join(f"{p:>26}" for p in PEOPLE))
        results: dict[str, list[str]] = {label: [] for label, _ in PAGES}
        worst = 0.0
        for person in PEOPLE:
            client = app.test_client()
            client.get("/console/login")
            with client.session_transaction() as s:
                token = s["csrf_token"]
            client.post("/console/login/dev", data={"csrf_token": token, "user_id": users[person]})
            listing = client.get("/console/hazards").get_data(as_text=True)
            number = re.search(r'class="hz-link">(YH\d+)<', listing)
            with Session(engine) as session:
                fallback = session.scalars(select(Hazard.number)).first()
            for label, path in PAGES:
                path = path.format(number=number.group(1) if number else fallback)
                times = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    response = client.get(path)
                    response.get_data()
                    times.append((time.perf_counter() - start) * 1000)
                    response.close()
                    if response.status_code != 200:
                        raise SystemExit(f"{path} as {person}: HTTP {response.status_code}")
                worst = max(worst, max(times))
                results[label].append(f"{statistics.median(times):8.1f} (max {max(times):6.1f})")
        for label, cells in results.items():
            print(f"{label:<14}" + "".join(f"{c:>26}" for c in cells))
        print(f"slowest single request: {worst:.1f} ms (target: under 300 ms)")
        app.extensions["engine"].dispose()


if __name__ == "__main__":
    main()
