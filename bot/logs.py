"""Structured logs: JSON lines in production, readable lines in dev, a request id on each.

Why: with several gunicorn workers (and later several machines) writing to one journal, a
line is only useful if a machine can parse it and if all lines of one request can be found
together. Every request gets an id (the caller's ``X-Request-Id`` when it is a sane token,
else a fresh one); it is echoed in the response header, so an operator can go from a
complaint ("the bot did not answer at 10:02") to the lines of that request.

The id lives in a ``ContextVar`` set for the duration of the request, and a filter on our
handler copies it onto every record, whichever logger wrote it (ours, SQLAlchemy's, Werkzeug's).
Lines written outside a request (the worker thread, the scheduler) carry ``-``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-Id"
# A caller's id is kept only if it cannot forge log lines or blow them up: no spaces, no
# newlines, no quotes, at most 128 characters. Anything else is replaced, not escaped.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
_NO_REQUEST = "-"
# Probes poll every few seconds; their access lines would drown the real traffic.
_QUIET_PATHS = frozenset({"/healthz", "/readyz"})

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=_NO_REQUEST)

access_log = logging.getLogger("bot.access")


def current_request_id() -> str:
    """The id of the request being served, ``-`` outside a request."""
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Copies the current request id onto the record (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ISO 8601), level, logger, msg, request_id, extras.

    ``extra={"http": {...}}`` (the access line) and an exception's traceback (``exc``) are
    included; the message is formatted with its arguments first, as a text log would show it.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", _NO_REQUEST),
        }
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            entry["http"] = http
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def use_json(log_format: str, *, dev_mode: bool) -> bool:
    """``auto`` means JSON in production and text in dev; ``json``/``text`` force one."""
    if log_format not in ("auto", "json", "text"):
        raise ValueError(f"app.log_format must be auto, json or text, not {log_format!r}")
    return log_format == "json" or (log_format == "auto" and not dev_mode)


def configure_logging(level: str, *, json_lines: bool) -> logging.Handler:
    """Install (or re-configure) our one handler on the root logger, writing to stderr.

    Idempotent: creating a second app in the same process (tests, the CLI) re-uses the
    handler instead of printing every line twice.
    """
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_hazardbot", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._hazardbot = True  # type: ignore[attr-defined]
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    root.setLevel(level)
    return handler


def init_app(app: Flask) -> None:
    """Give every request an id, echo it, and write one access line per request."""
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_end_request)


def _start_request() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    rid = given if _SAFE_ID.match(given) else uuid.uuid4().hex
    g.request_id = rid
    g.request_started = time.perf_counter()
    g.request_id_token = _request_id.set(rid)


def _finish_request(response: Response) -> Response:
    rid = g.get("request_id")
    if rid:
        response.headers[REQUEST_ID_HEADER] = rid
        level = logging.DEBUG if request.path in _QUIET_PATHS else logging.INFO
        if not access_log.isEnabledFor(level):  # the line's fields cost more than the check
            return response
        elapsed_ms = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        access_log.log(
            level, "%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed_ms,
            extra={"http": {
                "method": request.method, "path": request.path, "status": response.status_code,
                "ms": round(elapsed_ms, 1), "remote": request.remote_addr,
            }},
        )
    return response


def _end_request(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        try:
            _request_id.reset(token)
        except ValueError:  # set in another context (cannot happen with sync workers)
            _request_id.set(_NO_REQUEST)
