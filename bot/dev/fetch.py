"""Dev mode's picture download from a PicUrl, without becoming a way into the internal network.

In dev mode an image message's PicUrl is fetched when the MediaId is not one of the
simulator's uploads (an independent test peer sends its own). Whoever can post to
``/wechat`` chooses that URL, so a naive GET is server-side request forgery: it would read
``http://127.0.0.1:6379``, a cloud metadata service at ``169.254.169.254`` or anything on the
office network, and a redirect from a harmless-looking host would lead there too. So:

- only ``http`` and ``https``, no user name or password in the URL;
- the host is resolved once and **every** address must be global (not loopback, private,
  link-local, shared, reserved, multicast or unspecified; IPv4-mapped IPv6 is judged as
  its IPv4), unless the origin is in ``allowed_origins`` (a developer's own image server;
  empty by default);
- the connection goes to the address that was checked, not to a second lookup of the name,
  so a DNS answer that changes between check and use (rebinding) gains nothing; for HTTPS
  the certificate is still checked against the host name;
- redirects are never followed, not even to an allowed origin: a 3xx is a refusal;
- no ``Accept-Encoding`` is sent, at most ``max_bytes + 1`` bytes are read, and the whole
  download has one deadline, so a trickling server cannot hold the worker.

A refusal raises :class:`FetchRefused` (a ``MediaFetchError``): the photo job treats it as any
failed download and the sender is told the photo could not be used.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.services.platform.ports import FetchedMedia, MediaFetchError

log = logging.getLogger(__name__)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_CHUNK = 64 * 1024
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchRefused(MediaFetchError):
    """The URL may not be fetched at all (scheme, address, redirect); nothing was requested,
    or, for a redirect, nothing beyond the first response."""


@dataclass(frozen=True)
class Target:
    """A URL taken apart: where to connect and what to ask for."""

    scheme: str
    host: str
    port: int
    host_header: str
    path: str

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host_header}"


def parse(url: str) -> Target:
    """Check the URL's form; refuse anything but plain http(s) to a named host."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchRefused(f"malformed URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise FetchRefused(f"scheme {scheme or '(none)'} not allowed")
    if not parts.hostname:
        raise FetchRefused("URL without a host")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("credentials in the URL are not allowed")
    port = port or _DEFAULT_PORTS[scheme]
    host_header = parts.netloc.rsplit("@", 1)[-1]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, parts.hostname, port, host_header, path)


def is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet (what a PicUrl may point at)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve(target: Target) -> list[IPAddress]:
    """Every address the host name stands for (an IP literal stands for itself)."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise MediaFetchError(f"cannot resolve {target.host}: {exc}") from None
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])  # drop an IPv6 zone
        if address not in addresses:
            addresses.append(address)
    return addresses


def checked_addresses(target: Target, allowed_origins: Collection[str]) -> list[IPAddress]:
    """The addresses to connect to; refuses if any one of them is not public."""
    addresses = resolve(target)
    if not addresses:
        raise MediaFetchError(f"no address for {target.host}")
    if target.origin in allowed_origins:
        return addresses
    inner = [str(a) for a in addresses if not is_public(a)]
    if inner:
        raise FetchRefused(f"{target.host} resolves to a non-public address ({', '.join(inner)})")
    return addresses


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with SNI and the certificate check on the host name."""

    def __init__(self, address: str, port: int, *, server_hostname: str, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self._server_hostname = server_hostname

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_hostname)  # type: ignore[attr-defined]


def _connection(target: Target, address: IPAddress, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPSConnection(str(address), target.port, server_hostname=target.host, timeout=timeout)
    return http.client.HTTPConnection(str(address), target.port, timeout=timeout)


def download(
    url: str, *, max_bytes: int, timeout: float, allowed_origins: Collection[str] = ()
) -> FetchedMedia:
    """GET ``url`` under the rules above; ``FetchRefused`` or ``MediaFetchError`` otherwise."""
    target = parse(url)
    addresses = checked_addresses(target, allowed_origins)
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    for address in addresses:
        conn = _connection(target, address, timeout)
        try:
            conn.request("GET", target.path, headers={
                "Host": target.host_header, "User-Agent": "hazardbot-dev-fetch", "Accept": "image/*",
            })
            response = conn.getresponse()
            if 300 <= response.status < 400:
                raise FetchRefused(f"redirect ({response.status}) not followed")
            if response.status != 200:
                raise MediaFetchError(f"HTTP {response.status}")
            data = _read(response, max_bytes + 1, deadline)
            return FetchedMedia(data, response.getheader("Content-Type", "") or "")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            last_error = exc  # this address failed to answer: try the next one
        finally:
            conn.close()
    raise MediaFetchError(f"cannot fetch from {target.host}: {last_error}")


def _read(response: http.client.HTTPResponse, limit: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        if time.monotonic() > deadline:
            raise MediaFetchError("download took too long")
        chunk = response.read(min(_CHUNK, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
