"""Hazard-reporting backend for Shanxi's 冶金工贸 safety regulators.

``create_app`` builds the Flask app from config (docs/design.md §6); each subsystem registers
itself through an ``init_app``-style call so that the factory reads as a table of contents.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from bot import cli, cookie_sessions, db, logs, security_headers, wiring
from bot.config import check_production, load_config
from bot.services.platform import clock
from bot.services.reporting import reports


def create_app(
    config_override: dict[str, dict[str, Any]] | None = None, *, config_path: str | None = None
) -> Flask:
    """Build the app.

    :param config_override: sections and keys applied over file and environment (tests).
    :param config_path: a TOML file; defaults to ``$HAZARDBOT_CONFIG``.
    """
    config = load_config(config_path, overrides=config_override)
    check_production(config)
    app = Flask(__name__, static_folder="../static", static_url_path="/static")
    app.config["HAZARDBOT"] = config
    app.config["SECRET_KEY"] = config["app"]["secret_key"]
    app.config["MAX_CONTENT_LENGTH"] = 12 * 1024 * 1024  # the largest upload: one photo
    logs.configure_logging(
        config["app"]["log_level"],
        json_lines=logs.use_json(config["app"]["log_format"], dev_mode=config["app"]["dev_mode"]),
    )
    logs.init_app(app)
    security_headers.init_app(app)  # CSP, no framing, referrer: on every response
    cookie_sessions.init_app(app)

    clock.configure(config["app"]["timezone"])
    reports.configure_query_code_key(config["security"]["query_code_key"])
    db.init_app(app)
    wiring.init_app(app)
    cli.init_app(app)

    from bot import api, console
    from bot.health import bp as health_bp
    from bot.public.downloads import bp as downloads_bp
    from bot.public.inspections import bp as inspection_lists_bp
    from bot.public.views import bp as public_bp
    from bot.wechat.views import bp as wechat_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(wechat_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(downloads_bp)
    app.register_blueprint(inspection_lists_bp)
    console.init_app(app)
    api.init_app(app)
    if config["app"]["dev_mode"]:
        from bot.dev.views import bp as dev_bp

        app.register_blueprint(dev_bp)

    return app
