"""Dev-mode adapters: no WeChat account needed.

Outbound messages go nowhere but the outbox itself, which the simulator shows as the dev
inbox; pictures come from the simulator's uploads (``DevMedia``), or, for an independent
test peer, from the PicUrl it sent (dev mode only: never fetch arbitrary URLs in production).
"""

from __future__ import annotations

import logging

import requests
from sqlalchemy.orm import Session, sessionmaker

from bot.models import DevMedia
from bot.services.platform.ports import FetchedMedia, IssuedQRCode, MediaFetchError

log = logging.getLogger(__name__)


class DevInboxMessenger:
    channel = "dev_inbox"

    def send_text(self, openid: str, text: str) -> None:
        log.info("dev inbox → %s: %s", openid, text.replace("\n", " / ")[:200])


class DevMediaFetcher:
    def __init__(self, session_factory: sessionmaker[Session], *, max_bytes: int, timeout: float = 5) -> None:
        self.session_factory = session_factory
        self.max_bytes = max_bytes
        self.timeout = timeout

    def fetch(self, media_id: str, *, pic_url: str | None = None) -> FetchedMedia:
        with self.session_factory() as session:
            row = session.get(DevMedia, media_id)
            if row is not None:
                return FetchedMedia(row.data, row.content_type)
        if pic_url and pic_url.startswith(("http://", "https://")):
            return self._download(pic_url)
        raise MediaFetchError(f"unknown dev media {media_id}")

    def _download(self, url: str) -> FetchedMedia:
        try:
            with requests.get(url, timeout=self.timeout, stream=True) as res:
                res.raise_for_status()
                data = res.raw.read(self.max_bytes + 1, decode_content=True)
                return FetchedMedia(data, res.headers.get("Content-Type", ""))
        except requests.RequestException as exc:
            raise MediaFetchError(f"cannot fetch {url}: {exc}") from exc


class DevQRCodeIssuer:
    """Without a WeChat account a code opens our H5 page ``/q/<token>`` instead."""

    channel = "h5"

    def __init__(self, public_base_url: str) -> None:
        self.public_base_url = public_base_url.rstrip("/")

    def issue(self, *, token: str, scene: str) -> IssuedQRCode:
        return IssuedQRCode(url=f"{self.public_base_url}/q/{token}")
