"""A consistent copy of the database, and putting one back into an empty database.

PostgreSQL: ``pg_dump --format=custom`` (one snapshot: every table as of one instant, while the
service keeps writing) and ``pg_restore --single-transaction --exit-on-error`` (all or nothing: a
failed restore leaves the database empty, never half-filled). SQLite: the online-backup API
(``sqlite3.Connection.backup``), which copies a live database page by page without stopping
writers and gives the state of one transaction, where copying the file could catch it mid-write.

The password travels in ``PGPASSWORD``, never on a command line that ``ps`` shows.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url

SQLITE_FILE = "database.sqlite3"
POSTGRESQL_FILE = "database.dump"


class DumpError(RuntimeError):
    """A dump or restore tool failed or is missing; the message says which and why."""


class DatabaseNotEmpty(RuntimeError):
    """Restoring over existing tables would mix two databases: refused."""


def backend_of(url: str) -> str:
    """``sqlite`` or ``postgresql`` (other backends are not supported)."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise DumpError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def dump(url: str, target_dir: Path) -> Path:
    """Write a consistent copy of the database at ``url`` into ``target_dir``; return the file."""
    if backend_of(url) == "sqlite":
        target = target_dir / SQLITE_FILE
        with closing(_sqlite(url)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
        return target
    target = target_dir / POSTGRESQL_FILE
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
          "--dbname", _libpq_url(url)], url)
    return target


def table_names(url: str) -> list[str]:
    """The tables present in the database at ``url`` (empty for a new or missing SQLite file)."""
    if backend_of(url) == "sqlite":
        path = make_url(url).database
        if not path or not Path(path).exists():
            return []
    engine = create_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def restore(url: str, dump_file: Path) -> None:
    """Load ``dump_file`` into the EMPTY database at ``url``.

    :raises DatabaseNotEmpty: the database already has tables (nothing is changed).
    """
    present = table_names(url)
    if present:
        raise DatabaseNotEmpty(
            f"the target database is not empty ({len(present)} tables, "
            f"e.g. {', '.join(sorted(present)[:3])}); "
            "restore only into a new, empty database")
    if backend_of(url) == "sqlite":
        path = make_url(url).database
        assert path  # an in-memory database cannot be restored into
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(dump_file)) as source, closing(sqlite3.connect(path)) as target:
            source.backup(target)
        return
    _run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          "--dbname", _libpq_url(url), str(dump_file)], url)


def _sqlite(url: str) -> sqlite3.Connection:
    path = make_url(url).database
    if not path or not Path(path).exists():
        raise DumpError(f"no SQLite database at {path!r}")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq understands it: no driver, no password (see ``_run``)."""
    parsed: URL = make_url(url)
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], url: str) -> None:
    if shutil.which(command[0]) is None:
        raise DumpError(f"{command[0]} is not installed (apt-get install postgresql-client)")
    env = dict(os.environ)
    password = make_url(url).password
    if password:
        env["PGPASSWORD"] = str(password)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DumpError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()[-800:]}")
