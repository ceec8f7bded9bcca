"""Our wechatpy client: a configurable API host, a timeout on every call, one bounded retry.

Why a subclass (DESIGN pitfall "hard-coded URLs"): wechatpy 1.8.18 hard-codes
``https://api.weixin.qq.com/cgi-bin/token`` in ``WeChatClient.fetch_access_token`` and
``.../cgi-bin/media/get`` in ``WeChatMedia.get_url``, so tests (and a relay proxy in
production) could not point the client elsewhere; and it defaults to ``timeout=None`` and
never passes a timeout when fetching the token, so one stalled connection would hang a
worker forever. Its token auto-retry also recurses without bound when WeChat keeps rejecting
the token (two processes refreshing in turn); we retry once.

Tokens live in ``session`` (a wechatpy storage), one per process by default. In production
they are shared through Redis (``bot/wechat/shared_token.py``): pass its storage as
``session=`` and its lock as ``token_lock=``; refreshes then happen one at a time across all
processes, and a process that waited for the lock uses the token the winner stored instead
of fetching yet another one (which would invalidate the winner's).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import urlencode

import requests
from wechatpy import WeChatClient
from wechatpy.client.api import WeChatMedia
from wechatpy.constants import WeChatErrorCode
from wechatpy.exceptions import WeChatClientException

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.weixin.qq.com/cgi-bin/"

# The errcodes after which wechatpy refreshes the token and retries the call.
TOKEN_ERRCODES = frozenset(
    {
        WeChatErrorCode.INVALID_CREDENTIAL.value,  # 40001
        WeChatErrorCode.INVALID_ACCESS_TOKEN.value,  # 40014
        WeChatErrorCode.EXPIRED_ACCESS_TOKEN.value,  # 42001
    }
)
# One refresh-and-retry per call: enough for a token another process rotated, and it cannot
# ping-pong forever with a process that keeps rotating it back.
MAX_TOKEN_RETRIES = 1


class _TimeoutSession(requests.Session):
    """A session that never waits forever: wechatpy's token fetch passes no timeout at all."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


class HazardMedia(WeChatMedia):
    """``get_url`` hard-codes api.weixin.qq.com; ``download`` already uses the client base."""

    def get_url(self, media_id: str) -> str:
        query = urlencode({"access_token": self.access_token, "media_id": media_id})
        return f"{self._client.API_BASE_URL}media/get?{query}"


class HazardWeChatClient(WeChatClient):
    """wechatpy's ``WeChatClient`` whose every call goes to ``api_base_url`` with a timeout."""

    media = HazardMedia()  # wechatpy instantiates class-level APIs per client in __new__

    def __init__(
        self,
        appid: str,
        secret: str,
        *,
        api_base_url: str = DEFAULT_API_BASE_URL,
        timeout: float = 5.0,
        session: Any = None,
        access_token: str | None = None,
        token_lock: Callable[[], AbstractContextManager[Any]] | None = None,
        early_refresh_seconds: int = 300,
    ) -> None:
        if not timeout or timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        super().__init__(
            appid, secret, access_token=access_token, session=session, timeout=timeout
        )
        # Per instance, so two clients (tests, a relay) can target different hosts.
        self.API_BASE_URL = api_base_url.rstrip("/") + "/"
        self._http = _TimeoutSession(timeout)
        self._retry_depth = threading.local()
        self._rejected = threading.local()  # the token WeChat just refused, during a retry
        self._token_lock = token_lock
        self._early_refresh = early_refresh_seconds

    def _url(self, endpoint: str) -> str:
        return self.API_BASE_URL + endpoint.lstrip("/")

    @property
    def shared(self) -> bool:
        """Whether the token is shared with other processes (a refresh lock was given)."""
        return self._token_lock is not None

    @property
    def access_token(self) -> str:
        """The stored token, fetched when there is none.

        Shared: the stored copy's own expiry (set early, see ``_fetch_access_token``) decides;
        wechatpy's per-process ``expires_at`` would not know about a token another process
        fetched.
        """
        if not self.shared:
            return super().access_token  # type: ignore[no-any-return]
        token = self.session.get(self.access_token_key)
        if token:
            return token  # type: ignore[no-any-return]
        self.fetch_access_token()
        return self.session.get(self.access_token_key)  # type: ignore[no-any-return]

    def fetch_access_token(self) -> dict[str, Any]:
        """A new token from ``{api_base_url}token``; shared: one refresher at a time.

        Under the lock, a token that is stored and is not the one WeChat just refused was
        put there by another process while we waited: use it rather than fetch again.
        """
        if self._token_lock is None:
            return self._fetch_from_wechat()
        rejected = getattr(self._rejected, "token", None)
        from redis.exceptions import LockError

        try:
            with self._token_lock():
                current = self.session.get(self.access_token_key)
                if current and current != rejected:
                    log.info("using the access token another process refreshed")
                    return {"access_token": current}
                return self._fetch_from_wechat()
        except LockError as exc:
            # Waited two HTTP timeouts: the holder died or Redis is slow. Fetching without
            # the lock may invalidate one other token (the retry repairs that) but answers.
            log.warning("token lock not acquired (%s); refreshing without it", exc)
            return self._fetch_from_wechat()

    def _fetch_from_wechat(self) -> dict[str, Any]:
        """Same as wechatpy's, but at ``{api_base_url}token`` instead of the hard-coded host."""
        return self._fetch_access_token(
            url=self._url("token"),
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )

    def _fetch_access_token(self, url: str, params: dict[str, str]) -> dict[str, Any]:
        result: dict[str, Any] = super()._fetch_access_token(url, params)
        if self.shared:
            # Expire the shared copy early so that the next refresh happens while this token
            # still works (WeChat honours the previous token a few minutes after a refresh).
            expires_in = int(result.get("expires_in", 7200))
            ttl = max(expires_in - self._early_refresh, 60)
            self.session.set(self.access_token_key, result["access_token"], ttl)
            self.expires_at = int(time.time()) + ttl
        return result

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        # Absolute official cgi-bin URLs (hard-coded in some wechatpy APIs) go to our base.
        if url_or_endpoint.startswith(DEFAULT_API_BASE_URL):
            url_or_endpoint = self._url(url_or_endpoint[len(DEFAULT_API_BASE_URL) :])
        return super()._request(method, url_or_endpoint, **kwargs)

    def _handle_result(
        self, res: Any, method: Any = None, url: Any = None, result_processor: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Let wechatpy refresh the token and retry, but only ``MAX_TOKEN_RETRIES`` times."""
        depth = getattr(self._retry_depth, "value", 0)
        if depth >= MAX_TOKEN_RETRIES:
            result = self._decode_result(res) if not isinstance(res, dict) else res
            if isinstance(result, dict) and int(result.get("errcode", 0)) in TOKEN_ERRCODES:
                raise WeChatClientException(
                    int(result["errcode"]),
                    result.get("errmsg"),
                    client=self,
                    request=getattr(res, "request", None),
                    response=res if isinstance(res, requests.Response) else None,
                )
        self._retry_depth.value = depth + 1
        params = kwargs.get("params")
        self._rejected.token = params.get("access_token") if isinstance(params, dict) else None
        try:
            return super()._handle_result(res, method, url, result_processor, **kwargs)
        finally:
            self._retry_depth.value = depth
            self._rejected.token = None
