"""WeChat web authorization (公众号网页授权) for the console: who is this browser's user.

An officer opens the console inside WeChat (or scans from a PC); WeChat sends him back with
a one-time ``code``, which we exchange for his openid under the Official Account, the same
openid the chat binding recorded. ``snsapi_base`` is enough: we need the openid, not the
profile, so WeChat shows no consent screen.

wechatpy's ``WeChatOAuth`` hard-codes both hosts and sets no HTTP timeout (docs/design.md §7);
this subclass takes them from config so tests can point it at the fake WeChat server.
"""

from __future__ import annotations

from typing import Any

from wechatpy.oauth import WeChatOAuth


class ConsoleOAuth(WeChatOAuth):  # type: ignore[misc]
    """``WeChatOAuth`` with configurable hosts and a timeout on every call."""

    def __init__(
        self, app_id: str, secret: str, redirect_uri: str, *, state: str, oauth_base_url: str,
        api_base_url: str, timeout: float,
    ) -> None:
        super().__init__(app_id, secret, redirect_uri, scope="snsapi_base", state=state)
        self.OAUTH_BASE_URL = oauth_base_url if oauth_base_url.endswith("/") else oauth_base_url + "/"
        self.API_BASE_URL = api_base_url if api_base_url.endswith("/") else api_base_url + "/"
        self.timeout = timeout

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        return super()._request(method, url_or_endpoint, **kwargs)
