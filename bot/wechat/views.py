"""The ``/wechat`` endpoint: thin on purpose — verify, open, parse, hand over, reply."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from bot.chat.channel import ChatSettings, process_message
from bot.chat.inbound_log import dedupe_key
from bot.db import session_factory
from bot.handlers import texts
from bot.services.platform.clock import utcnow
from bot.wechat.protocol import (
    ProtocolError,
    WireSettings,
    check_signature,
    open_body,
    parse_delivery,
    render_reply,
)
from bot.wechat.ratelimit import TOO_FAST

log = logging.getLogger(__name__)

bp = Blueprint("wechat", __name__)


@bp.get("/wechat")
def verify() -> Response:
    """WeChat's server-address check: answer the echostr if the signature is ours."""
    try:
        check_signature(_wire(), request.args.to_dict())
    except ProtocolError as exc:
        return _refuse(exc)
    return Response(request.args.get("echostr", ""), mimetype="text/plain")


@bp.post("/wechat")
def receive() -> Response:
    settings = _wire()
    args = request.args.to_dict()
    try:
        check_signature(settings, args)
        xml, encrypted = open_body(settings, args, _body())
        msg, account = parse_delivery(xml)
    except ProtocolError as exc:
        return _refuse(exc)
    key = dedupe_key(msg_id=msg.msg_id, openid=msg.openid, create_time=msg.create_time,
                     event=msg.event, event_key=msg.event_key)
    if not current_app.extensions["wechat_rate_limiter"].allow(msg.openid, key):
        # Nothing processed or recorded: the same message sent again later is served.
        log.warning("rate limit: message from %s not processed", msg.openid)
        body = render_reply(settings, TOO_FAST, account=account, openid=msg.openid, encrypted=encrypted,
                            nonce=args.get("nonce", ""))
        return Response(body, mimetype="application/xml")
    try:
        reply = process_message(session_factory(), msg, now=utcnow(), settings=_chat_settings())
    except Exception:  # noqa: BLE001 - the person gets an apology, never a silent failure
        # Nothing was recorded, so WeChat's retry (or the person's resend) will try again.
        log.exception("could not process message from %s", msg.openid)
        reply = texts.BUSY
    current_app.extensions["job_runner"].wake()
    body = render_reply(settings, reply, account=account, openid=msg.openid, encrypted=encrypted,
                        nonce=args.get("nonce", ""))
    return Response(body, mimetype="application/xml" if reply else "text/plain")


def _body() -> bytes:
    """The request body, refused past the limit before it is read into memory."""
    request.max_content_length = current_app.config["HAZARDBOT"]["wechat"]["max_body_bytes"]
    try:
        return request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise ProtocolError(413, "body over the size limit") from None


def _refuse(exc: ProtocolError) -> Response:
    log.warning("refused WeChat request from %s: %s", request.remote_addr, exc.reason)
    return Response(_REFUSALS.get(exc.status, "请求无效"), status=exc.status, mimetype="text/plain")


_REFUSALS = {403: "签名校验失败或请求已过期", 400: "消息格式无效", 413: "消息过大"}


def _wire() -> WireSettings:
    cfg = current_app.config["HAZARDBOT"]["wechat"]
    return WireSettings(
        token=cfg["token"], appid=cfg["appid"], encoding_aes_key=cfg["encoding_aes_key"],
        timestamp_tolerance=int(cfg["timestamp_tolerance_seconds"]),
    )


def _chat_settings() -> ChatSettings:
    return current_app.extensions["chat_settings"]  # type: ignore[no-any-return]
