"""gunicorn settings for hazardbot (read with ``gunicorn -c deploy/gunicorn.conf.py bot.wsgi:app``).

Environment knobs: ``HAZARDBOT_BIND`` (default 127.0.0.1:8000, behind nginx),
``WEB_CONCURRENCY`` (workers, default 2 × cores + 1), ``HAZARDBOT_THREADS`` (threads per
worker, default 4), ``HAZARDBOT_MAX_REQUESTS`` (requests before a worker is recycled, default
5000; the benchmark sets 0 so that it measures the same workers throughout).

Why these values:
- gthread workers: a request mostly waits on PostgreSQL; a few threads per worker keep the
  CPU busy without one process per concurrent request. Each worker's pool (5 + 10 overflow,
  bot/db.py) covers its threads.
- timeout 30 s: WeChat gives up after 5 s and retries, so a request running 30 s is stuck;
  the arbiter kills and replaces its worker.
- max_requests with jitter: a slow leak in any library cannot grow a worker for ever, and
  the workers do not all restart at the same moment.
- no access log from gunicorn: the app writes one per request, with the request id
  (bot/logs.py); gunicorn's own lines are JSON too, so the journal stays machine-readable.
  gunicorn builds every request's access-log fields whenever a logging config is given (the
  ``logconfig_dict`` below), although its ``gunicorn.access`` logger then drops them: that
  was about 8 % of a worker's CPU under load (py-spy), so ``QuietAccessLogger`` builds them
  only when the line would be written.
- no preload_app: see bot/wsgi.py.
"""

import logging
import multiprocessing
import os

from gunicorn.glogging import Logger


class QuietAccessLogger(Logger):
    """gunicorn's logger, which skips a request's access-log fields when its access logger
    would drop the line anyway."""

    @property
    def access_log_enabled(self) -> bool:
        return self.access_log.isEnabledFor(logging.INFO) and bool(super().access_log_enabled)


bind = os.environ.get("HAZARDBOT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("HAZARDBOT_THREADS", "4"))
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("HAZARDBOT_MAX_REQUESTS", "5000"))  # 0: never recycle
max_requests_jitter = max_requests // 10
# Behind nginx on the same host: trust its X-Forwarded-For / -Proto only.
forwarded_allow_ips = os.environ.get("HAZARDBOT_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Refuse absurd request lines and headers before the app sees them (gunicorn's limits).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

accesslog = None
logger_class = QuietAccessLogger
errorlog = "-"
loglevel = os.environ.get("HAZARDBOT_GUNICORN_LOGLEVEL", "info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "bot.logs.JsonFormatter"}},
    "filters": {"request_id": {"()": "bot.logs.RequestIdFilter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"],
            "stream": "ext://sys.stderr",
        },
    },
    # The app installs its own root handler (bot/logs.py); gunicorn's defaults must not add one.
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}

# gunicorn 27's control socket defaults to ~/.gunicorn/, which the systemd units make
# read-only (ProtectHome); signals (HUP to reload, TERM to stop) are all we use.
control_socket_disable = True
