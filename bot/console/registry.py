"""Registry pages: enterprises with search, the ledger import with its row-level report, posters,
and an enterprise's 自查自改工作方案 (recorded by its manager or an officer; 附件1 row 2 counts it)."""

from __future__ import annotations

import io
import logging
from typing import Any

from flask import abort, current_app, g, render_template, request, send_file
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from bot.console import bp
from bot.models import Enterprise, EnterpriseChange, Region
from bot.services.hazards.hazard_search import escape_like
from bot.services.platform.clock import utcnow
from bot.services.platform.ports import QRCodeIssueError
from bot.services.registry import ledger, posters, selfcheck_plans
from bot.services.registry.qrcodes import NoActiveCode

log = logging.getLogger(__name__)
MAX_QUERY = 50


@bp.get("/enterprises")
def enterprises() -> str:
    q = (request.args.get("q") or "").strip()[:MAX_QUERY]
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and len(raw_page) < 7 and int(raw_page) > 0 else 1
    size = int(current_app.config["HAZARDBOT"]["console"]["page_size"])
    conds: list[Any] = [g.scope.enterprise_clause()]
    if q:
        pattern = f"%{escape_like(q)}%"
        conds.append(or_(Enterprise.name.ilike(pattern, escape="\\"),
                         Enterprise.credit_code.ilike(pattern, escape="\\")))
    total = g.db.scalar(select(func.count()).select_from(Enterprise).where(*conds)) or 0
    pages = max(1, -(-total // size))
    page = min(page, pages)
    rows = g.db.execute(
        select(Enterprise, Region.name).join(Region, Region.code == Enterprise.region_code)
        .where(*conds).order_by(Enterprise.region_code, Enterprise.name, Enterprise.id)
        .limit(size).offset((page - 1) * size)
    ).all()
    return render_template("console/enterprises.html", active="registry", rows=rows, q=q, page=page,
                           pages=pages, total=total, can_import=_can_import())


def _can_import() -> bool:
    return bool(g.scope.edits_registry)


@bp.route("/enterprises/import", methods=["GET", "POST"])
def enterprises_import() -> str | tuple[str, int]:
    """Upload the supervision ledger: all or nothing, every bad cell named (``ledger.import_ledger``).

    A file may only touch enterprises inside the officer's jurisdiction: checked on the
    change records the import wrote, before anything is committed.
    """
    if not _can_import():
        abort(403)
    if request.method == "GET":
        return render_template("console/import.html", active="registry", result=None, outside=[])
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("console/import.html", active="registry", result=None, outside=[],
                               error="请选择要导入的 .xlsx 或 .csv 文件。"), 422
    data = upload.read()
    filename = upload.filename[-120:]
    now = utcnow()
    dry_run = request.form.get("dry_run") == "1"
    result = ledger.import_ledger(g.db, data, filename=filename, now=now, dry_run=dry_run)
    outside = _outside_scope(filename, now) if result.ok and not dry_run else []
    if result.ok and not dry_run and not outside:
        g.db.commit()
        log.info("console: user %s imported %s (%s)", g.user.id, filename, result.summary())
    else:
        g.db.rollback()
        if not result.ok:  # the cells' contents stay out of the log: they may be anyone's text
            log.info("console: user %s's import of a ledger refused: %d problems", g.user.id,
                     len(result.problems))
    status = 200 if result.ok and not outside else 422
    return render_template("console/import.html", active="registry", result=result, outside=outside), status


def _outside_scope(filename: str, now: Any) -> list[str]:
    """Names of enterprises the import created or moved outside this user's jurisdiction."""
    if g.scope.region_codes is None:
        return []
    changes = g.db.scalars(select(EnterpriseChange).where(
        EnterpriseChange.actor == ledger.import_actor(filename), EnterpriseChange.at == now))
    bad = []
    for change in changes:
        enterprise = g.db.get(Enterprise, change.enterprise_id)
        regions = {enterprise.region_code} if enterprise else set()
        if "region_code" in change.changes and change.changes["region_code"][0]:
            regions.add(change.changes["region_code"][0])
        if enterprise is None or not regions <= g.scope.region_codes:
            bad.append(enterprise.name if enterprise else str(change.enterprise_id))
    return bad


@bp.get("/enterprises/<int:enterprise_id>/poster.<fmt>")
def poster(enterprise_id: int, fmt: str) -> Response | tuple[str, int]:
    """The enterprise's QR poster (PNG or PDF), creating its code on first use.

    Only an officer or the enterprise's manager creates a code (``Scope.issues_qr_codes``):
    an admin, read-only here, gets the poster of the existing code, or is told there is none.
    """
    if fmt not in ("png", "pdf"):
        abort(404)
    enterprise = g.db.get(Enterprise, enterprise_id)
    if enterprise is None or not g.scope.sees_enterprise(enterprise):
        abort(404)
    try:
        data = posters.poster_data(g.db, enterprise, current_app.extensions["qr_issuer"], utcnow(),
                                   create=bool(g.scope.issues_qr_codes))
    except NoActiveCode:
        g.db.rollback()
        log.info("console: user %s asked for the poster of enterprise %s, which has no code yet",
                 g.user.id, enterprise_id)
        return render_template("console/error.html", code=409,
                               message="该企业尚未生成二维码，您没有生成权限，请联系辖区监管人员生成。"), 409
    except QRCodeIssueError as exc:
        log.warning("console: poster for enterprise %s failed: %s", enterprise_id, exc)
        return render_template("console/error.html", code=502, message="生成二维码失败，请稍后重试。"), 502
    body = posters.render_poster_png(data) if fmt == "png" else posters.render_poster_pdf(data)
    mimetype = "image/png" if fmt == "png" else "application/pdf"
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True,
                     download_name=f"{enterprise.name}_二维码.{fmt}")


@bp.route("/enterprises/<int:enterprise_id>/selfcheck-plan", methods=["GET", "POST"])
def selfcheck_plan(enterprise_id: int) -> str | tuple[str, int]:
    """The enterprise's recorded 自查自改工作方案, and the form that records one.

    Who may record is the service's rule (``selfcheck_plans.may_record``): the enterprise's own
    manager, or an officer of its jurisdiction; anyone else who can see the page only reads it.
    """
    enterprise = g.db.get(Enterprise, enterprise_id)
    if enterprise is None or not g.scope.sees_enterprise(enterprise):
        abort(404)
    may_record = selfcheck_plans.may_record(g.db, g.user, enterprise)
    error, done, status = "", "", 200
    if request.method == "POST":
        try:
            selfcheck_plans.record_plan(g.db, enterprise, actor=g.user, title=request.form.get("title"),
                                        adopted_on=request.form.get("adopted_on"), now=utcnow())
            g.db.commit()
            done = "已登记自查自改工作方案。"
            log.info("console: user %s recorded a self-check plan for enterprise %s", g.user.id,
                     enterprise.id)
        except selfcheck_plans.PlanRecordError as exc:
            g.db.rollback()
            error, status = str(exc), (403 if not may_record else 422)
            log.info("console: user %s's self-check plan for enterprise %s refused", g.user.id, enterprise.id)
    page = render_template(
        "console/selfcheck_plan.html", active="registry", enterprise=enterprise,
        plans=selfcheck_plans.plans_of(g.db, enterprise.id), may_record=may_record, error=error, done=done,
        form=request.form if error else {},
    )
    return (page, status) if status != 200 else page
