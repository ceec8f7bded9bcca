"""What ``bench/wechat_load.py`` serves under gunicorn: the real app, plus two yardsticks.

The bare app answers ``/bare/`` with a constant and shares nothing with ours (no hooks, no
database, no logging): measured under the same server, workers and load generator in the
same run, it shows what the server and the machine cost by themselves, so the difference is
what our ``/wechat`` handling costs.

The floor app answers ``/floor/`` with the least any chat step must do on our stack, and
nothing else: the delivery's signatures checked and its body decrypted and parsed (wechatpy,
as ``/wechat`` does), one transaction through the app's own session factory and pool (the
sender's row read ``FOR UPDATE`` and written back, then COMMIT; the connection checked out
without the ping, as ``/wechat`` does), and an encrypted reply. No hooks, no dialogue, no
inbound log. Its CPU per message over the bare endpoint's says how much of the target ratio
the stack itself takes before our code does anything. ``/floor/driver``
does the same with the pool's driver connection (psycopg, SQL written out) in place of the
session and SQLAlchemy's execution: what that layer costs on the floor.
"""

from collections.abc import Callable
from typing import cast

from flask import Flask, Response, request
from sqlalchemy import Table, bindparam, select, update
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bot import create_app
from bot.db import unpinged_checkouts
from bot.models import User
from bot.services.platform.clock import utcnow
from bot.wechat.protocol import WireSettings, check_signature, open_body, parse_delivery, render_reply

hazardbot = create_app()
bare = Flask("bare")
floor = Flask("floor")

_WIRE = WireSettings(
    token=hazardbot.config["HAZARDBOT"]["wechat"]["token"],
    appid=hazardbot.config["HAZARDBOT"]["wechat"]["appid"],
    encoding_aes_key=hazardbot.config["HAZARDBOT"]["wechat"]["encoding_aes_key"],
    timestamp_tolerance=int(hazardbot.config["HAZARDBOT"]["wechat"]["timestamp_tolerance_seconds"]),
)
_USERS = cast(Table, User.__table__)
_READ = select(_USERS.c.id).where(_USERS.c.openid == bindparam("openid")).with_for_update()
_WRITE = update(_USERS).where(_USERS.c.id == bindparam("row_id")).values(last_inbound_at=bindparam("now"))


@bare.get("/")
def hello() -> str:
    return "ok"


def _transaction_orm(openid: str) -> None:
    with hazardbot.extensions["session_factory"]() as session:
        conn = session.connection()
        row_id = conn.execute(_READ, {"openid": openid}).scalar_one()
        conn.execute(_WRITE, {"row_id": row_id, "now": utcnow()})
        session.commit()


def _transaction_driver(openid: str) -> None:
    conn = hazardbot.extensions["engine"].raw_connection()  # pooled (unpinged: see _one_step)
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT id FROM users WHERE openid = %s FOR UPDATE", (openid,))
        (row_id,) = cursor.fetchone()
        cursor.execute("UPDATE users SET last_inbound_at = %s WHERE id = %s", (utcnow(), row_id))
        conn.commit()
    finally:
        conn.close()


def _one_step(transaction: Callable[[str], None]) -> Response:
    """The floor of a chat step (see the module's docstring); the sender must exist (the
    bench's warm-up makes its users through ``/wechat``)."""
    args = request.args.to_dict()
    check_signature(_WIRE, args)
    xml, encrypted = open_body(_WIRE, args, request.get_data(cache=False))
    msg, account = parse_delivery(xml)
    with unpinged_checkouts():
        transaction(msg.openid)
    body = render_reply(_WIRE, "ok", account=account, openid=msg.openid, encrypted=encrypted,
                        nonce=args.get("nonce", ""))
    return Response(body, mimetype="application/xml")


@floor.post("/")
def one_step() -> Response:
    return _one_step(_transaction_orm)


@floor.post("/driver")
def one_step_on_the_driver() -> Response:
    return _one_step(_transaction_driver)


app = DispatcherMiddleware(hazardbot, {"/bare": bare, "/floor": floor})
