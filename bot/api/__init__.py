"""The mini-program API, ``/api/v1/``: JSON over the same services as the chat.

Documented by the OpenAPI 3 document served at ``/api/v1/openapi.json`` (bot/api/openapi.py);
the test suite checks every response it produces against it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from bot.api.blueprint import bp
from bot.db import session_factory
from bot.services.platform.rate_limits import RateLimiter
from bot.services.reporting.idempotency import IdempotencyKeys

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Register the blueprint with its login adapter, rate limiter and idempotency keys."""
    from bot.api import errors, views_meta, views_officer, views_people, views_reports  # noqa: F401 (routes)
    from bot.api.open311 import bp as open311_bp
    cfg = app.config["HAZARDBOT"]
    api = cfg["api"]
    app.extensions["api_login"] = _login_adapter(cfg)
    app.extensions["api_rate_limiter"] = RateLimiter(
        session_factory(app), secret=cfg["app"]["secret_key"],
        window_seconds=api["rate_window_seconds"], redis_url=cfg["redis"]["url"],
        prefix=f'{cfg["redis"]["key_prefix"]}:rl:',
    )
    app.extensions["api_idempotency"] = IdempotencyKeys(
        cfg["app"]["secret_key"], keep=timedelta(hours=api["idempotency_hours"])
    )

    errors.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(open311_bp)


def _login_adapter(cfg: dict[str, dict[str, object]]) -> object:
    from bot.wechat.miniprogram import (
        DevMiniProgramLogin,
        MiniProgramClient,
        UnconfiguredMiniProgramLogin,
        WeChatMiniProgramLogin,
    )

    api = cfg["api"]
    if api["miniprogram_appid"] and api["miniprogram_secret"]:
        client = MiniProgramClient(
            str(api["miniprogram_appid"]), str(api["miniprogram_secret"]),
            api_base_url=str(cfg["wechat"]["api_base_url"]), timeout=float(cfg["wechat"]["timeout"]),  # type: ignore[arg-type]
        )
        return WeChatMiniProgramLogin(client)
    if cfg["app"]["dev_mode"]:
        return DevMiniProgramLogin()
    return UnconfiguredMiniProgramLogin()
