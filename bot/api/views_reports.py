"""Reporting: QR tokens, enterprise and county search, report upload, my reports, status."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from bot.api import bp, serialize
from bot.api.auth import current_user
from bot.api.common import config, db_session, limit_arg, now
from bot.api.errors import ApiError
from bot.api.report_form import build_draft, read_upload, store_photos
from bot.models import Attachment
from bot.services.people import roles
from bot.services.platform.rate_limits import Limit, RateLimiter
from bot.services.registry import enterprises, qrcodes, visits
from bot.services.reporting import reports
from bot.services.reporting.idempotency import IdempotencyKeys, fingerprint
from bot.services.reporting.lookups import QueryGuard, TooManyLookups
from bot.services.reporting.progress import own_reports

log = logging.getLogger(__name__)

_MAX_QUERY_CHARS = 50


@bp.get("/qrcodes/<token>")
def resolve_qrcode(token: str) -> dict[str, Any]:
    """The enterprise behind a scanned poster (``e:<token>`` or the bare token).

    Anyone may ask (the poster hangs at the gate). An officer who sends his token has his
    visit recorded, as when he scans the code in chat.
    """
    token = token.removeprefix(qrcodes.SCENE_PREFIX)
    with db_session() as session:
        user = current_user(session) if request.headers.get("Authorization") else None
        target = qrcodes.resolve_token(session, token)
        if target is None:
            raise ApiError(404, "unknown_qrcode", "无法识别此二维码，请在页面中搜索企业名称。")
        if target.revoked:
            raise ApiError(410, "revoked_qrcode",
                           "此二维码已作废，请扫描企业张贴的新二维码，或搜索企业名称。")
        enterprise = enterprises.get_enterprise(session, target.enterprise_id)
        assert enterprise is not None
        body: dict[str, Any] = {"enterprise": {
            "id": enterprise.id, "name": enterprise.name, "region_code": enterprise.region_code,
            "region_name": enterprises.region_name(session, enterprise.region_code),
        }}
        if user is not None and roles.is_officer(user):
            at = now()
            visits.record_visit(session, officer=user, enterprise_id=enterprise.id,
                                qr_code_id=target.code_id, now=at)
            session.commit()
            body["visit_recorded_at"] = serialize.iso(at)
        return body


@bp.get("/enterprises")
def search_enterprises() -> dict[str, Any]:
    q = _query_arg()
    limit = limit_arg(default=5, maximum=20)
    with db_session() as session:
        found = enterprises.search_enterprises(session, q, limit=limit)
        return {"items": [
            {"id": m.id, "name": m.name, "region_code": m.region_code, "region_name": m.region_name}
            for m in found
        ]}


@bp.get("/counties")
def search_counties() -> dict[str, Any]:
    """County-level divisions by name, for a report about an enterprise not in the registry."""
    q = _query_arg()
    with db_session() as session:
        found = enterprises.search_counties(session, q, limit=10)
        return {"items": [
            {"code": r.code, "name": r.name,
             "city_name": enterprises.region_name(session, r.parent_code) if r.parent_code else None}
            for r in found
        ]}


@bp.post("/reports")
def create_report() -> Response:
    """Upload a report. ``Idempotency-Key`` makes a retry answer like the first upload."""
    keys: IdempotencyKeys = current_app.extensions["api_idempotency"]
    client_key = request.headers.get("Idempotency-Key", "").strip()
    if not client_key:
        raise ApiError(400, "idempotency_key_required", "缺少 Idempotency-Key 请求头（每份报告一个随机值）。")
    if not keys.valid(client_key):
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key 须为 8–64 位字母、数字或 -_.:。")
    at = now()
    with db_session() as session:
        user = current_user(session)
        user_id = user.id
        earlier = keys.find(session, user_id, client_key, now=at)
    _allow_bigger_body()
    upload = read_upload()
    print_ = fingerprint(upload.fields, upload.photo_digests)
    if earlier is not None:
        return _replay(earlier.status_code, earlier.body, earlier.fingerprint, print_)
    with db_session() as session:
        draft = build_draft(session, upload)
    _check_rate(user_id, at)
    stored = store_photos(upload)
    with db_session() as session:
        user = current_user(session)
        try:
            row = keys.reserve(session, user_id, client_key, fingerprint=print_, now=at)
        except IntegrityError:  # the same upload, racing us: answer as it did
            session.rollback()
            earlier = keys.find(session, user_id, client_key, now=at)
            if earlier is None or not earlier.status_code:
                raise ApiError(409, "upload_in_progress",
                               "同一份报告正在提交，请稍候查看“我的报告”。") from None
            return _replay(earlier.status_code, earlier.body, earlier.fingerprint, print_)
        ids = []
        for seq, photo in enumerate(stored, start=1):
            attachment = Attachment(
                uploader_id=user.id, seq=seq, media_id=f"api:{photo.sha256}", status="stored",
                sha256=photo.sha256, original_sha256=photo.original_sha256, relpath=photo.relpath,
                content_type=photo.content_type, width=photo.width, height=photo.height,
                size_bytes=photo.size_bytes, created_at=at,
            )
            session.add(attachment)
            session.flush()
            ids.append(attachment.id)
        draft.photo_ids = ids
        try:
            hazard, query_code = reports.submit_report(
                session, draft, reporter=user, now=at, settings=current_app.extensions["workflow_settings"])
        except reports.ReportError as exc:
            raise ApiError(422, "report_refused", str(exc)) from None
        body = {**serialize.report_status(session, hazard), "query_code": query_code, "photo_count": len(ids)}
        keys.complete(row, user_id, client_key, status_code=201, body=body)
        session.commit()
    log.info("api: hazard %s submitted (%s, %d photos)", hazard.number, hazard.source, len(ids))
    current_app.extensions["job_runner"].wake()  # the officers' notices are in the outbox
    response = jsonify(body)
    response.status_code = 201
    return response


@bp.get("/reports")
def my_reports() -> dict[str, Any]:
    """The user's named reports, newest first: the same list as 我的报告 in chat (anonymous
    ones keep no link to him; an inspector's findings are not his reports)."""
    limit = limit_arg()
    with db_session() as session:
        user = current_user(session)
        found, _total = own_reports(session, user, limit=limit)
        return {"items": [serialize.report_status(session, h) for h in found]}


@bp.get("/reports/<number>")
def report_status(number: str) -> dict[str, Any]:
    """A report's progress: its named reporter, or anyone with its query code.

    Failed lookups are limited per user and per address (429 past the limit, counted before
    any hash is computed); every failure, whatever the number, gets the same 404.
    """
    code = request.args.get("query_code")
    guard: QueryGuard = current_app.extensions["query_guard"]
    at, ip = now(), request.remote_addr or "-"
    with db_session() as session:
        user = current_user(session)
        try:
            guard.admit(user.id, ip=ip, now=at, session=session)
        except TooManyLookups as exc:
            session.commit()
            log.warning("api: 查询 refused, too many failed lookups (retry in %d s)", exc.retry_after)
            raise ApiError(429, "too_many_lookups", str(exc),
                           headers={"Retry-After": str(exc.retry_after)}) from None
        session.commit()  # counted before the hash, and no write lock held while it runs
        hazard = None
        if len(number) <= 30 and (code is None or len(code) <= 30):
            hazard = reports.lookup_status(session, number.strip().upper(), asker=user, query_code=code)
        if hazard is None:
            raise ApiError(404, "report_not_found", "没有找到该报告，或查询码不正确。")
        body = serialize.report_status(session, hazard)
        guard.forgive(user.id, ip=ip, now=at, session=session)
        session.commit()
        return body


def _query_arg() -> str:
    q = (request.args.get("q") or "").strip()
    if not q:
        raise ApiError(400, "missing_parameter", "请输入要搜索的名称（参数 q）。", field="q")
    if len(q) > _MAX_QUERY_CHARS:
        raise ApiError(400, "invalid_parameter", f"搜索内容太长了（最多 {_MAX_QUERY_CHARS} 字）。", field="q")
    return q


def _allow_bigger_body() -> None:
    """The app-wide limit fits one photo; a report may carry ``dialogue.max_photos``."""
    media, dialogue = config("media"), config("dialogue")
    request.max_content_length = int(media["max_bytes"]) * int(dialogue["max_photos"]) + 256 * 1024


def _check_rate(user_id: int, at: Any) -> None:
    api = config("api")
    limiter: RateLimiter = current_app.extensions["api_rate_limiter"]
    exceeded = limiter.hit([
        Limit("user", str(user_id), int(api["reports_per_user"])),
        Limit("ip", request.remote_addr or "-", int(api["reports_per_ip"])),
    ], now=at)
    if exceeded is not None:
        raise ApiError(429, "rate_limited", "提交太频繁，请稍后再试。",
                       headers={"Retry-After": str(exceeded.retry_after)})


def _replay(status: int, body: dict[str, Any], stored_print: str, print_: str) -> Response:
    if stored_print != print_:
        raise ApiError(422, "idempotency_key_reused", "此 Idempotency-Key 已用于另一份不同的报告。")
    response = jsonify(body)
    response.status_code = status
    response.headers["Idempotent-Replay"] = "true"
    return response
