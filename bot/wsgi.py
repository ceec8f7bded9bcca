"""The WSGI entry point for gunicorn: ``gunicorn -c deploy/gunicorn.conf.py bot.wsgi:app``.

Each gunicorn worker imports this after the fork (no ``preload_app``), so every worker builds
its own app, engine and connection pool: a pooled connection opened before a fork and then
shared by two processes corrupts both sides' protocol state.
"""

from bot import create_app

app = create_app()
