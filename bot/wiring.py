"""Choose the adapters for this deployment: live WeChat, or the dev ones (warehouse-style).

``dev_mode`` decides: in dev, messages go to the dev inbox and pictures come from the
simulator; otherwise both go through the WeChat API at ``wechat.api_base_url``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from bot.db import session_factory
from bot.services.chat import ChatSettings
from bot.services.lifecycle import WorkflowSettings
from bot.services.media import FETCH_PHOTO, PhotoLimits, make_fetch_photo_handler
from bot.services.outbox import DeliveryPolicy
from bot.services.ports import MediaFetcher, Messenger, QRCodeIssuer
from bot.services.weekly_tables import ReportLinks
from scheduler.worker import Worker


def init_app(app: Flask) -> None:
    cfg = app.config["HAZARDBOT"]
    factory = session_factory(app)
    messenger: Messenger
    fetcher: MediaFetcher
    qr_issuer: QRCodeIssuer
    if cfg["app"]["dev_mode"]:
        from bot.dev.adapters import DevInboxMessenger, DevMediaFetcher, DevQRCodeIssuer

        messenger = DevInboxMessenger()
        fetcher = DevMediaFetcher(factory, max_bytes=cfg["media"]["max_bytes"])
        qr_issuer = DevQRCodeIssuer(cfg["app"]["public_base_url"])
    else:
        from bot.wechat.adapters import WeChatMediaFetcher, WeChatMessenger, WeChatQRCodeIssuer
        from bot.wechat.client import HazardWeChatClient

        client = HazardWeChatClient(
            cfg["wechat"]["appid"], cfg["wechat"]["secret"],
            api_base_url=cfg["wechat"]["api_base_url"], timeout=float(cfg["wechat"]["timeout"]),
        )
        app.extensions["wechat_client"] = client
        messenger = WeChatMessenger(client)
        fetcher = WeChatMediaFetcher(client, max_bytes=cfg["media"]["max_bytes"])
        qr_issuer = WeChatQRCodeIssuer(client)
    app.extensions["qr_issuer"] = qr_issuer
    # The workflow's numbers (受理时限, reward rule), checked at start-up, not at first use.
    app.extensions["workflow_settings"] = WorkflowSettings.from_config(cfg)

    limits = PhotoLimits(
        media_dir=Path(cfg["media"]["dir"]), max_bytes=cfg["media"]["max_bytes"],
        max_pixels=cfg["media"]["max_pixels"],
    )
    idle = timedelta(minutes=cfg["dialogue"]["idle_minutes"])
    app.extensions["report_links"] = ReportLinks.from_config(cfg)
    app.extensions["chat_settings"] = ChatSettings(
        idle=idle,
        max_photos=cfg["dialogue"]["max_photos"],
        max_description_chars=cfg["dialogue"]["max_description_chars"],
        workflow=app.extensions["workflow_settings"],
        links=app.extensions["report_links"],
        public_base_url=cfg["app"]["public_base_url"].rstrip("/"),
    )
    worker = Worker(
        factory, {FETCH_PHOTO: make_fetch_photo_handler(fetcher, limits)}, messenger,
        poll_seconds=cfg["jobs"]["poll_seconds"], max_attempts=cfg["jobs"]["max_attempts"],
        backoff_seconds=cfg["jobs"]["backoff_seconds"], dialogue_idle=idle,
        policy=delivery_policy(cfg),
    )
    app.extensions["worker"] = worker
    app.extensions["job_runner"] = _Runner(worker, in_process=cfg["jobs"]["in_process"])


def delivery_policy(cfg: dict[str, Any]) -> DeliveryPolicy:
    """The outbox's channel rules (live WeChat only) and quiet hours, from [outbox]."""
    from bot.services.reminders import QUIET_KINDS, parse_hhmm

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
    )


class _Runner:
    """Starts the in-process worker on first use (not at import: CLI commands need none)."""

    def __init__(self, worker: Worker, *, in_process: bool) -> None:
        self.worker = worker
        self.in_process = in_process

    def wake(self) -> None:
        if self.in_process:
            self.worker.start_background()
            self.worker.wake()
