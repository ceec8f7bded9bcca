"""Ports to the outside world; adapters live in ``bot/wechat`` (live) and ``bot/dev`` (dev mode)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class DeliveryError(Exception):
    """The channel refused or failed; the outbox will retry later."""


@dataclass(frozen=True)
class FetchedMedia:
    data: bytes
    content_type: str


class MediaFetchError(Exception):
    """The media could not be fetched (unknown id, expired after 3 days, network)."""


class Messenger(Protocol):
    """Sends a text message to one WeChat user."""

    channel: str

    def send_text(self, openid: str, text: str) -> None: ...


class MediaFetcher(Protocol):
    """Downloads a picture the user sent, by its WeChat media id."""

    def fetch(self, media_id: str, *, pic_url: str | None = None) -> FetchedMedia: ...


@dataclass(frozen=True)
class IssuedQRCode:
    """What a printed enterprise code encodes: ``url``, plus WeChat's ticket in live mode.

    ``link``: for a temporary login code in dev mode, the simulator page that plays its scan.
    """

    url: str
    ticket: str | None = None
    link: str | None = None


class QRCodeIssueError(Exception):
    """WeChat refused or failed to create the permanent code; nothing was cached."""


class QRCodeIssuer(Protocol):
    """Turns an enterprise code into the text its printed QR image encodes.

    ``channel`` is ``wechat`` (a permanent parametric code: the answer may be cached on the
    code, so WeChat is asked once per code) or ``h5`` (our own page: derived, never cached).
    """

    channel: str

    def issue(self, *, token: str, scene: str) -> IssuedQRCode: ...


class LoginCodeIssuer(Protocol):
    """Issues the temporary code a desk browser shows to sign in to the console by scanning.

    Live: a temporary parametric code of the Official Account (QR_STR_SCENE with
    ``expire_seconds``): WeChat sends us a ``SCAN`` event with ``scene`` when it is scanned.
    Dev mode: a link to the simulator that plays that scan. ``link`` in the answer is what the
    page may offer as a button (dev mode only; None live). Never cached: each code is new.

    :raises QRCodeIssueError: WeChat refused or failed.
    """

    channel: str

    def issue_temporary(self, *, scene: str, expire_seconds: int) -> IssuedQRCode: ...


class RecipientRefused(DeliveryError):
    """The recipient does not accept this message (WeChat 43101: no subscription): retrying
    cannot help, so the outbox keeps it unsent instead of trying again."""


class SubscribeSender(Protocol):
    """Sends a mini-program subscribe message (typed fields of a template, no free text)."""

    def send_subscribe(
        self, touser: str, template_id: str, data: dict[str, dict[str, str]], page: str | None
    ) -> None: ...
