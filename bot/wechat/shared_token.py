"""The WeChat access token shared by every process through Redis, refreshed under a lock.

Why (DESIGN pitfall, wechatpy#334/#684): each ``/cgi-bin/token`` call issues a new token and
WeChat soon stops accepting the previous one. N gunicorn workers (plus the scheduler, plus
other machines) each keeping their own token would keep invalidating each other's. So the
token lives in Redis (wechatpy's ``RedisStorage``), and a refresh happens only while holding
a Redis lock: the first process to need a new token fetches it, the others wait on the lock
and then find the new token already stored and use it.

The stored copy expires ``EARLY_REFRESH_SECONDS`` before WeChat's ``expires_in``, so a
refresh happens while the old token still works; a token that WeChat rejects anyway (someone
refreshed it by hand in the console) is replaced through the client's bounded retry.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import redis
from wechatpy.session.redisstorage import RedisStorage

EARLY_REFRESH_SECONDS = 300


@dataclass(frozen=True)
class SharedToken:
    """What a client needs to share its token: the storage and a lock around refreshes."""

    storage: RedisStorage
    lock: Callable[[], AbstractContextManager[Any]]


def make_redis(url: str, *, timeout: float) -> redis.Redis:
    """A Redis client that never waits longer than ``timeout`` to connect or answer."""
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
    )


def shared_token(
    client: redis.Redis, *, key_prefix: str, appid: str, http_timeout: float
) -> SharedToken:
    """Storage under ``<key_prefix>:wechat:`` and a lock named after the appid.

    The lock expires on its own (a refresher killed mid-fetch cannot block the others for
    ever) after two HTTP timeouts, which bounds a token fetch; a waiter gives up after as
    long and then refreshes without the lock rather than failing the user's message.
    """
    prefix = f"{key_prefix}:wechat"
    hold = max(2 * http_timeout + 1, 5)

    def lock() -> AbstractContextManager[Any]:
        # A lock that expired while held (a fetch slower than ``hold``) is not an error on
        # release: the token was stored all the same, and raising would refresh it again.
        return client.lock(
            f"{prefix}:{appid}:token-lock", timeout=hold, blocking_timeout=hold, sleep=0.05,
            raise_on_release_error=False,
        )

    return SharedToken(storage=RedisStorage(client, prefix=prefix), lock=lock)
