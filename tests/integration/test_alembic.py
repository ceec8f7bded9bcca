"""Alembic keeps the database honest: what operators migrate to is what the code expects.

After securedrop's ``test_alembic.py``: head matches the models, every revision goes down and
back up without losing anything, and a downgrade to base removes everything it created. Each
test works on its own brand-new database, never on the session's.
"""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from bot.db import make_engine
from bot.migrate import alembic_config, downgrade, upgrade
from bot.models import Base


def _revisions() -> list[tuple[str, str]]:
    """(revision, the one below it or "base"), oldest first."""
    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    revs = list(script.walk_revisions("base", "heads"))
    revs.reverse()
    return [(r.revision, r.down_revision or "base") for r in revs]  # type: ignore[misc]


REVISIONS = _revisions()


def schema(engine: Engine) -> dict[str, Any]:
    """Everything an operator would see of the schema: tables, columns, keys and indexes.

    Alembic's own bookkeeping table is left out: it exists from the first upgrade on.
    """
    insp = inspect(engine)
    result: dict[str, Any] = {}
    for table in sorted(set(insp.get_table_names()) - {"alembic_version"}):
        result[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in insp.get_columns(table)
            ],
            "pk": insp.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted(
                (fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"],
                 tuple(fk["referred_columns"]))
                for fk in insp.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (ix["name"] or "", tuple(str(c) for c in ix["column_names"]), bool(ix["unique"]))
                for ix in insp.get_indexes(table)
            ),
            "uniques": sorted(
                (uq["name"] or "", tuple(uq["column_names"]))
                for uq in insp.get_unique_constraints(table)
            ),
        }
    return result


def test_there_is_exactly_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    assert len(script.get_heads()) == 1, "branched migrations: merge them before release"


def test_head_matches_models(empty_engine: Engine) -> None:
    """A database migrated to head is exactly what the models describe (no missing revision)."""
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    assert diffs == []


def test_head_has_every_model_table(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


@pytest.mark.parametrize(("revision", "below"), REVISIONS, ids=[r for r, _ in REVISIONS])
def test_revision_down_and_up_again(empty_engine: Engine, revision: str, below: str) -> None:
    """One step down restores the schema below it; up again restores the revision's schema."""
    if below != "base":
        upgrade(empty_engine, below)
    schema_below = schema(empty_engine)
    upgrade(empty_engine, revision)
    schema_at = schema(empty_engine)
    assert schema_at != schema_below, f"revision {revision} changes nothing"

    downgrade(empty_engine, "-1")
    assert schema(empty_engine) == schema_below

    upgrade(empty_engine, revision)
    assert schema(empty_engine) == schema_at


def test_downgrade_to_base_leaves_only_alembic_version(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    downgrade(empty_engine, "base")
    assert inspect(empty_engine).get_table_names() == ["alembic_version"]
    with empty_engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is None
