"""Dev-mode pages: the phone simulator, its uploads, the dev inbox and a hazard's record.

Registered only when ``dev_mode`` is on (``bot.create_app``); the ``before_request`` guard
repeats the check so that registering the blueprint by mistake still exposes nothing.
The page itself only collects what the user does: signing, encryption and the HTTP call to
``/wechat`` happen server side in ``bot.dev.simulator``.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import requests
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers.response import Response as BaseResponse

from bot.db import session_factory
from bot.dev import records
from bot.dev.simulator import Credentials, SimulatorInputError, check_mode, check_openid, deliver
from bot.models import DevMedia
from bot.services.platform.clock import utcnow

log = logging.getLogger(__name__)

bp = Blueprint("dev", __name__, url_prefix="/dev")

# Room for the multipart envelope around the picture, so the size check below can name the
# picture's own limit instead of failing on the body's.
_MULTIPART_SLACK = 64 * 1024
# 0.8 km from the demo's 太原晋钢 (bot/demo.py): a location sent first offers it.
_TAIYUAN = {"lat": 37.7230, "lng": 112.5680, "label": "山西省太原市小店区"}


@bp.before_request
def _dev_only() -> None:
    if not current_app.config["HAZARDBOT"]["app"]["dev_mode"]:
        abort(404)


@bp.get("/")
def index() -> BaseResponse:
    return redirect(url_for("dev.simulator"))


@bp.get("/simulator")
def simulator() -> str:
    cfg = current_app.config["HAZARDBOT"]
    return render_template(
        "dev/simulator.html", location=_TAIYUAN, max_bytes=cfg["media"]["max_bytes"],
        appid=cfg["wechat"]["appid"],
    )


@bp.post("/simulator/send")
def send() -> tuple[Response, int]:
    """Deliver one message to ``/wechat`` as WeChat would; answer with the reply and the wire."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(400, "请求应为 JSON 对象")
    fields = data.get("fields") or {}
    if not isinstance(fields, dict):
        return _error(400, "fields 应为 JSON 对象")
    cfg = current_app.config["HAZARDBOT"]["wechat"]
    try:
        mode = check_mode(data.get("mode", "safe"))
        if mode != "plaintext" and not cfg["encoding_aes_key"]:
            raise SimulatorInputError("未配置 EncodingAESKey，只能使用明文模式")
        exchange = deliver(
            request.host_url.rstrip("/") + url_for("wechat.receive"),
            Credentials(cfg["token"], cfg["appid"], cfg["encoding_aes_key"]),
            mode=mode, openid=check_openid(data.get("openid")), kind=str(data.get("kind", "")),
            fields=fields,
        )
    except SimulatorInputError as exc:
        return _error(400, str(exc))
    except requests.RequestException as exc:
        log.warning("simulator could not reach /wechat: %s", exc)
        return _error(502, "无法连接本服务的 /wechat 接口，请查看服务器日志")
    return jsonify(exchange.as_json()), 200


@bp.post("/simulator/upload")
def upload() -> tuple[Response, int]:
    """Keep a picture as WeChat keeps a phone's upload: under a media id the app fetches later."""
    max_bytes = int(current_app.config["HAZARDBOT"]["media"]["max_bytes"])
    too_big = f"图片太大，请选择 {_megabytes(max_bytes)} 以内的图片"
    request.max_content_length = max_bytes + _MULTIPART_SLACK
    try:
        picture = request.files.get("picture")
    except RequestEntityTooLarge:
        return _error(413, too_big)
    if picture is None or not picture.filename:
        return _error(400, "请选择一张图片")
    data = picture.read(max_bytes + 1)
    if len(data) > max_bytes:
        return _error(413, too_big)
    if not data:
        return _error(400, "图片是空的，请重新选择")
    # Anything is kept, as WeChat would hand over whatever the phone sent: the photo job's
    # checks (and its Chinese refusal in the dev inbox) are what a developer should see.
    media_id = f"dev_{uuid.uuid4().hex}"
    mimetype = picture.mimetype if picture.mimetype.startswith("image/") else "application/octet-stream"
    with session_factory()() as session:
        session.add(DevMedia(media_id=media_id, content_type=mimetype[:64], data=data, created_at=utcnow()))
        session.commit()
    return jsonify(
        media_id=media_id, size=len(data),
        pic_url=url_for("dev.media", media_id=media_id, _external=True),
    ), 201


@bp.get("/media/<media_id>")
def media(media_id: str) -> Response:
    """Serve an upload, so that an image message's PicUrl points at something real."""
    with session_factory()() as session:
        row = session.get(DevMedia, media_id)
        if row is None:
            abort(404)
        resp = Response(row.data, mimetype=row.content_type)
    # Uploads are not trusted even in dev: never let the browser sniff one into HTML.
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


@bp.get("/inbox")
def inbox() -> tuple[Response, int]:
    """What the app would have pushed to this openid (the outbox), newest last."""
    try:
        openid = check_openid(request.args.get("openid", ""))
    except SimulatorInputError as exc:
        return _error(400, str(exc))
    with session_factory()() as session:
        messages = records.inbox(session, openid)
    return jsonify(openid=openid, messages=messages), 200


@bp.get("/hazards/<number>")
def hazard(number: str) -> tuple[Response, int]:
    with session_factory()() as session:
        record = records.hazard_record(session, number)
    if record is None:
        return _error(404, f"没有编号为 {number} 的隐患")
    return jsonify(record), 200


def _error(status: int, message: str) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": message}
    return jsonify(body), status


def _megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"
