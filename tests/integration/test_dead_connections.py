"""The pool never hands out a connection the server has closed.

Here the server ends a pooled connection's session (``pg_terminate_backend``, as a failover or
a restart does) and the next checkout must get a working connection (the ping on checkout in
``bot/db.py``; a socket poll tried instead lost the race with a backend not yet gone).
(tests/e2e/test_faults.py does the same to gunicorn workers' pools, and restarts PostgreSQL
under load.)"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, text

from bot.db import make_engine
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="a PostgreSQL server's sessions")


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_the_server_ended_is_replaced_on_checkout(database_url: str) -> None:
    engine = make_engine(database_url)
    admin = make_engine(database_url)
    try:
        engine.pool.dispose()
        first = _backend_pid(engine)
        assert _backend_pid(engine) == first  # one connection, reused from the pool
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first}).scalar()
            conn.commit()
        time.sleep(0.2)  # the backend has said FATAL 57P01 and closed its socket
        second = _backend_pid(engine)  # a dead connection handed out would raise here
        assert second != first
    finally:
        engine.dispose()
        admin.dispose()

