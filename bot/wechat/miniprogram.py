"""Mini-program login: a ``wx.login()`` code traded for the user's openid (``jscode2session``).

Through wechatpy's ``WeChatWxa.code_to_session``, on our client (bot/wechat/client.py) so the
call goes to the configured API host with a timeout. Two wechatpy details are handled here:
``WeChatWxa`` hard-codes ``https://api.weixin.qq.com/`` as its base (the ``sns/`` path sits
beside ``cgi-bin/``, so we point it at the root of ``wechat.api_base_url``), and wechatpy adds
an access token to every call, although ``jscode2session`` needs none: fetching one would
cost a token call per login and rotate the mini-program's token, so the parameter is sent
empty-handed (``requests`` drops a ``None`` parameter).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from wechatpy.exceptions import WeChatClientException

from bot.services.platform.ports import DeliveryError, RecipientRefused
from bot.wechat.client import HazardWeChatClient

WXA_DEFAULT_BASE = "https://api.weixin.qq.com/"
# subscribeMessage.send: 43101 "user refuse to accept the msg" (no consent left on WeChat's side).
USER_REFUSED_ERRCODE = 43101
# jscode2session errcodes that mean "this code is no good" (the user's fault, not ours):
# 40029 invalid code, 40163 code already used, 40226 high-risk user blocked by WeChat.
BAD_CODE_ERRCODES = frozenset({40029, 40163, 40226})


@dataclass(frozen=True)
class MiniProgramIdentity:
    openid: str
    unionid: str | None


class LoginRefused(Exception):
    """WeChat said the code is invalid or used: the client should call wx.login() again."""


class LoginUnavailable(Exception):
    """WeChat could not be asked (network, misconfiguration): try again later."""


class MiniProgramLogin(Protocol):
    def code_to_session(self, code: str) -> MiniProgramIdentity: ...


class MiniProgramClient(HazardWeChatClient):
    """Our client for the mini-program's appid, with the wxa base moved to our API host."""

    def __init__(self, appid: str, secret: str, *, api_base_url: str, timeout: float, **sharing: Any) -> None:
        super().__init__(appid, secret, api_base_url=api_base_url, timeout=timeout, **sharing)
        root = self.API_BASE_URL
        self.wxa_base_url = root[: -len("cgi-bin/")] if root.endswith("cgi-bin/") else root

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        if kwargs.get("api_base_url") == WXA_DEFAULT_BASE:
            kwargs["api_base_url"] = self.wxa_base_url
        if url_or_endpoint == "sns/jscode2session":
            kwargs.setdefault("params", {}).setdefault("access_token", None)
        return super()._request(method, url_or_endpoint, **kwargs)


class WeChatMiniProgramLogin:
    """The live login: ``client.wxa.code_to_session``."""

    def __init__(self, client: MiniProgramClient) -> None:
        self.client = client

    def code_to_session(self, code: str) -> MiniProgramIdentity:
        try:
            result = self.client.wxa.code_to_session(code)
        except WeChatClientException as exc:
            if exc.errcode in BAD_CODE_ERRCODES:
                raise LoginRefused(str(exc)) from exc
            raise LoginUnavailable(str(exc)) from exc
        except requests.RequestException as exc:
            raise LoginUnavailable(str(exc)) from exc
        openid = result.get("openid") if isinstance(result, dict) else None
        if not isinstance(openid, str) or not 1 <= len(openid) <= 60:
            raise LoginUnavailable(f"jscode2session gave no openid: {result!r:.200}")
        unionid = result.get("unionid")
        return MiniProgramIdentity(openid, unionid if isinstance(unionid, str) and unionid else None)


class DevMiniProgramLogin:
    """Dev mode: any code logs in, the same code always as the same person (no WeChat)."""

    def code_to_session(self, code: str) -> MiniProgramIdentity:
        return MiniProgramIdentity("dev-" + hashlib.sha256(code.encode()).hexdigest()[:24], None)


class UnconfiguredMiniProgramLogin:
    """Live mode without ``api.miniprogram_appid``: login answers "unavailable"."""

    def code_to_session(self, code: str) -> MiniProgramIdentity:
        raise LoginUnavailable("api.miniprogram_appid / miniprogram_secret are not configured")


class WeChatSubscribeSender:
    """Subscribe messages through ``client.wxa.send_subscribe_message`` (the mini-program's own
    access token, fetched from ``{api_base_url}token`` with its appid and secret)."""

    def __init__(self, client: MiniProgramClient) -> None:
        self.client = client

    def send_subscribe(
        self, touser: str, template_id: str, data: dict[str, dict[str, str]], page: str | None
    ) -> None:
        try:
            self.client.wxa.send_subscribe_message(touser, template_id, data, page=page or None)
        except WeChatClientException as exc:
            if exc.errcode == USER_REFUSED_ERRCODE:
                raise RecipientRefused(f"WeChat {exc.errcode}: the user refused this subscribe message "
                                       "(no consent left on WeChat's side)") from exc
            raise DeliveryError(f"WeChat refused or failed (subscribe): {exc}") from exc
        except requests.RequestException as exc:
            raise DeliveryError(f"WeChat refused or failed (subscribe): {exc}") from exc
