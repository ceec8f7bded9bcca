"""c3e7a1f5b9d2 gives the campaigns already in a database their cut-off and keeps their reports.

354号 was seeded without a time, though its 附件1 is due Friday 12:00: after the upgrade every
weekly campaign names a weekday and a time, and the periods are computed from them. A report
confirmed before keeps its figures; its window's end is derived (``periods.filed_end``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, MetaData, Table, select, text

from bot.migrate import downgrade, upgrade

BEFORE = "b6d2f8a4c1e7"
PERIODS = "c3e7a1f5b9d2"


def _rows(engine: Engine, name: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        table = Table(name, MetaData(), autoload_with=conn)
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]


def test_existing_campaigns_get_their_cut_off(empty_engine: Engine) -> None:
    engine = empty_engine
    upgrade(engine, BEFORE)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO regions (code, name, level, parent_code) VALUES "
                          "('140000', '山西省', 'province', NULL)"))
        conn.execute(
            text("INSERT INTO campaigns (id, doc_number, name, region_code, starts_on, ends_on, cadence,"
                 " due_weekday, due_day, due_time, form, created_at) VALUES (:id, :doc, :name, '140000',"
                 " :starts, :ends, :cadence, :weekday, :day, :time, :form, :at)"),
            [{"id": 1, "doc": "晋应急发〔2024〕354号", "name": "专项行动", "starts": date(2024, 12, 6),
              "ends": date(2025, 3, 31), "cadence": "weekly", "weekday": 4, "day": None, "time": None,
              "form": "weekly_dispatch", "at": datetime(2024, 12, 6)},
             {"id": 2, "doc": "晋应急发〔2022〕80号", "name": "三年行动", "starts": date(2022, 3, 4),
              "ends": date(2022, 12, 31), "cadence": "monthly", "weekday": None, "day": 30, "time": None,
              "form": "monthly_progress", "at": datetime(2022, 3, 4)}],
        )
        conn.execute(
            text("INSERT INTO weekly_reports (id, campaign_id, region_code, period, status, texts,"
                 " created_at, confirmed_at)"
                 " VALUES (1, 1, '140000', '2025-W03', 'confirmed', '{}', :at, :at)"),
            {"at": datetime(2025, 1, 17, 2)},
        )

    upgrade(engine, PERIODS)
    campaigns = _rows(engine, "campaigns")
    assert [(c["due_weekday"], c["due_day"], c["due_time"]) for c in campaigns] == [
        (4, None, "12:00"), (None, 30, None)]  # the monthly form keeps its 30th
    [report] = _rows(engine, "weekly_reports")
    assert (report["status"], report["period_end"]) == ("confirmed", None)

    downgrade(engine, BEFORE)
    assert [r["period"] for r in _rows(engine, "weekly_reports")] == ["2025-W03"]
