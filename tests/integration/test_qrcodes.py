"""Enterprise QR codes: tokens, revocation, scene resolution, and WeChat asked once per code."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot import create_app
from bot.db import session_factory
from bot.dev.adapters import DevQRCodeIssuer
from bot.models import Enterprise, EnterpriseQRCode
from bot.services.platform.ports import IssuedQRCode, QRCodeIssueError
from bot.services.registry.qrcodes import (
    SCENE_MAX_CHARS,
    ensure_code,
    new_token,
    printable_codes,
    resolve_scene,
    resolve_token,
    revoke_and_reissue,
    scene_for,
    short_id,
)
from tests.conftest import app_config
from tests.fakes.wechat_api import FakeWeChatServer
from tests.integration.qr_files import decode_qr

NOW = datetime(2025, 3, 7, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
CREATE = "/cgi-bin/qrcode/create"


@pytest.fixture
def session(clean_db: Engine) -> Iterator[Session]:
    with Session(clean_db) as s:
        yield s
        s.rollback()


def _enterprises(session: Session) -> list[Enterprise]:
    return list(session.scalars(select(Enterprise).order_by(Enterprise.id)))


def _creates(fake: FakeWeChatServer) -> list[str]:
    """The scene of every qrcode/create call the fake received, in order."""
    return [c.json["action_info"]["scene"]["scene_str"] for c in fake.calls if c.path == CREATE]


class RecordingIssuer:
    """A WeChat-like issuer that fails the test if asked while a transaction is open."""

    channel = "wechat"

    def __init__(self, session: Session) -> None:
        self.session = session
        self.asked: list[str] = []

    def issue(self, *, token: str, scene: str) -> IssuedQRCode:
        assert not self.session.in_transaction(), "WeChat asked inside a database transaction"
        self.asked.append(scene)
        return IssuedQRCode(url=f"http://weixin.qq.com/q/{token}", ticket=f"ticket-{token}")


# --- tokens and codes ---------------------------------------------------------------------

def test_tokens_are_unguessable_and_unique(session: Session) -> None:
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    for token in list(tokens)[:50]:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)
        assert len(base64.urlsafe_b64decode(token + "==")) == 16  # 128 random bits

    codes = [ensure_code(session, e, NOW) for e in _enterprises(session)]
    assert len({c.token for c in codes}) == len(codes)
    for enterprise_code in codes:
        assert len(scene_for(enterprise_code)) <= SCENE_MAX_CHARS
        assert scene_for(enterprise_code) == "e:" + enterprise_code.token
        assert short_id(enterprise_code) == enterprise_code.token[:6]


def test_ensure_code_is_idempotent(session: Session) -> None:
    enterprise = _enterprises(session)[0]
    first = ensure_code(session, enterprise, NOW)
    session.commit()
    again = ensure_code(session, enterprise, LATER)
    assert again.id == first.id and again.token == first.token
    assert again.created_at == NOW
    count = session.scalar(
        select(func.count()).select_from(EnterpriseQRCode)
        .where(EnterpriseQRCode.enterprise_id == enterprise.id)
    )
    assert count == 1


def test_revoked_code_resolves_as_revoked_and_the_new_one_as_active(session: Session) -> None:
    enterprise = _enterprises(session)[0]
    old = ensure_code(session, enterprise, NOW)
    old_scene, old_id = scene_for(old), old.id
    session.commit()

    new = revoke_and_reissue(session, enterprise, LATER)
    session.commit()

    assert new.id != old_id and new.token != old.token and new.status == "active"
    stale = session.get(EnterpriseQRCode, old_id)
    assert stale is not None and stale.status == "revoked" and stale.revoked_at == LATER
    revoked = resolve_scene(session, old_scene)
    assert revoked is not None and revoked.revoked and revoked.enterprise_id == enterprise.id
    active = resolve_scene(session, scene_for(new))
    assert active is not None and not active.revoked
    assert (active.enterprise_id, active.code_id) == (enterprise.id, new.id)
    assert ensure_code(session, enterprise, LATER).id == new.id
    assert resolve_token(session, new.token) == active


@pytest.mark.parametrize(
    "scene",
    ["", "e:", "e:unknown-token-aaaaaaaaa", "x:" + "a" * 22, "qrscene_e:abc", "e:" + "a" * 70,
     "e:../../etc/passwd", "e:%27%20OR%201=1", "123"],
)
def test_unknown_or_malformed_scenes_resolve_to_nothing(session: Session, scene: str) -> None:
    ensure_code(session, _enterprises(session)[0], NOW)
    assert resolve_scene(session, scene) is None


def test_wechat_is_never_asked_inside_a_transaction(clean_db: Engine) -> None:
    with Session(clean_db) as session:  # expire_on_commit=True: attribute access would reopen one
        issuer = RecordingIssuer(session)
        enterprises = _enterprises(session)[:5]
        found = printable_codes(session, enterprises, issuer, NOW)
        assert len(issuer.asked) == 5
        assert [p.enterprise_id for p in found] == [e.id for e in enterprises]
        assert printable_codes(session, enterprises, issuer, NOW) == found
        assert len(issuer.asked) == 5  # cached
        session.rollback()


# --- live mode against the fake WeChat API -------------------------------------------------

def test_live_codes_are_created_once_per_code_and_cached(app: Flask, fake_wechat: FakeWeChatServer) -> None:
    issuer = app.extensions["qr_issuer"]
    assert issuer.channel == "wechat"
    with session_factory(app)() as session:
        enterprises = _enterprises(session)[:3]
        first = printable_codes(session, enterprises, issuer, NOW)
        assert printable_codes(session, enterprises, issuer, LATER) == first

        codes = [session.get(EnterpriseQRCode, p.code_id) for p in first]
        assert _creates(fake_wechat) == [scene_for(c) for c in codes if c]
        created = fake_wechat.qrcodes()
        for printable, code in zip(first, codes, strict=True):
            assert code is not None and code.wechat_ticket in created
            assert created[code.wechat_ticket]["action_name"] == "QR_LIMIT_STR_SCENE"
            assert code.wechat_url == printable.url == created[code.wechat_ticket]["url"]

        # A revoked code's replacement is a new scene: exactly one more call.
        revoke_and_reissue(session, enterprises[0], LATER)
        session.commit()
        again = printable_codes(session, enterprises, issuer, LATER)
        assert len(_creates(fake_wechat)) == 4
        assert again[0].url != first[0].url and again[1:] == first[1:]


def test_a_wechat_failure_caches_nothing_and_a_retry_asks_again(
    app: Flask, fake_wechat: FakeWeChatServer
) -> None:
    issuer = app.extensions["qr_issuer"]
    with session_factory(app)() as session:
        enterprise = _enterprises(session)[0]
        issuer.client.fetch_access_token()  # so that the injected failure hits qrcode/create
        fake_wechat.fail_next(1, errcode=-1)
        with pytest.raises(QRCodeIssueError):
            printable_codes(session, [enterprise], issuer, NOW)
        code = session.scalars(select(EnterpriseQRCode)).one()
        assert code.wechat_url is None and code.wechat_ticket is None

        (printable,) = printable_codes(session, [enterprise], issuer, NOW)
        assert printable.code_id == code.id
        assert len(_creates(fake_wechat)) == 2


def test_the_fake_serves_the_image_of_a_created_code(app: Flask, fake_wechat: FakeWeChatServer) -> None:
    with session_factory(app)() as session:
        (printable,) = printable_codes(session, _enterprises(session)[:1], app.extensions["qr_issuer"], NOW)
        code = session.get(EnterpriseQRCode, printable.code_id)
    assert code is not None
    res = requests.get(fake_wechat.base_url + "showqrcode", params={"ticket": code.wechat_ticket}, timeout=5)
    assert res.status_code == 200 and decode_qr(res.content) == [printable.url]


# --- dev mode -----------------------------------------------------------------------------

def test_dev_mode_codes_open_the_h5_page_and_cache_nothing(
    clean_db: Engine, database_url: str, tmp_path: Path
) -> None:
    app = create_app(app_config(
        database_url, tmp_path / "instance",
        app={"dev_mode": True, "public_base_url": "https://yinhuan.example.cn/"},
    ))
    try:
        issuer = app.extensions["qr_issuer"]
        assert isinstance(issuer, DevQRCodeIssuer) and "wechat_client" not in app.extensions
        with session_factory(app)() as session:
            (printable,) = printable_codes(session, _enterprises(session)[:1], issuer, NOW)
            code = session.get(EnterpriseQRCode, printable.code_id)
            assert code is not None
            assert printable.url == f"https://yinhuan.example.cn/q/{code.token}"
            assert code.wechat_url is None and code.wechat_ticket is None
    finally:
        app.extensions["worker"].stop()
        app.extensions["engine"].dispose()
