"""Migrations that touch tables holding data keep that data (after securedrop's data tests).

Only migrations that change tables with existing rows get a test here (STYLE.md):
4dffd9f25b66 adds the ledger columns to ``enterprises``, where every county's enterprises
already are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, MetaData, Table, select, text

from bot.migrate import downgrade, upgrade

BEFORE_LEDGER = "da61ad0dd219"
LEDGER = "4dffd9f25b66"
FLAGS = ("metal_smelting", "dust_explosion", "confined_space", "ammonia_refrigeration", "hazchem",
         "leased_premises")


def _enterprises(engine: Engine) -> list[dict[str, Any]]:
    """The rows as the schema at the current revision has them (reflected, not the models)."""
    with engine.connect() as conn:
        table = Table("enterprises", MetaData(), autoload_with=conn)
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]


def test_enterprises_from_before_the_ledger_get_false_flags(empty_engine: Engine) -> None:
    engine = empty_engine
    upgrade(engine, BEFORE_LEDGER)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO regions (code, name, level, parent_code) VALUES "
                          "('140000', '山西省', 'province', NULL),"
                          " ('140100', '太原市', 'prefecture_city', '140000'),"
                          " ('140105', '小店区', 'county_district', '140100')"))
        conn.execute(
            text("INSERT INTO enterprises (id, name, credit_code, region_code, industry, sub_sector, address,"
                 " created_at) VALUES (:id, :name, :code, '140105', '冶金', '钢铁', :address, :at)"),
            [{"id": 1, "name": "太原晋钢钢铁有限公司", "code": None, "address": "小店区",
              "at": datetime(2026, 1, 1)},
             {"id": 2, "name": "太原测试铝业有限公司", "code": "91350200776049653A", "address": None,
              "at": datetime(2026, 2, 1)}],
        )

    upgrade(engine, LEDGER)
    rows = _enterprises(engine)
    assert [(r["id"], r["name"], r["credit_code"], r["sub_sector"]) for r in rows] == [
        (1, "太原晋钢钢铁有限公司", None, "钢铁"), (2, "太原测试铝业有限公司", "91350200776049653A", "钢铁"),
    ]
    for row in rows:
        assert all(row[flag] is False for flag in FLAGS), row
        assert (row["dust_workers"], row["scale"], row["risk_grade"], row["updated_at"]) == (None,) * 4

    downgrade(engine, BEFORE_LEDGER)  # and back: the enterprises are still there
    assert [(r["id"], r["name"], r["address"]) for r in _enterprises(engine)] == [
        (1, "太原晋钢钢铁有限公司", "小店区"), (2, "太原测试铝业有限公司", None),
    ]
