"""JSON errors for the API: a stable English ``code`` for programs, a Chinese ``message`` for
people, and a 4xx status for every bad input.

Routing errors (an unknown path, a wrong method, a body over the size limit) happen before any
view runs, so they are turned into the same shape by app-level handlers that only touch
``/api/`` paths; the rest of the app keeps its own pages.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from bot.api.blueprint import bp

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

# Werkzeug's HTTP errors by status: our code and message for each.
_HTTP = {
    400: ("bad_request", "请求格式不正确。"),
    401: ("unauthorized", "请先登录。"),
    403: ("forbidden", "您没有权限进行此操作。"),
    404: ("not_found", "请求的地址不存在。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    406: ("not_acceptable", "无法提供所请求的格式。"),
    411: ("length_required", "请求缺少长度信息。"),
    413: ("payload_too_large", "上传内容太大，请减少照片数量或压缩后重试。"),
    414: ("uri_too_long", "请求地址太长。"),
    415: ("unsupported_media_type", "不支持该内容类型。"),
    429: ("rate_limited", "操作太频繁，请稍后再试。"),
    431: ("headers_too_large", "请求头太大。"),
}


class ApiError(Exception):
    """Raised by views; becomes ``{"code", "message"[, "field"]}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, *, field: str | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@bp.before_request
def refuse_nul_characters() -> None:
    """No NUL in a path or query: PostgreSQL text cannot hold it (a 500 otherwise), and no
    person types one. Form and JSON fields are checked where they are read."""
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        raise ApiError(400, "invalid_characters", "请求中含有无效字符。")


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    log.info("api %s %s → %s %s", request.method, request.path, exc.status, exc.code)
    return error_response(exc.status, exc.code, exc.message, field=exc.field, headers=exc.headers)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("api %s %s failed", request.method, request.path)
    return error_response(500, "server_error", "服务器内部错误，请稍后再试。")


def init_app(app: Flask) -> None:
    """Routing errors under /api/ (before any view runs) become JSON too."""
    app.register_error_handler(HTTPException, _http_error_or_page)


def _http_error_or_page(exc: HTTPException) -> Any:
    if not request.path.startswith(API_PREFIX):
        return exc  # other blueprints keep Werkzeug's pages
    return _http_error(exc)


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 400
    code, message = _HTTP.get(status, ("bad_request" if status < 500 else "server_error",
                                       "请求无法处理。"))
    allowed = getattr(exc, "valid_methods", None) if status == 405 else None
    headers = {"Allow": ", ".join(allowed)} if allowed else None
    log.info("api %s %s → %s (%s)", request.method, request.path, status, exc.description)
    return error_response(status, code, message, headers=headers)
