"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work).

A load balancer or systemd watchdog restarts a process whose ``/healthz`` fails, and stops
sending traffic to one whose ``/readyz`` fails. Readiness checks what a request needs: the
database answers, its schema is the one this code expects (a new release started before
``flask db upgrade`` ran must not take traffic), and Redis answers when one is configured
(the shared WeChat access token lives there), and the media store is reachable and writable
(its backend, ``local`` or ``s3``, is named in the answer). Each check has its own short timeout, so a
probe never hangs; the answer names the failing check but never a password or a URL.
"""

from __future__ import annotations

import ast
import logging
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from bot.services.platform.storage import MediaStore, StorageError

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """Alive: answers without touching the database."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> Any:
    """200 with each check's result when all pass, else 503 naming the failing ones."""
    checks = {"database": _check_database(), "migrations": _check_migrations()}
    if current_app.extensions.get("redis") is not None:
        checks["redis"] = _check_redis()
    store = current_app.extensions["media_store"]
    checks["storage"] = _check_storage(store)
    ready = all(result == "ok" for result in checks.values())
    if not ready:
        log.warning("not ready: %s", {k: v for k, v in checks.items() if v != "ok"})
    body = {"status": "ready" if ready else "not ready", "checks": checks,
            "storage_backend": store.backend}
    return jsonify(body), 200 if ready else 503


def expected_heads(app: Flask) -> frozenset[str]:
    """The migration heads this code ships (read once per process from migrations/)."""
    heads = app.extensions.get("migration_heads")
    if heads is None:
        heads = app.extensions["migration_heads"] = shipped_heads()
    return heads  # type: ignore[no-any-return]


def shipped_heads(versions: Path = VERSIONS) -> frozenset[str]:
    """The revisions of ``versions`` that no other revision follows.

    Read from each file's ``revision`` and ``down_revision`` lines rather than with Alembic's
    ``ScriptDirectory``, which would bring all of Alembic (about 10 MiB) into every web worker
    for the sake of its readiness probe; a test checks that both give the same heads.
    """
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in versions.glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign):
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if not isinstance(target, ast.Name):
                continue
            if target.id == "revision":
                revisions.add(ast.literal_eval(value))
            elif target.id == "down_revision":
                down = ast.literal_eval(value)
                followed.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions - followed)


def _check_database() -> str:
    try:
        with current_app.extensions["engine"].connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its kind
        return f"unreachable ({type(exc).__name__})"
    return "ok"


def _check_migrations() -> str:
    try:
        with current_app.extensions["engine"].connect() as conn:
            found = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except Exception as exc:  # noqa: BLE001 - no table yet: never migrated
        return f"cannot read alembic_version ({type(exc).__name__})"
    expected = expected_heads(current_app._get_current_object())  # type: ignore[attr-defined]
    if found != expected:
        return f"database at {sorted(found) or 'nothing'}, code expects {sorted(expected)}"
    return "ok"


def _check_redis() -> str:
    started = time.perf_counter()
    try:
        current_app.extensions["redis"].ping()
    except Exception as exc:  # noqa: BLE001
        return f"unreachable ({type(exc).__name__})"
    log.debug("redis ping %.1f ms", (time.perf_counter() - started) * 1000)
    return "ok"


def _check_storage(store: MediaStore) -> str:
    """The store answers (a bucket HEAD, or the directory exists and is writable)."""
    try:
        store.check()
    except StorageError as exc:  # its message names the action and error code, never a URL
        return f"unavailable ({str(exc)[:120]})"
    except Exception as exc:  # noqa: BLE001
        return f"unavailable ({type(exc).__name__})"
    return "ok"
