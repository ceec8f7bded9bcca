"""What ``bench/wechat_load.py`` serves under gunicorn: the real app, plus a bare Flask app.

The bare app answers ``/bare/`` with a constant and shares nothing with ours (no hooks, no
database, no logging): measured under the same server, workers and load generator in the
same run, it shows what the server and the machine cost by themselves, so the difference is
what our ``/wechat`` handling costs.
"""

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bot import create_app

hazardbot = create_app()
bare = Flask("bare")


@bare.get("/")
def hello() -> str:
    return "ok"


app = DispatcherMiddleware(hazardbot, {"/bare": bare})
