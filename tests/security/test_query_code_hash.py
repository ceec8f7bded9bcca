"""Query codes are kept as a keyed hash (HMAC-SHA-256 under ``security.query_code_key``).

A reporter's code works as before; a hazard reported before the change, whose code is kept as
an scrypt hash, still answers to its code, and from that lookup on is kept as a keyed hash. A
copy of the table without the key tells nothing about the codes: the same code hashed under
another key gives another value.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from bot.dev.peer import WeChatPeer
from bot.handlers import texts
from bot.models import Hazard
from bot.services.reporting import reports
from tests.e2e.chat import say
from tests.security.test_lookups import anonymous_chat_report


def stored_hash(app: Flask, number: str) -> str | None:
    with Session(app.extensions["engine"]) as session:
        return session.scalars(select(Hazard.query_code_hash).where(Hazard.number == number)).one()


def test_a_new_code_is_kept_as_a_keyed_hash_and_answers(peer: WeChatPeer, attack_app: Flask) -> None:
    number, code = anonymous_chat_report(peer, "o_hash_reporter")
    kept = stored_hash(attack_app, number) or ""
    assert kept.startswith("hmac-sha256$") and code not in kept
    assert "已提交，等待受理" in say(peer, "o_hash_other", f"查询 {number} {code.lower()}")
    assert say(peer, "o_hash_other", f"查询 {number} ABCD2345") == texts.QUERY_NOT_FOUND


def test_an_old_scrypt_hash_still_answers_and_is_replaced_on_use(
    peer: WeChatPeer, attack_app: Flask
) -> None:
    number, code = anonymous_chat_report(peer, "o_hash_old")
    with Session(attack_app.extensions["engine"]) as session, session.begin():
        session.execute(update(Hazard).where(Hazard.number == number)
                        .values(query_code_hash=generate_password_hash(code)))
    assert (stored_hash(attack_app, number) or "").startswith("scrypt:")

    assert say(peer, "o_hash_guess", f"查询 {number} ABCD2345") == texts.QUERY_NOT_FOUND
    assert (stored_hash(attack_app, number) or "").startswith("scrypt:")  # a miss changes nothing
    assert "已提交，等待受理" in say(peer, "o_hash_old", f"查询 {number} {code}")
    assert stored_hash(attack_app, number) == reports.hash_query_code(code)
    assert "已提交，等待受理" in say(peer, "o_hash_old", f"查询 {number} {code}")


def test_the_hash_depends_on_the_key(attack_app: Flask) -> None:
    code = reports.new_query_code()
    here = reports.hash_query_code(code)
    reports.configure_query_code_key("another deployment's key")
    try:
        elsewhere = reports.hash_query_code(code)
        assert not reports.query_code_matches(here, code)
    finally:
        reports.configure_query_code_key(attack_app.config["HAZARDBOT"]["security"]["query_code_key"])
    assert elsewhere != here and reports.query_code_matches(here, code)
