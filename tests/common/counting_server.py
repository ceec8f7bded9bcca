"""A tiny HTTP server on 127.0.0.1 that counts the requests for each path.

For tests of what the app must *not* fetch: "not fetched" then means no request arrived,
not merely that an error came back. ``/photo.jpg`` answers a small JPEG, ``/redirect…``
answers 302 to ``redirect_to``, any other path an "internal secret".
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def small_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


class CountingServer:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.redirect_to = "/secret"
        hits, server = self.hits, self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                hits[self.path] += 1
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", server.redirect_to)
                    self.end_headers()
                    return
                body = small_jpeg() if self.path == "/photo.jpg" else b"internal secret"
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self.origin = f"http://127.0.0.1:{self.port}"

    @property
    def total(self) -> int:
        return sum(self.hits.values())


@contextmanager
def counting_server() -> Iterator[CountingServer]:
    srv = CountingServer()
    thread = threading.Thread(target=srv.httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()
        thread.join(timeout=5)
