"""Dev mode's PicUrl download is no way into the internal network (server-side request forgery).

Whoever can post to ``/wechat`` in dev mode chooses the PicUrl. These tests hand the fetcher
the URLs an attacker would: loopback in its many spellings, private, link-local, metadata and
multicast addresses, other schemes, and a redirect from a server the fetcher may reach. A tiny
HTTP server on 127.0.0.1 (tests/common/counting_server.py) counts every request it gets, so
"not fetched" means no request arrived, not merely that an error came back. Through chat, as
a forger sends it, the same refusal is in tests/e2e/test_dev_picurl.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.dev.adapters import DevMediaFetcher
from bot.dev.fetch import FetchRefused
from bot.models import DevMedia
from bot.services.platform.clock import utcnow
from bot.services.platform.ports import MediaFetchError
from tests.common.counting_server import CountingServer, counting_server
from tests.common.counting_server import small_jpeg as jpeg


@pytest.fixture
def server() -> Iterator[CountingServer]:
    with counting_server() as srv:
        yield srv


@pytest.fixture
def fetcher(factory: sessionmaker[Session]) -> DevMediaFetcher:
    """As bot.wiring builds it: no origin is allowed beyond the public internet."""
    return DevMediaFetcher(factory, max_bytes=64 * 1024, timeout=5)


def refused(fetcher: DevMediaFetcher, url: str) -> str:
    started = time.monotonic()
    with pytest.raises(FetchRefused) as info:
        fetcher.fetch("MEDIA_UNKNOWN", pic_url=url)
    # Refused before any connection: no wait for a timeout towards an unreachable address.
    assert time.monotonic() - started < 2, url
    return str(info.value)


@pytest.mark.parametrize("spelling", [
    "127.0.0.1", "localhost", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.0.0.2",
    "0.0.0.0", "[::ffff:127.0.0.1]", "[::1]", "LOCALHOST",
])
def test_loopback_in_any_spelling_is_not_fetched(
    fetcher: DevMediaFetcher, server: CountingServer, spelling: str
) -> None:
    message = refused(fetcher, f"http://{spelling}:{server.port}/photo.jpg")
    assert "non-public address" in message
    assert server.total == 0


@pytest.mark.parametrize("address", [
    "10.0.0.1", "10.255.255.254", "172.16.0.1", "192.168.1.1", "169.254.169.254", "169.254.0.1",
    "100.64.0.1", "192.0.0.1", "198.18.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255",
    "[fd00::1]", "[fe80::1]", "[::]", "[::ffff:10.0.0.1]", "[::ffff:169.254.169.254]",
])
def test_private_link_local_and_other_inner_addresses_are_refused_before_connecting(
    fetcher: DevMediaFetcher, address: str
) -> None:
    assert "non-public address" in refused(fetcher, f"http://{address}/latest/meta-data/")


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "ftp://127.0.0.1/x.jpg", "gopher://127.0.0.1:6379/_INFO",
    "dict://127.0.0.1:11211/", "http://user:pass@example.com/x.jpg", "http:///x.jpg",
    "http://example.com:99999/x.jpg", "//example.com/x",
])
def test_other_schemes_credentials_and_malformed_urls_are_refused(fetcher: DevMediaFetcher, url: str) -> None:
    refused(fetcher, url)


def test_a_redirect_is_not_followed_even_within_an_allowed_origin(
    factory: sessionmaker[Session], server: CountingServer
) -> None:
    """The first hop may be reached (an allowed origin); where it points is never asked for."""
    fetcher = DevMediaFetcher(factory, max_bytes=64 * 1024, timeout=5, allowed_origins={server.origin})
    assert fetcher.fetch("M1", pic_url=f"{server.origin}/photo.jpg").data == jpeg()  # reachable

    for target in ("/secret", f"{server.origin}/secret", "http://169.254.169.254/latest/meta-data/"):
        server.redirect_to = target
        with pytest.raises(FetchRefused, match="redirect"):
            fetcher.fetch("M2", pic_url=f"{server.origin}/redirect")
    assert server.hits["/redirect"] == 3
    assert server.hits["/secret"] == 0


def test_an_allowed_origin_allows_only_itself(factory: sessionmaker[Session], server: CountingServer) -> None:
    fetcher = DevMediaFetcher(factory, max_bytes=64 * 1024, timeout=5,
                              allowed_origins={f"http://127.0.0.1:{server.port + 1}"})
    with pytest.raises(FetchRefused):
        fetcher.fetch("M", pic_url=f"{server.origin}/photo.jpg")
    assert server.total == 0


def test_a_download_stops_after_max_bytes(factory: sessionmaker[Session], server: CountingServer) -> None:
    fetcher = DevMediaFetcher(factory, max_bytes=100, timeout=5, allowed_origins={server.origin})
    data = fetcher.fetch("M", pic_url=f"{server.origin}/photo.jpg").data
    assert len(data) == 101  # one byte over: the photo check then refuses it as too big


def test_the_simulators_own_upload_is_read_from_the_database_not_over_http(
    fetcher: DevMediaFetcher, factory: sessionmaker[Session], server: CountingServer
) -> None:
    """Its PicUrl is on this app (loopback in dev): served from the upload, no request made."""
    with factory() as s:
        s.add(DevMedia(media_id="dev_abc123", content_type="image/jpeg", data=jpeg(), created_at=utcnow()))
        s.commit()
    by_id = fetcher.fetch("dev_abc123", pic_url=f"{server.origin}/elsewhere.jpg")
    by_url = fetcher.fetch("PEER_MEDIA_1", pic_url=f"{server.origin}/dev/media/dev_abc123")
    assert by_id.data == by_url.data == jpeg()
    assert server.total == 0
    with pytest.raises(FetchRefused):  # an id that is no upload of ours is a URL like any other
        fetcher.fetch("PEER_MEDIA_2", pic_url=f"{server.origin}/dev/media/dev_missing")
    assert server.total == 0


def test_an_unknown_media_id_without_a_url_is_a_fetch_error(fetcher: DevMediaFetcher) -> None:
    with pytest.raises(MediaFetchError):
        fetcher.fetch("MEDIA_NOWHERE")
