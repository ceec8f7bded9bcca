"""API fixtures: the app with a mini-program configured against the fake WeChat server, and a
test client that checks EVERY /api/ response against the OpenAPI document it serves.

``ApiClient.open`` is the one door all API tests go through, so the document cannot drift
from what the views answer: a status, header or body the document does not describe fails
the test that produced it.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_schema_validator import OAS30Validator
from PIL import Image
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse
from werkzeug.wrappers import Request

from bot import create_app
from bot.api.openapi import document
from bot.models import User
from tests.conftest import app_config
from tests.fakes.wechat_api import FakeWeChatServer

_SPEC = OpenAPI.from_dict(document())
_ERROR_SCHEMA = document()["components"]["schemas"]["Error"]
_codes = itertools.count(1)


def check_against_spec(response: TestResponse) -> None:
    """Raise if ``response`` (to an /api/ request) is not what the document promises."""
    request = response.request
    if not request.path.startswith(("/api/", "/open311/")):
        return
    try:
        # The request's body was read by the app: responses are validated by method and path.
        bare = Request({**request.environ, "wsgi.input": io.BytesIO(b""), "CONTENT_LENGTH": "0"})
        _SPEC.validate_response(WerkzeugOpenAPIRequest(bare), WerkzeugOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound):
        # A path or method the document does not have: the answer must still be an Error.
        assert response.status_code in (404, 405), response.status_code
        OAS30Validator(_ERROR_SCHEMA).validate(response.get_json())
    if response.status_code >= 400 and request.path.startswith("/api/"):
        body = response.get_json()
        assert isinstance(body, dict) and body.get("code") and body.get("message"), body


class ApiClient(FlaskClient):
    """A Flask test client whose every /api/ response is validated against the document."""

    checked = 0

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:  # type: ignore[override]
        response = super().open(*args, **kwargs)
        assert response.status_code != 500, response.get_data(as_text=True)
        check_against_spec(response)
        ApiClient.checked += 1
        return response


def api_config(database_url: str, instance: Path, fake: FakeWeChatServer, **api: Any) -> dict[str, Any]:
    return app_config(
        database_url, instance,
        wechat={"api_base_url": fake.base_url},
        api={"miniprogram_appid": fake.mini_appid, "miniprogram_secret": fake.mini_secret, **api},
    )


@pytest.fixture
def api_settings() -> dict[str, Any]:
    """Override per test module for other [api] settings (rate limits…)."""
    return {}


@pytest.fixture
def api_app(
    clean_db: Engine, database_url: str, tmp_path: Path, fake_wechat: FakeWeChatServer,
    api_settings: dict[str, Any],
) -> Iterator[Flask]:
    app = create_app(api_config(database_url, tmp_path / "instance", fake_wechat, **api_settings))
    app.test_client_class = ApiClient
    yield app
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


@pytest.fixture
def client(api_app: Flask) -> ApiClient:
    return api_app.test_client()  # type: ignore[return-value]


@pytest.fixture
def db(clean_db: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=clean_db, expire_on_commit=False)


def login(client: FlaskClient, fake: FakeWeChatServer, openid: str, *, unionid: str | None = None) -> str:
    """Log in through the fake jscode2session as ``openid``; returns the bearer token."""
    code = f"code-{openid}-{next(_codes)}"
    fake.add_login_code(code, openid, unionid)
    response = client.post("/api/v1/session", json={"code": code})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["token"])


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_of(db: sessionmaker[Session], openid: str) -> User:
    with db() as s:
        user = s.query(User).filter(User.openid == "mp:" + openid).one()
        s.expunge(user)
        return user


def set_role(db: sessionmaker[Session], openid: str, **values: Any) -> None:
    """Give a logged-in mini-program user a role directly (the binding flow has its own test)."""
    with db() as s:
        user = s.query(User).filter(User.openid == "mp:" + openid).one()
        for name, value in values.items():
            setattr(user, name, value)
        s.commit()


def jpeg(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (64, 48),
         exif_gps: bool = False) -> bytes:
    im = Image.new("RGB", size, color)
    buf = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0110] = "Model-X SN12345"  # Model
        exif.get_ifd(0x8825)[2] = (37.0, 52.0, 10.0)  # GPSLatitude
        im.save(buf, format="JPEG", exif=exif.tobytes())
    else:
        im.save(buf, format="JPEG")
    return buf.getvalue()
