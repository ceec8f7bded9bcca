"""``/q/<token>``: what a phone camera (not WeChat) opens when it scans an enterprise's code.

In dev mode the printed code points here (production codes are WeChat's own, which open
the Official Account directly); the page names the enterprise and says how to report. It
shows nothing about reports or people: anyone at the gate can open it.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from bot.db import session_factory
from bot.services.registry import enterprises, qrcodes

bp = Blueprint("public", __name__)


@bp.get("/q/<token>")
def qr_landing(token: str) -> tuple[str, int]:
    with session_factory()() as session:
        target = qrcodes.resolve_token(session, token)
        if target is None:
            return render_template("public/qr_landing.html", state="unknown"), 404
        if target.revoked:
            return render_template("public/qr_landing.html", state="revoked"), 410
        enterprise = enterprises.get_enterprise(session, target.enterprise_id)
        assert enterprise is not None
        region = enterprises.region_name(session, enterprise.region_code)
        return render_template(
            "public/qr_landing.html", state="active", enterprise=enterprise.name, region=region,
            scene=qrcodes.SCENE_PREFIX + token, dev_mode=current_app.config["HAZARDBOT"]["app"]["dev_mode"],
        ), 200
