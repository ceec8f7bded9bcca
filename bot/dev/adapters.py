"""Dev-mode adapters: no WeChat account needed.

Outbound messages go nowhere but the outbox itself, which the simulator shows as the dev
inbox; pictures come from the simulator's uploads (``DevMedia``), or, for an independent
test peer, from the PicUrl it sent (dev mode only: never fetch arbitrary URLs in production).
A PicUrl pointing at one of our own uploads (``/dev/media/<id>``) is read from the database,
never over HTTP; any other is downloaded by ``bot.dev.fetch``, which refuses redirects and
loopback, private, link-local and other non-public addresses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from urllib.parse import urlencode, urlsplit

from sqlalchemy.orm import Session, sessionmaker

from bot.dev.fetch import FetchRefused, download
from bot.models import DevMedia
from bot.services.platform.ports import FetchedMedia, IssuedQRCode, MediaFetchError

log = logging.getLogger(__name__)


class DevInboxMessenger:
    channel = "dev_inbox"

    def send_text(self, openid: str, text: str) -> None:
        log.info("dev inbox → %s: %s", openid, text.replace("\n", " / ")[:200])


# The path of a simulator upload (bot/dev/views.py: media), whatever host the URL names.
_OWN_UPLOAD = re.compile(r"/dev/media/([A-Za-z0-9_-]{1,128})")


class DevMediaFetcher:
    """A picture by its media id: a simulator upload, else the PicUrl under ``bot.dev.fetch``'s rules.

    ``allowed_origins`` (``"http://host:port"``) may be reached even on a non-public address:
    a developer's own image server. Empty by default; redirects are refused regardless.
    """

    def __init__(
        self, session_factory: sessionmaker[Session], *, max_bytes: int, timeout: float = 5,
        allowed_origins: Collection[str] = (),
    ) -> None:
        self.session_factory = session_factory
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.allowed_origins = frozenset(allowed_origins)

    def fetch(self, media_id: str, *, pic_url: str | None = None) -> FetchedMedia:
        own = self._upload(media_id) or self._upload(_own_upload_id(pic_url))
        if own is not None:
            return own
        if not pic_url:
            raise MediaFetchError(f"unknown dev media {media_id}")
        try:
            return download(pic_url, max_bytes=self.max_bytes, timeout=self.timeout,
                            allowed_origins=self.allowed_origins)
        except FetchRefused as exc:
            log.warning("dev media %s: PicUrl refused, nothing fetched: %s", media_id[:64], exc)
            raise

    def _upload(self, media_id: str | None) -> FetchedMedia | None:
        if not media_id:
            return None
        with self.session_factory() as session:
            row = session.get(DevMedia, media_id)
            return FetchedMedia(row.data, row.content_type) if row is not None else None


def _own_upload_id(pic_url: str | None) -> str | None:
    """The media id when ``pic_url`` is the address of a simulator upload (``/dev/media/<id>``)."""
    if not pic_url:
        return None
    try:
        path = urlsplit(pic_url).path
    except ValueError:
        return None
    match = _OWN_UPLOAD.fullmatch(path)
    return match.group(1) if match else None


class DevQRCodeIssuer:
    """Without a WeChat account a code opens our H5 page ``/q/<token>`` instead, and a login
    code opens the simulator, which plays the scan (as the poster's H5 page offers)."""

    channel = "h5"

    def __init__(self, public_base_url: str) -> None:
        self.public_base_url = public_base_url.rstrip("/")

    def issue(self, *, token: str, scene: str) -> IssuedQRCode:
        return IssuedQRCode(url=f"{self.public_base_url}/q/{token}")

    def issue_temporary(self, *, scene: str, expire_seconds: int) -> IssuedQRCode:
        link = f"{self.public_base_url}/dev/simulator?{urlencode({'scene': scene})}"
        return IssuedQRCode(url=link, link=link)
