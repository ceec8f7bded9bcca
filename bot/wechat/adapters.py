"""Live adapters for the ports in ``bot/services/platform/ports.py``, over our wechatpy client."""

from __future__ import annotations

from typing import Any

import requests
from wechatpy.exceptions import WeChatClientException

from bot.services.messaging.menu_tags import TagError
from bot.services.platform.ports import (
    DeliveryError,
    FetchedMedia,
    IssuedQRCode,
    MediaFetchError,
    QRCodeIssueError,
)
from bot.wechat.client import HazardWeChatClient


class WeChatMessenger:
    """Customer-service text messages (allowed within 48 h of the user's last message)."""

    channel = "wechat"

    def __init__(self, client: HazardWeChatClient) -> None:
        self.client = client

    def send_text(self, openid: str, text: str) -> None:
        try:
            self.client.message.send_text(openid, text)
        except (WeChatClientException, requests.RequestException) as exc:
            raise DeliveryError(f"WeChat refused or failed: {exc}") from exc

    def send_template(self, openid: str, template_id: str, text: str) -> None:
        """A template message, for users outside the 48-hour window: the first line goes in
        ``first``, the rest in ``remark`` (the template must have both fields)."""
        first, _, rest = text.partition("\n")
        data = {"first": {"value": first}, "remark": {"value": rest or " "}}
        try:
            self.client.message.send_template(openid, template_id, data)
        except (WeChatClientException, requests.RequestException) as exc:
            raise DeliveryError(f"WeChat refused or failed (template): {exc}") from exc


class WeChatMediaFetcher:
    """Downloads temporary media by id (WeChat keeps it for 3 days)."""

    def __init__(self, client: HazardWeChatClient, *, max_bytes: int) -> None:
        self.client = client
        self.max_bytes = max_bytes

    def fetch(self, media_id: str, *, pic_url: str | None = None) -> FetchedMedia:
        try:
            # ``client.media.download`` goes through a deprecated wechatpy path; same call.
            res = self.client.get("media/get", params={"media_id": media_id})
        except (WeChatClientException, requests.RequestException) as exc:
            raise MediaFetchError(f"media {media_id}: {exc}") from exc
        if isinstance(res, dict) and isinstance(res.get("video_url"), str):
            # A video is not in the answer: WeChat gives the address to download it from.
            return self._video(media_id, res["video_url"])
        if not isinstance(res, requests.Response):
            raise MediaFetchError(f"media {media_id}: unexpected answer {res!r:.200}")
        if len(res.content) > self.max_bytes:
            # Still hand it over: the photo check refuses it with a message for the user.
            return FetchedMedia(res.content[: self.max_bytes + 1], res.headers.get("Content-Type", ""))
        return FetchedMedia(res.content, res.headers.get("Content-Type", ""))

    def _video(self, media_id: str, url: str) -> FetchedMedia:
        """Stream the video from WeChat's address, reading at most one byte over the cap
        (the video check refuses it then, with a message for the sender)."""
        data = bytearray()
        try:
            with requests.get(url, stream=True, timeout=30, allow_redirects=False) as res:
                res.raise_for_status()
                for chunk in res.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > self.max_bytes:
                        break
                content_type = res.headers.get("Content-Type", "")
        except requests.RequestException as exc:
            raise MediaFetchError(f"video {media_id}: {exc}") from exc
        return FetchedMedia(bytes(data[: self.max_bytes + 1]), content_type)


class WeChatQRCodeIssuer:
    """Permanent parametric codes (QR_LIMIT_STR_SCENE): a scan opens our official account; and
    temporary ones (QR_STR_SCENE) for signing in to the console.

    The answer's ``url`` is what WeChat's own QR image encodes; we draw it ourselves, so the
    hard-coded ``showqrcode`` host (mp.weixin.qq.com) is never called. Permanent codes are
    limited (100,000 per account), hence the caching on the code row by the caller.
    """

    channel = "wechat"

    def __init__(self, client: HazardWeChatClient) -> None:
        self.client = client

    def issue(self, *, token: str, scene: str) -> IssuedQRCode:
        data = {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}}
        return self._create(data, what=f"qrcode/create for {scene}")

    def issue_temporary(self, *, scene: str, expire_seconds: int) -> IssuedQRCode:
        """A temporary code (QR_STR_SCENE) for the console's scan-to-sign-in: no quota to
        spend (unlike permanent ones), void by itself after ``expire_seconds``."""
        data = {"action_name": "QR_STR_SCENE", "expire_seconds": int(expire_seconds),
                "action_info": {"scene": {"scene_str": scene}}}
        return self._create(data, what="qrcode/create (temporary)")

    def _create(self, data: dict[str, Any], *, what: str) -> IssuedQRCode:
        """``qrcode/create``; a failed call or an answer without url and ticket is a
        QRCodeIssueError named ``what``."""
        try:
            res = self.client.qrcode.create(data)
        except (WeChatClientException, requests.RequestException) as exc:
            raise QRCodeIssueError(f"{what}: {exc}") from exc
        url, ticket = (res.get("url"), res.get("ticket")) if isinstance(res, dict) else (None, None)
        if not isinstance(url, str) or not url or not isinstance(ticket, str) or not ticket:
            raise QRCodeIssueError(f"{what}: unexpected answer {res!r:.200}")
        return IssuedQRCode(url=url, ticket=ticket)


class WeChatUserTagger:
    """User tags (``tags/*``), which the officers' and managers' conditional menus match.

    Tag ids are looked up by name (``tags/get``) and created when missing, so the worker can
    tag a person before anyone ran ``flask wechat menu push``; they are cached per process.
    """

    def __init__(self, client: HazardWeChatClient) -> None:
        self.client = client
        self._ids: dict[str, int] = {}

    def tag_ids(self, names: tuple[str, ...]) -> dict[str, int]:
        """The id of each tag named, creating those WeChat does not have yet."""
        if any(name not in self._ids for name in names):
            try:
                known = {t["name"]: int(t["id"]) for t in self.client.tag.get()}
                for name in names:
                    if name not in known:
                        known[name] = int(self.client.tag.create(name)["id"])
            except (WeChatClientException, requests.RequestException, KeyError, TypeError) as exc:
                raise TagError(f"tags/get or tags/create: {exc}") from exc
            self._ids.update(known)
        return {name: self._ids[name] for name in names}

    def set_menu_tag(self, openid: str, tag: str | None, *, all_tags: tuple[str, ...]) -> None:
        """Tag ``openid`` with ``tag`` and untag him from every other of ``all_tags``."""
        ids = self.tag_ids(all_tags)
        try:
            for name, tag_id in ids.items():
                if name != tag:
                    self.client.tag.untag_user(tag_id, [openid])
            if tag is not None:
                self.client.tag.tag_user(ids[tag], [openid])
        except (WeChatClientException, requests.RequestException) as exc:
            self._ids.clear()  # a tag deleted on WeChat's side is looked up again next time
            raise TagError(f"tagging a user: {exc}") from exc
