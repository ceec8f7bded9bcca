"""The shipped production profile (deploy/) is a working configuration, not just prose."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from bot.config import ConfigError, check_production, load_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _env_file() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (DEPLOY / "hazardbot.env.example").read_text().splitlines()
             if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def test_example_config_with_the_env_file_passes_the_production_check() -> None:
    env = _env_file()
    config = load_config(DEPLOY / "hazardbot.example.toml", environ=env)
    check_production(config)
    assert config["app"]["dev_mode"] is False and config["app"]["log_format"] == "json"
    assert config["database"]["url"].startswith("postgresql+psycopg://")
    assert config["redis"]["url"].startswith("redis://")
    assert config["jobs"]["in_process"] is False  # the worker unit runs jobs
    code = DEPLOY.parent.resolve()
    assert not Path(config["media"]["dir"]).resolve().is_relative_to(code)  # photos outside the code


def test_example_config_alone_refuses_to_start_without_secrets() -> None:
    with pytest.raises(ConfigError) as info:
        check_production(load_config(DEPLOY / "hazardbot.example.toml", environ={}))
    assert "app.secret_key" in str(info.value) and "wechat.secret" in str(info.value)


def test_gunicorn_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["workers"] >= 3 and settings["worker_class"] == "gthread"
    assert settings["accesslog"] is None and settings["timeout"] == 30
    assert settings["logconfig_dict"]["formatters"]["json"]["()"] == "bot.logs.JsonFormatter"
    for unit in ("web", "scheduler", "worker"):
        text = (DEPLOY / "systemd" / f"hazardbot-{unit}.service").read_text()
        assert "EnvironmentFile=/etc/hazardbot/hazardbot.env" in text and "User=hazardbot" in text


def test_gunicorn_builds_no_access_line_that_its_logging_drops(monkeypatch: pytest.MonkeyPatch) -> None:
    """The profile's gunicorn.access logger is at WARNING (the app writes the access lines):
    gunicorn must not build each request's line only to drop it, nor skip one it would keep."""
    import logging

    from gunicorn.config import Config

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    cfg = Config()
    cfg.set("logconfig_dict", settings["logconfig_dict"])
    access = logging.getLogger("gunicorn.access")
    before = access.level
    root_handlers, root_level = logging.root.handlers[:], logging.root.level  # dictConfig resets them
    try:
        logger = settings["logger_class"](cfg)
        assert access.getEffectiveLevel() == logging.WARNING
        assert logger.access_log_enabled is False
        access.setLevel(logging.INFO)  # were the access lines wanted, they would be built
        assert logger.access_log_enabled is True
    finally:
        access.setLevel(before)
        logging.root.handlers[:] = root_handlers
        logging.root.setLevel(root_level)
