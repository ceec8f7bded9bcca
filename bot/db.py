"""Engine and session factory, the same for SQLite and PostgreSQL.

SQLite allows one writer at a time. Without WAL, a busy timeout and ``BEGIN IMMEDIATE`` two
concurrent requests fail with "database is locked" instead of waiting their turn, so every
SQLite connection gets all three here (docs/design.md §7).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine tuned for the backend the URL names."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False}
        )
        _tune_sqlite(engine)
        return engine
    # A dead pooled connection (a restart, a failover, pg_terminate_backend) is replaced before
    # it is handed out: a ping on checkout. A socket poll instead (no round trip) was tried and
    # lost a race: a backend just told to end has not always closed its socket yet when the
    # next request checks its connection out, while a ping reaches it only after the signal.
    psycopg = url.startswith("postgresql+psycopg:")
    engine = create_engine(url, echo=echo, pool_pre_ping=not psycopg, pool_size=5, max_overflow=10)
    if psycopg:
        _ping_on_checkout(engine)
    return engine


# Set by a caller that retries its whole unit of work when a connection turns out dead (the
# chat's ``process_message``): its checkouts skip the ping (``unpinged_checkouts``).
_UNPINGED: ContextVar[bool] = ContextVar("hazardbot_unpinged_checkouts", default=False)


@contextmanager
def unpinged_checkouts() -> Iterator[None]:
    """Checkouts in this block skip the ping (PostgreSQL with psycopg; nothing to skip on SQLite).

    Only for work that is retried as a whole on ``OperationalError`` before anything of it is
    done: a dead connection then fails the first statement instead of the ping, SQLAlchemy
    marks the pool stale (every connection older than the failure is replaced on checkout),
    and the retry runs on a fresh one. That saves a round trip per WeChat message; the
    endpoints that do not retry (``/readyz``, the console, the API) keep the ping."""
    token = _UNPINGED.set(True)
    try:
        yield
    finally:
        _UNPINGED.reset(token)


def _ping_on_checkout(engine: Engine) -> None:
    """SQLAlchemy's ``pool_pre_ping`` for psycopg at half the CPU: the same round trip (an
    empty query), sent by libpq itself rather than through a cursor with autocommit switched
    on and off around it. It runs on every checkout, so once per WeChat message; a
    ``DisconnectionError`` makes the pool throw the connection away and take a fresh one
    (SQLAlchemy's documented checkout protocol, up to three tries)."""
    from psycopg import pq  # only with psycopg URLs: SQLite needs no driver of its own

    empty = pq.ExecStatus.EMPTY_QUERY  # libpq's answer to an empty query: the session is alive

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        if _UNPINGED.get():
            return
        try:
            status = dbapi_conn.pgconn.exec_(b"").status
        except Exception as exc:  # noqa: BLE001 - psycopg.OperationalError: the socket is gone
            raise DisconnectionError(f"pooled connection is dead: {exc}") from exc
        if status != empty:  # FATAL_ERROR: the server ended the session
            raise DisconnectionError("pooled connection is dead: the server ended its session")


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock up front: a read that later upgrades to a write would
        # otherwise fail with "database is locked" instead of waiting.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    """Attach an engine and a session factory to the app."""
    cfg = app.config["HAZARDBOT"]["database"]
    engine = make_engine(cfg["url"], echo=cfg["echo"])
    app.extensions["engine"] = engine
    app.extensions["session_factory"] = sessionmaker(bind=engine, expire_on_commit=False)


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    """The app's session factory (one per app, shared by requests and workers)."""
    return (app or current_app).extensions["session_factory"]  # type: ignore[no-any-return]
