"""Benchmark: the province's weekly table (附件1) over 1,000,000 hazards (PostgreSQL; prints figures).

    python bench/weekly_table.py [--hazards 1000000] [--enterprises 50000] [--week 2025-W10]
                                 [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Creates a throw-away database, migrates it with Alembic, loads the regions and the seeded
campaigns, and generates enterprises, officers, hazards, penalties and inspections (one per
enterprise, every stage, a tenth still open, a fifth of the hazards linked to an inspection of
their enterprise and stage as its findings) on the server with
``INSERT … SELECT … FROM generate_series`` (no rows cross the wire). Then it times
``figures.weekly_figures`` for the province next to one hand-written ``GROUP BY`` over the same
hazards, checks that both give the same figures, times a county's table, and prints the
query plans (``EXPLAIN ANALYZE``) of the service's statements. Drops the database after.
Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, event, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bot.db import make_engine  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.models import Campaign  # noqa: E402
from bot.services.forms.campaign_seeds import seed_campaigns  # noqa: E402
from bot.services.forms.figures import StageFigures, weekly_figures  # noqa: E402
from bot.services.forms.periods import campaign_windows
from bot.services.platform.clock import utcnow  # noqa: E402
from bot.services.registry.regions import load_regions  # noqa: E402

DOC = "晋应急发〔2024〕354号"
OFFICERS = 300

ENTERPRISES_SQL = """
WITH c AS (SELECT array_agg(code ORDER BY code) AS codes FROM regions
           WHERE level NOT IN ('province', 'prefecture_city') AND code LIKE '14%')
INSERT INTO enterprises (name, region_code, industry, created_at)
SELECT '测试企业' || i, c.codes[1 + i % array_length(c.codes, 1)],
       (ARRAY['冶金','有色','建材','机械','轻工','纺织','烟草','商贸'])[1 + i % 8], now()
FROM generate_series(1, :n) AS i, c
"""
OFFICERS_SQL = """
WITH c AS (SELECT array_agg(code ORDER BY code) FILTER (WHERE level = 'prefecture_city') AS cities,
                  array_agg(code ORDER BY code) FILTER (WHERE level NOT IN ('province', 'prefecture_city'))
                    AS counties
           FROM regions WHERE code LIKE '14%')
INSERT INTO users (openid, role, region_code, created_at)
SELECT 'bench-officer-' || i,
       CASE WHEN i % 3 = 0 THEN 'city_officer' ELSE 'county_officer' END,
       CASE WHEN i % 3 = 0 THEN c.cities[1 + i % array_length(c.cities, 1)]
            ELSE c.counties[1 + i % array_length(c.counties, 1)] END,
       now()
FROM generate_series(1, :n) AS i, c
"""
# Nine sources in turn (a third self-checks, two ninths joint inspections by an officer…);
# states: 2% rejected, 1/7 not yet graded, 1/3 rectifying, the rest closed 0–19 days later.
HAZARDS_SQL = """
INSERT INTO hazards (number, state, source, level, enterprise_id, enterprise_name, region_code,
                     description, anonymous, reporter_id, reported_at, checked_at, closed_at,
                     possibly_major)
SELECT 'YH' || lpad(g.i::text, 12, '0'), g.st,
       (ARRAY['self_check','self_check','self_check','joint_inspection','joint_inspection',
              'cross_inspection','provincial','public_report','worker_report'])[1 + g.i % 9],
       CASE WHEN g.st = 'submitted' THEN NULL WHEN g.i % 20 = 0 THEN 'major' ELSE 'general' END,
       e.id, e.name, e.region_code, '炉前积水', g.i % 9 <> 3 AND g.i % 9 <> 4,
       CASE WHEN g.i % 9 IN (3, 4) THEN :u0 + (g.i / 9) % :officers END,
       g.at,
       CASE WHEN g.i % 9 IN (3, 4, 5, 6) THEN g.at - interval '2 hours' END,
       CASE WHEN g.st = 'closed' THEN g.at + (g.i % 20) * interval '1 day' END,
       false
FROM (SELECT i, timestamp '2024-09-01' + ((i::bigint * 7919) % 432000) * interval '1 minute' AS at,
             CASE WHEN i % 50 = 0 THEN 'rejected' WHEN i % 7 = 0 THEN 'submitted'
                  WHEN i % 3 = 0 THEN 'rectifying' ELSE 'closed' END AS st
      FROM generate_series(1, :n) AS i) AS g
JOIN enterprises AS e ON e.id = :e0 + g.i % :ne
"""
PENALTIES_SQL = """
INSERT INTO penalties (enterprise_id, fine_enterprise_wan, fine_principal_wan, ordered_rectification,
                       suspended, license_revoked, closed_down, judicial_transfer, joint_punishment,
                       decided_by, decided_at)
SELECT :e0 + (i * 37) % :ne, (i % 10) + 0.5, CASE WHEN i % 4 = 0 THEN 1.25 ELSE 0 END, i % 2 = 0,
       i % 11 = 0, i % 97 = 0, i % 101 = 0, i % 103 = 0, i % 107 = 0, :u0,
       timestamp '2024-09-01' + ((i::bigint * 7919) % 432000) * interval '1 minute'
FROM generate_series(1, :n) AS i
"""
# One inspection per enterprise, the four stages in turn, started by an officer (a third of
# them city officers), a tenth still open, the others finished three hours after the start.
INSPECTIONS_SQL = """
INSERT INTO inspections (token, enterprise_id, stage, unit, state, item_ids, started_by, started_at,
                         finished_by, finished_at)
SELECT 'bench' || g.i, :e0 + g.i % :ne,
       (ARRAY['self_check','joint_inspection','cross_inspection','provincial'])[1 + g.i % 4], '检查组',
       CASE WHEN g.i % 10 = 0 THEN 'open' ELSE 'finished' END, '[]', :u0 + g.i % :officers, g.at,
       CASE WHEN g.i % 10 <> 0 THEN :u0 + g.i % :officers END,
       CASE WHEN g.i % 10 <> 0 THEN g.at + interval '3 hours' END
FROM (SELECT i, timestamp '2024-09-01' + ((i::bigint * 6007) % 432000) * interval '1 minute' AS at
      FROM generate_series(1, :n) AS i) AS g
"""
# A fifth of the hazards are the findings of the inspection of their enterprise at their stage.
FINDINGS_SQL = """
INSERT INTO inspection_findings (inspection_id, hazard_id, by_id, at)
SELECT i.id, h.id, i.started_by, h.reported_at
FROM hazards AS h JOIN inspections AS i ON i.enterprise_id = h.enterprise_id AND i.stage = h.source
WHERE h.id % 5 = 0
"""
# The same stage figures as the service, written by hand: the hazards and the finished
# inspections unioned, one GROUP BY (市本级/县级 by the inspection's starter, else the reporter).
STAGE_OF = """CASE WHEN {src} = 'self_check' THEN 'self_check'
            WHEN {src} = 'joint_inspection' THEN
                 CASE WHEN r.level IN ('province', 'prefecture_city') THEN 'city' ELSE 'county' END
            WHEN {src} = 'cross_inspection' THEN 'cross' ELSE 'other' END"""
HAND_SQL = f"""
WITH covered AS (
  SELECT {STAGE_OF.format(src="h.source")} AS stage,
         coalesce(h.enterprise_id::text, 'n:' || h.enterprise_name) AS key, h.region_code AS county,
         h.level, h.state = 'closed' AND h.closed_at >= :s AND h.closed_at < :e AS fixed
  FROM hazards AS h
  LEFT JOIN inspection_findings AS f ON f.hazard_id = h.id
  LEFT JOIN inspections AS i ON i.id = f.inspection_id
  LEFT JOIN users AS starter ON starter.id = i.started_by
  LEFT JOIN users AS u ON u.id = h.reporter_id
  LEFT JOIN regions AS r ON r.code = coalesce(starter.region_code, u.region_code)
  WHERE h.region_code LIKE '14%' AND h.state NOT IN ('rejected', 'merged')
    AND coalesce(h.checked_at, h.reported_at) >= :s AND coalesce(h.checked_at, h.reported_at) < :e
  UNION ALL
  SELECT {STAGE_OF.format(src="i.stage")}, i.enterprise_id::text, e.region_code, NULL, false
  FROM inspections AS i
  JOIN enterprises AS e ON e.id = i.enterprise_id
  LEFT JOIN users AS starter ON starter.id = i.started_by
  LEFT JOIN regions AS r ON r.code = starter.region_code
  WHERE e.region_code LIKE '14%' AND i.state = 'finished' AND i.finished_at >= :s AND i.finished_at < :e
)
SELECT stage, count(DISTINCT key),
       count(*) FILTER (WHERE level = 'general'), count(*) FILTER (WHERE level = 'general' AND fixed),
       count(*) FILTER (WHERE level = 'major'), count(*) FILTER (WHERE level = 'major' AND fixed),
       count(DISTINCT county)
FROM covered
GROUP BY 1
"""


def generate(engine: Engine, hazards: int, enterprises: int) -> None:
    with engine.begin() as conn:
        started = time.perf_counter()
        conn.execute(text(ENTERPRISES_SQL), {"n": enterprises})
        conn.execute(text(OFFICERS_SQL), {"n": OFFICERS})
        e0 = conn.execute(text("SELECT min(id) FROM enterprises")).scalar_one()
        u0 = conn.execute(text("SELECT min(id) FROM users WHERE openid LIKE 'bench-officer-%'")).scalar_one()
        conn.execute(text(HAZARDS_SQL), {"n": hazards, "e0": e0, "ne": enterprises, "u0": u0,
                                         "officers": OFFICERS})
        conn.execute(text(PENALTIES_SQL), {"n": hazards // 50, "e0": e0, "ne": enterprises, "u0": u0})
        conn.execute(text(INSPECTIONS_SQL), {"n": enterprises, "e0": e0, "ne": enterprises, "u0": u0,
                                             "officers": OFFICERS})
        findings = conn.execute(text(FINDINGS_SQL)).rowcount
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"generated {enterprises:,} enterprises, {hazards:,} hazards, {hazards // 50:,} penalties, "
          f"{enterprises:,} inspections with {findings:,} findings "
          f"on the server in {time.perf_counter() - started:.1f} s")


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def explain(engine: Engine, statements: list[tuple[str, Any]], label: str) -> None:
    """EXPLAIN ANALYZE every SELECT the service ran (captured from the driver)."""
    with engine.connect() as conn:
        for sql, params in statements:
            if "hazards" not in sql and "penalties" not in sql:  # the union reads both tables
                continue
            raw = conn.connection.driver_connection
            assert raw is not None
            plan = [row[0] for row in raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()]
            table = "hazards" if "FROM hazards" in sql else "penalties"
            print(f"  plan of the {label} {table} query:")
            for line in plan:
                if any(k in line for k in ("Scan", "Aggregate", "Join", "Execution Time", "Sort ")):
                    print("    " + line.strip()[:150])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--hazards", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=50_000)
    parser.add_argument("--week", default="2025-W10")
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    name = f"hazardbot_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(args.admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(args.admin_url.rsplit("/", 1)[0] + "/" + name)
    try:
        upgrade(engine)
        with Session(engine) as session:
            load_regions(session)
            seed_campaigns(session, utcnow())
            session.commit()
        generate(engine, args.hazards, args.enterprises)

        captured: list[tuple[str, Any]] = []

        def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            captured.append((statement, parameters))

        with Session(engine) as session:
            campaign = session.scalars(select(Campaign).where(Campaign.doc_number == DOC)).one()
            _, window = campaign_windows(campaign, args.week)
            province_s, figures = best_of(lambda: weekly_figures(session, "140000", args.week, campaign))
            county_s, _ = best_of(lambda: weekly_figures(session, "140105", args.week, campaign))
            event.listen(engine, "before_cursor_execute", capture)
            weekly_figures(session, "140000", args.week, campaign)
            province_sql = list(captured)
            captured.clear()
            weekly_figures(session, "140105", args.week, campaign)
            county_sql = list(captured)
            event.remove(engine, "before_cursor_execute", capture)
        params = {"s": window.start.astimezone(UTC).replace(tzinfo=None),  # stored as naive UTC
              "e": window.end.astimezone(UTC).replace(tzinfo=None)}
        with engine.connect() as conn:
            hand_s, rows = best_of(lambda: conn.execute(text(HAND_SQL), params).all())
        hand = {row[0]: StageFigures(*(int(v) for v in row[1:])) for row in rows}
        agree = all(hand.get(k, StageFigures()) == v for k, v in figures.stages.items())

        graded = sum(f.general_found + f.major_found for f in hand.values())
        print(f"week {args.week} of {DOC}, cumulative since {campaign.starts_on} "
              f"({graded:,} graded hazards found in the window)")
        print(f"province weekly table through figures.weekly_figures : {province_s * 1000:8.1f} ms "
              "(hazards ∪ inspections GROUP BY + penalty aggregate + jurisdiction lookup)")
        print(f"one hand-written SQL GROUP BY over the same hazards : {hand_s * 1000:8.1f} ms")
        print(f"county (小店区) weekly table through the service     : {county_s * 1000:8.1f} ms")
        print(f"figures agree: {agree}")
        for stage, f in figures.stages.items():
            print(f"  {stage:<10} service {f}\n  {'':<10} by hand {hand.get(stage)}")
        with engine.connect() as conn:
            plan = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + HAND_SQL), params).scalars().all()
        print("  plan of the hand-written GROUP BY:")
        for line in plan:
            if any(k in line for k in ("Scan", "Aggregate", "Join", "Execution Time", "Sort ")):
                print("    " + line.strip()[:150])
        explain(engine, province_sql, "province")
        explain(engine, county_sql, "county")
        if not agree:
            raise SystemExit("the service and the hand-written GROUP BY disagree")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
