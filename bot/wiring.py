"""Choose the adapters for this deployment: live WeChat, or the dev ones (warehouse-style).

``dev_mode`` decides: in dev, messages go to the dev inbox and pictures come from the
simulator; otherwise both go through the WeChat API at ``wechat.api_base_url``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from bot.chat.channel import ChatSettings
from bot.db import session_factory
from bot.services.forms.weekly_tables import ReportLinks
from bot.services.hazards.lifecycle import WorkflowSettings
from bot.services.messaging.outbox import DeliveryPolicy
from bot.services.messaging.subscribe_messages import SubscribeConfigError, SubscribeSettings
from bot.services.platform.ports import MediaFetcher, Messenger, QRCodeIssuer, SubscribeSender
from bot.services.platform.rate_limits import RateLimiter
from bot.services.platform.storage_config import store_from_config
from bot.services.reporting.lookups import QueryGuard, QueryLimits
from bot.services.reporting.media import (
    FETCH_PHOTO,
    FETCH_RECORDING,
    PhotoLimits,
    make_fetch_photo_handler,
    make_fetch_recording_handler,
)
from scheduler.worker import Worker


def init_app(app: Flask) -> None:
    cfg = app.config["HAZARDBOT"]
    factory = session_factory(app)
    redis_client = None
    if cfg["redis"]["url"]:
        from bot.wechat.shared_token import make_redis

        redis_client = make_redis(cfg["redis"]["url"], timeout=float(cfg["redis"]["timeout"]))
    app.extensions["redis"] = redis_client  # /readyz pings it when set
    app.extensions["wechat_rate_limiter"] = _rate_limiter(cfg, redis_client)
    messenger: Messenger
    fetcher: MediaFetcher
    qr_issuer: QRCodeIssuer
    subscriber: SubscribeSender | None = None
    extra_handlers: dict[str, Any] = {}
    if cfg["app"]["dev_mode"]:
        from bot.dev.adapters import DevInboxMessenger, DevMediaFetcher, DevQRCodeIssuer

        messenger = DevInboxMessenger()
        fetcher = DevMediaFetcher(factory, max_bytes=_largest_media(cfg))
        qr_issuer = DevQRCodeIssuer(cfg["app"]["public_base_url"])
    else:
        from bot.wechat.adapters import WeChatMediaFetcher, WeChatMessenger, WeChatQRCodeIssuer
        from bot.wechat.client import HazardWeChatClient

        client = HazardWeChatClient(
            cfg["wechat"]["appid"], cfg["wechat"]["secret"],
            api_base_url=cfg["wechat"]["api_base_url"], timeout=float(cfg["wechat"]["timeout"]),
            **_token_sharing(cfg, redis_client, cfg["wechat"]["appid"]),
        )
        app.extensions["wechat_client"] = client
        messenger = WeChatMessenger(client)
        fetcher = WeChatMediaFetcher(client, max_bytes=_largest_media(cfg))
        qr_issuer = WeChatQRCodeIssuer(client)
        subscriber = _subscribe_sender(cfg, redis_client)
        # Officers' and managers' menus: a role change queues a tag sync (bot/data/menus.toml).
        from bot.services.messaging.menu_tags import SYNC_MENU_TAG, make_sync_menu_tag_handler, watch_roles
        from bot.wechat.adapters import WeChatUserTagger

        watch_roles(factory)
        extra_handlers[SYNC_MENU_TAG] = make_sync_menu_tag_handler(WeChatUserTagger(client))
    app.extensions["qr_issuer"] = qr_issuer
    app.extensions["subscribe_sender"] = subscriber
    # The workflow's numbers (受理时限, reward rule), checked at start-up, not at first use.
    app.extensions["workflow_settings"] = WorkflowSettings.from_config(cfg)
    app.extensions["query_guard"] = query_guard(cfg, factory)  # 查询 in chat and the API

    # Every reader and writer of evidence bytes uses this one store ([media] backend).
    app.extensions["media_store"] = store = store_from_config(cfg["media"])
    limits = PhotoLimits(
        media_dir=Path(cfg["media"]["dir"]), store=store, max_bytes=cfg["media"]["max_bytes"],
        max_pixels=cfg["media"]["max_pixels"], max_voice_bytes=cfg["media"]["max_voice_bytes"],
        max_video_bytes=cfg["media"]["max_video_bytes"],
    )
    idle = timedelta(minutes=cfg["dialogue"]["idle_minutes"])
    inspection_idle = timedelta(minutes=cfg["dialogue"]["inspection_idle_minutes"])
    draft = timedelta(hours=cfg["dialogue"]["draft_hours"])  # a draft kept this long
    app.extensions["report_links"] = ReportLinks.from_config(cfg)
    app.extensions["chat_settings"] = ChatSettings(
        idle=idle,
        draft=draft,
        inspection_idle=inspection_idle,
        max_photos=cfg["dialogue"]["max_photos"],
        max_description_chars=cfg["dialogue"]["max_description_chars"],
        workflow=app.extensions["workflow_settings"],
        links=app.extensions["report_links"],
        public_base_url=cfg["app"]["public_base_url"].rstrip("/"),
        queries=app.extensions["query_guard"],
    )
    policy = delivery_policy(cfg)
    # The API tells the mini-program which of these templates to ask each person to allow.
    app.extensions["subscribe_settings"] = policy.subscribe
    worker = Worker(
        factory, {FETCH_PHOTO: make_fetch_photo_handler(fetcher, limits),
                  FETCH_RECORDING: make_fetch_recording_handler(fetcher, limits), **extra_handlers},
        messenger,
        poll_seconds=cfg["jobs"]["poll_seconds"], max_attempts=cfg["jobs"]["max_attempts"],
        backoff_seconds=cfg["jobs"]["backoff_seconds"],
        backoff_max_seconds=cfg["jobs"]["backoff_max_seconds"], dialogue_idle=draft,
        inspection_idle=inspection_idle,
        policy=policy, subscriber=subscriber,
    )
    app.extensions["worker"] = worker
    app.extensions["job_runner"] = _Runner(worker, in_process=cfg["jobs"]["in_process"])


def _largest_media(cfg: dict[str, Any]) -> int:
    """What a download may hold: the largest cap of any evidence kind (each job checks its own)."""
    media = cfg["media"]
    return int(max(media["max_bytes"], media["max_voice_bytes"], media["max_video_bytes"]))


def query_guard(cfg: dict[str, Any], factory: Any) -> QueryGuard:
    """Failed lookups counted per user and address, in Redis when there is one ([queries])."""
    limits = QueryLimits.from_config(cfg)
    limiter = RateLimiter(
        factory, secret=cfg["app"]["secret_key"], window_seconds=limits.window_seconds,
        redis_url=cfg["redis"]["url"], prefix=f'{cfg["redis"]["key_prefix"]}:rl:',
    )
    return QueryGuard(limiter, limits)


def delivery_policy(cfg: dict[str, Any]) -> DeliveryPolicy:
    """The outbox's channel rules (live WeChat only) and quiet hours, from [outbox]."""
    from bot.services.reminders.settings import QUIET_KINDS, parse_hhmm

    out = cfg["outbox"]
    return DeliveryPolicy(
        windowed=not cfg["app"]["dev_mode"],
        service_window=timedelta(hours=out["service_window_hours"]),
        window_quota=out["service_window_max_messages"],
        template_id=out["template_id"],
        templates={kind: tid for kind, tid in cfg["templates"].items() if tid},
        quiet_start=parse_hhmm(out["quiet_start"], "outbox.quiet_start") if out["quiet_start"] else None,
        quiet_end=parse_hhmm(out["quiet_end"], "outbox.quiet_end") if out["quiet_end"] else None,
        quiet_kinds=QUIET_KINDS,
        subscribe=subscribe_settings(cfg),
    )


def _rate_limiter(cfg: dict[str, Any], redis_client: Any) -> Any:
    """Per-user message limit on /wechat: shared through Redis when there is one."""
    from bot.wechat.ratelimit import MemoryRateLimiter, NoRateLimit, RedisRateLimiter

    limit = int(cfg["wechat"]["max_messages_per_minute"])
    if limit <= 0:
        return NoRateLimit()
    if redis_client is not None:
        return RedisRateLimiter(redis_client, limit, key_prefix=cfg["redis"]["key_prefix"])
    return MemoryRateLimiter(limit)


def subscribe_settings(cfg: dict[str, Any]) -> SubscribeSettings:
    """The mini-program's subscribe templates per kind of message ([api] subscribe_*)."""
    from bot.config import ConfigError

    try:
        settings = SubscribeSettings.from_config(cfg["api"])
    except SubscribeConfigError as exc:
        raise ConfigError(str(exc)) from exc
    # Consents are recorded only for listed ids (when listed): an unlisted template could
    # never be allowed, so its messages would silently never go out.
    listed = {t.strip() for t in cfg["api"]["subscribe_template_ids"].split(",") if t.strip()}
    if listed and settings.template_ids() - listed:
        raise ConfigError("api.subscribe_template_ids must list the subscribe_* templates too: "
                          + ", ".join(sorted(settings.template_ids() - listed)))
    return settings


def _token_sharing(cfg: dict[str, Any], redis_client: Any, appid: str) -> dict[str, Any]:
    """With Redis, every worker and machine uses one access token per appid, refreshed by one
    process at a time; without it each process keeps its own."""
    if redis_client is None:
        return {}
    from bot.wechat.shared_token import shared_token

    token = shared_token(
        redis_client, key_prefix=cfg["redis"]["key_prefix"], appid=appid,
        http_timeout=float(cfg["wechat"]["timeout"]),
    )
    return {"session": token.storage, "token_lock": token.lock}


def _subscribe_sender(cfg: dict[str, Any], redis_client: Any) -> SubscribeSender | None:
    """Subscribe messages go through the mini-program's own client (its appid, its token)."""
    api = cfg["api"]
    if not (api["miniprogram_appid"] and api["miniprogram_secret"]):
        return None
    from bot.wechat.miniprogram import MiniProgramClient, WeChatSubscribeSender

    return WeChatSubscribeSender(MiniProgramClient(
        api["miniprogram_appid"], api["miniprogram_secret"],
        api_base_url=cfg["wechat"]["api_base_url"], timeout=float(cfg["wechat"]["timeout"]),
        **_token_sharing(cfg, redis_client, api["miniprogram_appid"]),
    ))


class _Runner:
    """Starts the in-process worker on first use (not at import: CLI commands need none)."""

    def __init__(self, worker: Worker, *, in_process: bool) -> None:
        self.worker = worker
        self.in_process = in_process

    def wake(self) -> None:
        if self.in_process:
            self.worker.start_background()
            self.worker.wake()
