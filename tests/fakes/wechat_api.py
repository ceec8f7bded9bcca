"""A fake WeChat API server: a real HTTP server on 127.0.0.1 for the outbound client's tests.

Real HTTP (not a mocked ``requests``) so that timeouts, status codes, headers and the
client's URL building are exercised as in production. It keeps WeChat's token rule that
matters most to us: each /token call issues a new token and only the latest one is valid,
which is what happens when another process refreshes it (real WeChat keeps the old token
alive for ~5 minutes; being stricter here makes the refresh path easy to hit).
"""

from __future__ import annotations

import io
import itertools
import json
import secrets
import socket
import threading
from typing import Any, NamedTuple

import qrcode
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.fakes.wechat_menus import MenusAndTags

ERRMSGS = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40007: "invalid media_id",
    40097: "invalid args",
    40029: "invalid code",
    40125: "invalid appsecret",
    41001: "access_token missing",
    43101: "user refuse to accept the msg",
    45015: "response out of time limit",
    47001: "data format error",
}
_EXTENSIONS = {
    "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "audio/amr": "amr",
    "audio/mpeg": "mp3", "audio/ogg": "ogg", "video/mp4": "mp4",
}


def free_port() -> int:
    """A port free right now (the server itself binds port 0, which has no race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Call(NamedTuple):
    """One request the fake received; unpacks as (method, path, query, json)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # one access-log line per call would drown the test output


def _json(payload: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(payload, ensure_ascii=False)
    return Response(body, status=status, content_type="application/json; charset=utf-8")


def _error(errcode: int, status: int = 200) -> Response:
    return _json({"errcode": errcode, "errmsg": ERRMSGS.get(errcode, "error")}, status)


class FakeWeChatServer(MenusAndTags):
    """Serves /cgi-bin/token, media/get (a video's answer is its ``video_url``, served too),
    message/custom/send, message/template/send,
    qrcode/create and showqrcode (the image of a created code, as mp.weixin.qq.com serves it),
    the menus (menu/create, get, delete, addconditional, delconditional) and user tags
    (tags/create, get, members/batchtagging and batchuntagging, getidlist),
    web authorization (/connect/oauth2/authorize and /sns/oauth2/access_token)
    and the mini-program's /sns/jscode2session and /cgi-bin/message/subscribe/send.
    """

    def __init__(
        self, appid: str = "wxtest", secret: str = "s3cret", *, port: int = 0,
        mini_appid: str = "wxminitest", mini_secret: str = "mini-secret",
    ) -> None:
        self.appid = appid
        self.secret = secret
        # The mini-program is another app with its own credentials (sns/jscode2session).
        self.mini_appid = mini_appid
        self.mini_secret = mini_secret
        self._login_codes: dict[str, dict[str, str]] = {}  # code → {openid, unionid?}
        self._used_codes: set[str] = set()
        self._port = port
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._token: str | None = None
        self._token_seq = itertools.count(1)
        self._msgids = itertools.count(200228332)
        self._media: dict[str, tuple[bytes, str]] = {}
        self._calls: list[Call] = []
        self._sent: list[dict[str, Any]] = []
        self._qrcodes: dict[str, dict[str, Any]] = {}  # ticket → {scene, url, action_name}
        self._fail: tuple[int, int, int] = (0, 200, -1)  # (remaining, status, errcode)
        self._down = False
        self._delay = 0.0
        # Customer-service quota (docs/design.md §7): at most 5 per user after his last message;
        # enforced only for users a test opened a window for (``user_wrote``).
        self._cs_left: dict[str, int] = {}
        self._oauth_user: str | None = None  # who taps "agree" on the authorization page
        self._oauth_codes: dict[str, str] = {}  # one-time code → openid
        self._token_fetches = 0
        self._mini_token_fetches = 0
        # The mini-program's own token (its appid/secret), and WeChat's side of subscribe
        # consents: (openid, template id) → messages still allowed.
        self._mini_token: str | None = None
        self._consents: dict[tuple[str, str], int] = {}
        self._subscribe_sent: list[dict[str, Any]] = []
        # The Official Account's menus and user tags, as WeChat holds them.
        self._init_menus()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._server is not None:
            return
        self._stopping.clear()
        self._server = make_server(
            "127.0.0.1", self._port, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        # A short poll interval keeps stop() (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-wechat-api", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes handlers sleeping in set_delay
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeWeChatServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeWeChatServer is not started")
        return int(self._server.server_port)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cgi-bin/"

    @property
    def root_url(self) -> str:
        """The host root: web authorization lives at connect/ and sns/ under it, not cgi-bin/."""
        return f"http://127.0.0.1:{self.port}/"

    # -- test controls ---------------------------------------------------------------------

    @property
    def access_token(self) -> str | None:
        """The one token the fake currently accepts."""
        with self._lock:
            return self._token

    def add_media(self, media_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        with self._lock:
            self._media[media_id] = (data, content_type)

    def fail_next(self, n: int, *, status: int = 200, errcode: int = -1) -> None:
        """The next ``n`` API calls (not /token) fail: HTTP ``status``, or 200 + ``errcode``."""
        with self._lock:
            self._fail = (n, status, errcode)

    def set_down(self, down: bool = True) -> None:
        """While down, every call (token included) answers HTTP 503."""
        with self._lock:
            self._down = down

    def set_delay(self, seconds: float) -> None:
        """Every call waits ``seconds`` before answering (to test client timeouts)."""
        with self._lock:
            self._delay = seconds

    def authorize_as(self, openid: str | None) -> None:
        """The WeChat user whose browser opens the authorization page (None: nobody signed in)."""
        with self._lock:
            self._oauth_user = openid

    def expire_token(self) -> None:
        """Invalidate the current token, as when another process refreshed it."""
        with self._lock:
            self._token = None

    @property
    def token_fetches(self) -> int:
        """How many tokens were issued so far (each one invalidated the one before)."""
        with self._lock:
            return self._token_fetches

    @property
    def mini_token_fetches(self) -> int:
        """How many tokens were issued to the mini-program's appid."""
        with self._lock:
            return self._mini_token_fetches

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every request received, in order."""
        with self._lock:
            return list(self._calls)

    def sent_messages(self, touser: str | None = None) -> list[dict[str, Any]]:
        """Accepted custom-service and template payloads, in order."""
        with self._lock:
            return [m for m in self._sent if touser is None or m.get("touser") == touser]

    def qrcodes(self) -> dict[str, dict[str, Any]]:
        """Codes created so far: ticket → {"scene", "url", "action_name"}."""
        with self._lock:
            return {ticket: dict(code) for ticket, code in self._qrcodes.items()}

    def add_login_code(self, code: str, openid: str, unionid: str | None = None) -> None:
        """A ``wx.login()`` code that jscode2session will trade, once, for ``openid``."""
        with self._lock:
            self._login_codes[code] = {"openid": openid, **({"unionid": unionid} if unionid else {})}

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self._sent.clear()
            self._subscribe_sent.clear()

    @property
    def mini_access_token(self) -> str | None:
        """The one mini-program token the fake currently accepts."""
        with self._lock:
            return self._mini_token

    def accept_subscription(self, openid: str, template_id: str, times: int = 1) -> None:
        """The mini-program user tapped "allow" for ``template_id`` (``times`` times), as
        WeChat records it: each allows one subscribe message."""
        with self._lock:
            key = (openid, template_id)
            self._consents[key] = self._consents.get(key, 0) + times

    def subscribe_messages(self, touser: str | None = None) -> list[dict[str, Any]]:
        """Accepted subscribe-message payloads, in order."""
        with self._lock:
            return [m for m in self._subscribe_sent if touser is None or m.get("touser") == touser]

    # -- the app ---------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._dispatch(Request(environ))(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        body: Any = None
        if request.method == "POST":
            try:
                body = json.loads(request.get_data() or b"null")
            except ValueError:
                body = None
        query = request.args.to_dict()
        with self._lock:
            self._calls.append(Call(request.method, request.path, query, body))
            down, delay = self._down, self._delay
        if delay:
            self._stopping.wait(delay)
        if down:
            return Response("service unavailable", status=503)
        if request.path == "/cgi-bin/token" and request.method == "GET":
            return self._issue_token(query)
        if request.path == "/sns/jscode2session" and request.method == "GET":
            return self._jscode2session(query)  # authenticated by appid+secret, no token
        if request.path.startswith("/fake-video/") and request.method == "GET":
            return self._video_download(request.path.removeprefix("/fake-video/"))  # a CDN: no token
        if request.path == "/cgi-bin/showqrcode" and request.method == "GET":
            return self._show_qrcode(query)  # needs no access token, as on WeChat
        if request.path == "/connect/oauth2/authorize" and request.method == "GET":
            return self._oauth_authorize(query)
        if request.path == "/sns/oauth2/access_token" and request.method == "GET":
            return self._oauth_access_token(query)
        with self._lock:
            remaining, status, errcode = self._fail
            if remaining > 0:
                self._fail = (remaining - 1, status, errcode)
        if remaining > 0:
            return Response("injected failure", status=status) if status != 200 else _error(errcode)
        if request.path == "/cgi-bin/message/subscribe/send" and request.method == "POST":
            return self._subscribe_send(query, body)  # checks the mini-program's own token
        if not query.get("access_token"):
            return _error(41001)
        if query["access_token"] != self.access_token:
            return _error(40001)
        route = {
            ("GET", "/cgi-bin/media/get"): self._media_get,
            ("POST", "/cgi-bin/message/custom/send"): self._custom_send,
            ("POST", "/cgi-bin/message/template/send"): self._template_send,
            ("POST", "/cgi-bin/qrcode/create"): self._qrcode_create,
            **self.menu_routes(),
        }.get((request.method, request.path))
        if route is None:
            return Response("not found", status=404)
        return route(query, body)

    def _issue_token(self, query: dict[str, str]) -> Response:
        if query.get("grant_type") != "client_credential":
            return _json({"errcode": 40002, "errmsg": "invalid grant_type"})
        if query.get("appid") == self.mini_appid and query.get("secret") == self.mini_secret:
            token = f"fake-mini-token-{next(self._token_seq)}-{secrets.token_hex(8)}"
            with self._lock:
                self._mini_token = token
                self._mini_token_fetches += 1
            return _json({"access_token": token, "expires_in": 7200})
        if query.get("appid") != self.appid or query.get("secret") != self.secret:
            return _error(40125)
        token = f"fake-token-{next(self._token_seq)}-{secrets.token_hex(8)}"
        with self._lock:
            self._token = token
            self._token_fetches += 1
        return _json({"access_token": token, "expires_in": 7200})

    def _jscode2session(self, query: dict[str, str]) -> Response:
        """Each code works once (40163 after), unknown codes are 40029, as on WeChat."""
        if query.get("appid") != self.mini_appid or query.get("secret") != self.mini_secret:
            return _error(40125)
        if query.get("grant_type") != "authorization_code":
            return _json({"errcode": 40002, "errmsg": "invalid grant_type"})
        code = query.get("js_code", "")
        with self._lock:
            login = self._login_codes.pop(code, None)
            used = code in self._used_codes
            self._used_codes.add(code)
        if login is None:
            return _json({"errcode": 40163 if used else 40029,
                          "errmsg": "code been used" if used else "invalid code"})
        return _json({**login, "session_key": secrets.token_urlsafe(16)})

    def _media_get(self, query: dict[str, str], body: Any) -> Response:
        media_id = query.get("media_id", "")
        with self._lock:
            found = self._media.get(media_id)
        if found is None:
            return _error(40007)
        data, content_type = found
        if content_type.startswith("video/"):  # as WeChat answers for a video: where to get it
            return _json({"video_url": f"{self.root_url}fake-video/{media_id}"})
        ext = _EXTENSIONS.get(content_type, "bin")
        headers = {"Content-disposition": f'attachment; filename="{media_id}.{ext}"'}
        return Response(data, content_type=content_type, headers=headers)

    def _video_download(self, media_id: str) -> Response:
        with self._lock:
            found = self._media.get(media_id)
        if found is None or not found[1].startswith("video/"):
            return Response("not found", status=404)
        return Response(found[0], content_type=found[1])

    def _record(self, body: Any) -> Response | None:
        if not isinstance(body, dict):
            return _error(47001)
        if not body.get("touser"):
            return _json({"errcode": 40003, "errmsg": "invalid openid"})
        with self._lock:
            self._sent.append(body)
        return None

    def user_wrote(self, openid: str, quota: int = 5) -> None:
        """The user just wrote to the account: ``quota`` customer-service messages may follow;
        one more is refused with 45047 (out of response count limit), as WeChat does."""
        with self._lock:
            self._cs_left[openid] = quota

    def _custom_send(self, query: dict[str, str], body: Any) -> Response:
        if isinstance(body, dict) and not body.get("msgtype"):
            return _error(47001)
        if isinstance(body, dict) and body.get("touser") in self._cs_left:
            with self._lock:
                if self._cs_left[body["touser"]] <= 0:
                    return _json({"errcode": 45047, "errmsg": "out of response count limit"})
                self._cs_left[body["touser"]] -= 1
        return self._record(body) or _json({"errcode": 0, "errmsg": "ok"})

    def _template_send(self, query: dict[str, str], body: Any) -> Response:
        if isinstance(body, dict) and not body.get("template_id"):
            return _json({"errcode": 40037, "errmsg": "invalid template_id"})
        return self._record(body) or _json(
            {"errcode": 0, "errmsg": "ok", "msgid": next(self._msgids)}
        )

    def _qrcode_create(self, query: dict[str, str], body: Any) -> Response:
        """Temporary and permanent parametric codes. A permanent code for a scene already
        created comes back unchanged (same ticket and url), as WeChat does."""
        if not isinstance(body, dict) or not isinstance(body.get("action_info"), dict):
            return _error(47001)
        action = body.get("action_name")
        scene = body["action_info"].get("scene")
        if action not in ("QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE") or not (
            isinstance(scene, dict)
        ):
            return _error(40097)
        key = "scene_str" if action.endswith("STR_SCENE") else "scene_id"
        value = scene.get(key)
        if key == "scene_str" and not (isinstance(value, str) and 1 <= len(value) <= 64):
            return _error(40097)
        if key == "scene_id" and not (isinstance(value, int) and value > 0):
            return _error(40097)
        permanent = action.startswith("QR_LIMIT")
        with self._lock:
            if permanent:
                for ticket, code in self._qrcodes.items():
                    if code["scene"] == value and code["action_name"] == action:
                        return _json({"ticket": ticket, "url": code["url"]})
            ticket = "gQ" + secrets.token_urlsafe(40)
            url = "http://weixin.qq.com/q/02" + secrets.token_urlsafe(16)
            self._qrcodes[ticket] = {"scene": value, "url": url, "action_name": action}
        answer: dict[str, Any] = {"ticket": ticket, "url": url}
        if not permanent:
            answer["expire_seconds"] = int(body.get("expire_seconds") or 60)
        return _json(answer)

    def _oauth_authorize(self, query: dict[str, str]) -> Response:
        """Web authorization (snsapi_base): redirect back with a one-time code, no consent page."""
        redirect_uri = query.get("redirect_uri", "")
        if query.get("appid") != self.appid or not redirect_uri.startswith(("http://", "https://")):
            return Response("invalid appid or redirect_uri", status=400)
        with self._lock:
            openid = self._oauth_user
            if openid is None:
                return Response("no WeChat user in this browser", status=403)
            code = secrets.token_hex(16)
            self._oauth_codes[code] = openid
        sep = "&" if "?" in redirect_uri else "?"
        target = f"{redirect_uri}{sep}code={code}&state={query.get('state', '')}"
        return Response("", status=302, headers={"Location": target})

    def _oauth_access_token(self, query: dict[str, str]) -> Response:
        if query.get("grant_type") != "authorization_code":
            return _json({"errcode": 40002, "errmsg": "invalid grant_type"})
        if query.get("appid") != self.appid or query.get("secret") != self.secret:
            return _error(40125)
        with self._lock:
            openid = self._oauth_codes.pop(query.get("code", ""), None)  # a code works once
        if openid is None:
            return _error(40029)
        return _json({"access_token": "oauth-" + secrets.token_hex(8), "expires_in": 7200,
                      "refresh_token": "refresh-" + secrets.token_hex(8), "openid": openid,
                      "scope": "snsapi_base"})

    def _show_qrcode(self, query: dict[str, str]) -> Response:
        with self._lock:
            code = self._qrcodes.get(query.get("ticket", ""))
        if code is None:
            return Response("invalid ticket", status=404)
        buf = io.BytesIO()
        qrcode.make(code["url"]).save(buf, format="PNG")
        return Response(buf.getvalue(), content_type="image/png")

    def _subscribe_send(self, query: dict[str, str], body: Any) -> Response:
        """subscribeMessage.send: the mini-program's token, well-formed typed fields within
        WeChat's limits (47003 otherwise), and a consent left (43101 otherwise), as WeChat."""
        if not query.get("access_token"):
            return _error(41001)
        if query["access_token"] != self.mini_access_token:
            return _error(40001)
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            return _error(47001)
        if not body.get("touser"):
            return _json({"errcode": 40003, "errmsg": "invalid openid"})
        if not body.get("template_id"):
            return _json({"errcode": 40037, "errmsg": "invalid template_id"})
        for keyword, item in body["data"].items():
            value = item.get("value") if isinstance(item, dict) else None
            if not _subscribe_value_ok(str(keyword), value):
                return _json({"errcode": 47003, "errmsg": f"argument invalid! data.{keyword}.value invalid"})
        with self._lock:
            key = (body["touser"], body["template_id"])
            if self._consents.get(key, 0) <= 0:
                return _error(43101)
            self._consents[key] -= 1
            self._subscribe_sent.append(body)
        return _json({"errcode": 0, "errmsg": "ok", "msgid": next(self._msgids)})


# subscribeMessage.send keyword types and their limits (characters), as WeChat documents them.
_SUBSCRIBE_LIMITS = {
    "thing": 20, "character_string": 32, "number": 32, "letter": 32, "symbol": 5, "phrase": 5,
    "name": 10, "phone_number": 17, "car_number": 8, "time": 40, "date": 40, "amount": 20,
}


def _subscribe_value_ok(keyword: str, value: Any) -> bool:
    kind = keyword.rstrip("0123456789")
    if kind not in _SUBSCRIBE_LIMITS or not isinstance(value, str) or not value:
        return False
    if len(value) > _SUBSCRIBE_LIMITS[kind]:
        return False
    if kind == "character_string":
        return value.isascii() and not any(c.isspace() for c in value)
    if kind == "phrase":
        return all("\u4e00" <= c <= "\u9fff" for c in value)
    if kind in ("time", "date"):
        return any(c.isdigit() for c in value)
    return True
