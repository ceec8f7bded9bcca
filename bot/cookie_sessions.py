"""Flask's signed-cookie sessions, with the signing serializer built once per key.

Flask builds a new itsdangerous serializer for every request, whether the request uses its
session or not (``/wechat`` and the API never do): that was a sixth of a bare request's CPU
here. The serializer holds nothing but the keys and settings, so one is kept per set of keys
(the secret and its fallbacks) and shared by all threads; a changed key makes a new one.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CookieSessions(SecureCookieSessionInterface):
    """``SecureCookieSessionInterface`` whose serializer is made once for the same keys."""

    def __init__(self) -> None:
        self._made: tuple[Any, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        made = self._made  # one read: another thread may replace it meanwhile
        if made is None or made[0] != keys:
            made = (keys, super().get_signing_serializer(app))
            self._made = made
        return made[1]


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessions()
