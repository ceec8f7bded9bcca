"""Configuration: defaults, a TOML file, then environment variables.

The order matters for operators: the TOML file (named by ``HAZARDBOT_CONFIG``) documents a
deployment, and ``HAZARDBOT_<SECTION>_<KEY>`` variables let a container or CI override one
value without writing a file (secrets stay out of files that way).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import os
import tomllib
from pathlib import Path
from typing import Any

# The dev token, appid and AES key are public on purpose: they let the simulator and any
# independent WeChat peer talk to `make run` in safe mode. Production must set its own.
DEV_TOKEN = "hazardbot-dev-token"
DEV_APPID = "wx0000000000dev000"
DEV_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

DEFAULTS: dict[str, dict[str, Any]] = {
    "app": {
        "secret_key": "dev-only-secret-change-me",
        "dev_mode": True,
        "timezone": "Asia/Shanghai",
        "instance_dir": "instance",
        "log_level": "INFO",
        "log_format": "auto",  # auto: JSON lines when dev_mode is off, readable text in dev
        "public_base_url": "http://127.0.0.1:5000",
    },
    "database": {
        "url": "",  # empty: SQLite file in the instance dir
        "echo": False,
    },
    "redis": {
        "url": "",  # empty: no Redis; each process keeps its own WeChat access token
        "key_prefix": "hazardbot",
        "timeout": 2.0,
    },
    "wechat": {
        "token": DEV_TOKEN,
        "appid": DEV_APPID,
        "secret": "",
        "encoding_aes_key": DEV_AES_KEY,
        "api_base_url": "https://api.weixin.qq.com/cgi-bin/",
        "timeout": 5.0,
        "max_body_bytes": 64 * 1024,
        "timestamp_tolerance_seconds": 300,
        "max_messages_per_minute": 0,  # per user; 0: no limit (deploy/ sets 30)
    },
    "dialogue": {
        "idle_minutes": 30,
        "inspection_idle_minutes": 120,  # an inspection (a walk through a plant) pauses later
        "draft_hours": 24,  # an unfinished report is kept this long, then dropped
        "max_photos": 9,
        "max_description_chars": 1000,
    },
    "media": {
        "dir": "",  # empty: <instance_dir>/media
        "max_bytes": 10 * 1024 * 1024,
        "max_pixels": 40_000_000,
        "max_voice_bytes": 2 * 1024 * 1024,  # WeChat's own limits for a voice message
        "max_video_bytes": 10 * 1024 * 1024,  # and a video
        "backend": "local",  # "local": files under dir; "s3": an S3-compatible bucket
        "s3_endpoint_url": "",  # empty: AWS itself; else e.g. https://minio.example:9000
        "s3_bucket": "",
        "s3_region": "",
        "s3_prefix": "",  # keys live under this prefix in the bucket (e.g. "hazardbot/")
        "s3_timeout": 10.0,  # seconds, connect and read; credentials: AWS_* environment
    },
    "jobs": {
        "in_process": True,
        "poll_seconds": 1.0,
        "max_attempts": 40,
        "backoff_seconds": 5.0,
        "backoff_max_seconds": 300.0,
    },
    "workflow": {
        "ack_hours": 24,
        "deadline_horizon_days": 365,  # 限期 / a plan's 时限 at most this far ahead
    },
    "rewards": {
        "rate": 0.15,
        "min_yuan": 3000,
        "max_yuan": 300_000,
    },
    "scheduler": {
        "daily_at": "09:00",
        "weekly_day": "fri",
        "weekly_at": "09:00",
        "weekly_overdue_at": "12:00",
        "ack_sweep_minutes": 15,
        "ack_escalate_hours": 24,
        "overdue_county_days": 3,
        "overdue_city_days": 7,
        "monthly_day": 30,
        "inspection_day": 1,
        "holiday_shift": True,
        "catchup_hours": 72,
        "misfire_grace_seconds": 0,  # 0: no limit
        "lease_seconds": 120,
    },
    "api": {
        "miniprogram_appid": "",
        "miniprogram_secret": "",
        "token_max_age_seconds": 7200,
        "reports_per_user": 10,
        "reports_per_ip": 30,
        "rate_window_seconds": 3600,
        "idempotency_hours": 24,
        "subscribe_template_ids": "",
        # "<template id> role=keyword …" per group of messages (bot/services/messaging/subscribe_messages.py)
        "subscribe_progress": "",
        "subscribe_deadline": "",
        "subscribe_new_report": "",
        "subscribe_page": "",
    },
    "outbox": {
        "template_id": "",
        "service_window_hours": 48,
        "service_window_max_messages": 5,
        "quiet_start": "22:00",
        "quiet_end": "07:00",
    },
    "reports": {
        "link_hours": 24,
    },
    # Failed 查询 lookups (chat and API), per fixed window (bot/services/reporting/lookups.py).
    "queries": {
        "failures_per_user": 10,
        "failures_per_ip": 50,  # API only (chat has no address)
        "window_seconds": 900,  # at most api.rate_window_seconds
    },
    # Template message id per outbox kind; empty: outbox.template_id.
    "templates": {
        "new_report": "",
        "acknowledge": "",
        "reject": "",
        "assign": "",
        "regrade": "",
        "deadline": "",
        "supervise": "",
        "plan": "",
        "proof": "",
        "send_back": "",
        "close": "",
        "merge": "",
        "merged_close": "",
        "reward_open": "",
        "reward_approve": "",
        "deadline_nudge": "",
        "deadline_overdue": "",
        "overdue_county": "",
        "overdue_city": "",
        "ack_overdue": "",
        "ack_escalate": "",
        "weekly_stats": "",
        "weekly_overdue": "",
        "campaign": "",
        "inspection": "",
    },
    "retention": {
        "every_minutes": 60,
        "inbound_hours": 48,
        "conversation_days": 2,
        "outbox_days": 30,
        "jobs_days": 7,
        "dev_media_days": 3,
        "batch_size": 500,
    },
    "console": {
        "session_minutes": 480,  # of inactivity: renewed on every request
        "session_max_hours": 12,  # from sign-in, however active
        "page_size": 20,
        "oauth_base_url": "https://open.weixin.qq.com/connect/",
        "oauth_api_base_url": "https://api.weixin.qq.com/",
    },
    # HMAC key of anonymous reports' query codes (bot/services/reporting/reports.py): kept apart
    # from the database. Empty in dev: derived from app.secret_key; production must set it.
    "security": {
        "query_code_key": "",
    },
}


class ConfigError(ValueError):
    """A config file or variable that cannot be used; the message names it."""


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: dict[str, str] | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Build the effective configuration.

    :param path: TOML file; defaults to ``$HAZARDBOT_CONFIG`` when set.
    :param environ: the environment to read overrides from (tests pass their own).
    :param overrides: applied last, section by section (tests and the CLI use it).
    """
    env = os.environ if environ is None else environ
    config = copy.deepcopy(DEFAULTS)
    path = path or env.get("HAZARDBOT_CONFIG")
    if path:
        try:
            with open(path, "rb") as fh:
                _merge(config, tomllib.load(fh), origin=str(path), typed=True)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    _apply_environ(config, env)
    if overrides:
        _merge(config, overrides, origin="overrides")
    _fill_derived(config)
    _check_media(config["media"])
    return config


def _check_media(media: dict[str, Any]) -> None:
    """A bad storage setting stops start-up, not the first photo download."""
    if media["backend"] not in ("local", "s3"):
        raise ConfigError(f'media.backend must be "local" or "s3", not {media["backend"]!r}')
    if media["backend"] != "s3":
        return
    if not media["s3_bucket"]:
        raise ConfigError('media.backend is "s3" but media.s3_bucket is empty')
    endpoint = media["s3_endpoint_url"]
    if endpoint and not endpoint.startswith(("https://", "http://")):
        raise ConfigError(f"media.s3_endpoint_url must start with https:// or http://, not {endpoint!r}")
    if float(media["s3_timeout"]) <= 0:
        raise ConfigError("media.s3_timeout must be above 0 seconds")


def check_production(config: dict[str, dict[str, Any]]) -> None:
    """Refuse to run outside dev mode with the public dev secrets.

    The dev token and AES key are printed in the README; a live account configured with them
    would accept forged WeChat traffic from anyone who read it.
    """
    if config["app"]["dev_mode"]:
        return
    public = {
        "app.secret_key": config["app"]["secret_key"] == DEFAULTS["app"]["secret_key"],
        "wechat.token": config["wechat"]["token"] == DEV_TOKEN,
        "wechat.encoding_aes_key": config["wechat"]["encoding_aes_key"] == DEV_AES_KEY,
        "wechat.appid": config["wechat"]["appid"] == DEV_APPID,
    }
    unset = [name for name, is_public in public.items() if is_public]
    if not config["wechat"]["secret"]:
        unset.append("wechat.secret")
    if not config["security"]["query_code_key"]:
        unset.append("security.query_code_key")
    if unset:
        raise ConfigError(
            "dev_mode is off but these still have their public dev values or are empty: "
            + ", ".join(unset) + " (set them in the config file or HAZARDBOT_* variables)"
        )


def _merge(
    config: dict[str, dict[str, Any]], data: dict[str, Any], *, origin: str, typed: bool = False
) -> None:
    """Apply ``data`` over ``config``; with ``typed``, a value must have its default's type."""
    for section, values in data.items():
        if section not in config or not isinstance(values, dict):
            raise ConfigError(f"{origin}: unknown section [{section}]")
        for key, value in values.items():
            if key not in config[section]:
                raise ConfigError(f"{origin}: unknown key {section}.{key}")
            if typed:
                value = _check_type(value, DEFAULTS[section][key], f"{origin}: {section}.{key}")
            config[section][key] = value


def _check_type(value: Any, default: Any, name: str) -> Any:
    """A TOML value of the default's type: ``dev_mode = "false"`` must not mean true."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false (no quotes), not {value!r}")
        return value
    if isinstance(default, float) and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(default, int) and isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(default, str) and isinstance(value, str):
        return value
    raise ConfigError(f"{name} must be a {type(default).__name__}, not {value!r}")


def _apply_environ(config: dict[str, dict[str, Any]], env: dict[str, str] | os._Environ[str]) -> None:
    for section, values in config.items():
        for key, default in values.items():
            name = f"HAZARDBOT_{section}_{key}".upper()
            if name in env:
                values[key] = _coerce(env[name], default, name)


def _coerce(raw: str, default: Any, name: str) -> Any:
    """Give an environment string the type of the key's default."""
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name} must be true or false, not {raw!r}")
    try:
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from exc
    return raw


def _fill_derived(config: dict[str, dict[str, Any]]) -> None:
    if not config["security"]["query_code_key"] and config["app"]["dev_mode"]:
        # Dev and tests only (check_production refuses an empty key outside dev mode).
        secret = config["app"]["secret_key"].encode()
        config["security"]["query_code_key"] = hmac.new(
            secret, b"hazardbot query codes", hashlib.sha256).hexdigest()
    instance = Path(config["app"]["instance_dir"]).resolve()
    config["app"]["instance_dir"] = str(instance)
    if not config["database"]["url"]:
        config["database"]["url"] = f"sqlite:///{instance / 'hazardbot.sqlite3'}"
    if not config["media"]["dir"]:
        config["media"]["dir"] = str(instance / "media")
    base = config["wechat"]["api_base_url"]
    if not base.endswith("/"):
        config["wechat"]["api_base_url"] = base + "/"
