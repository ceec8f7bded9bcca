"""Idempotent uploads: a retried report upload gets the first answer, not a second report.

A phone on a bad network sends the same report again when the answer is lost; the client
sends one ``Idempotency-Key`` per report and we keep the answer under it for a while.

Anonymity: the row must not tie a person to an anonymous report. Its key is an HMAC of the
user id and the client's key, and the stored answer (which holds the query code) is
encrypted with a key derived from the client's key, which only the phone knows: reading the
table tells nobody whose upload a row was, or what it said.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.models import ApiIdempotencyKey

KEY_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{8,64}")


@dataclass(frozen=True)
class StoredAnswer:
    fingerprint: str
    status_code: int
    body: dict[str, Any]


class IdempotencyKeys:
    """Derives row keys and encryption keys from the app secret and the client's key."""

    def __init__(self, secret: str, *, keep: timedelta) -> None:
        self.secret = secret.encode()
        self.keep = keep

    @staticmethod
    def valid(client_key: str) -> bool:
        return bool(KEY_PATTERN.fullmatch(client_key))

    def row_key(self, user_id: int, client_key: str) -> str:
        return hmac.new(self.secret, f"row:{user_id}:{client_key}".encode(), hashlib.sha256).hexdigest()

    def _fernet(self, user_id: int, client_key: str) -> Fernet:
        raw = hmac.new(self.secret, f"enc:{user_id}:{client_key}".encode(), hashlib.sha256).digest()
        return Fernet(base64.urlsafe_b64encode(raw))

    def find(self, session: Session, user_id: int, client_key: str, *, now: datetime) -> StoredAnswer | None:
        row = session.scalars(
            select(ApiIdempotencyKey).where(
                ApiIdempotencyKey.key_hash == self.row_key(user_id, client_key),
                ApiIdempotencyKey.created_at >= now - self.keep,
            )
        ).one_or_none()
        if row is None:
            return None
        try:
            body = json.loads(self._fernet(user_id, client_key).decrypt(row.response))
        except (InvalidToken, ValueError):  # the app secret changed since: as good as unknown
            return None
        return StoredAnswer(row.fingerprint, row.status_code, body)

    def reserve(self, session: Session, user_id: int, client_key: str, *, fingerprint: str,
                now: datetime) -> ApiIdempotencyKey:
        """Insert the row first in the creating transaction: a concurrent retry then waits on
        (or fails on) its unique key instead of creating a second report. Expired rows with
        the same key, and all expired rows, are dropped on the way."""
        session.execute(delete(ApiIdempotencyKey).where(ApiIdempotencyKey.created_at < now - self.keep))
        row = ApiIdempotencyKey(
            key_hash=self.row_key(user_id, client_key), fingerprint=fingerprint, status_code=0,
            response=b"", created_at=now,
        )
        session.add(row)
        session.flush()
        return row

    def complete(self, row: ApiIdempotencyKey, user_id: int, client_key: str, *, status_code: int,
                 body: dict[str, Any]) -> None:
        row.status_code = status_code
        row.response = self._fernet(user_id, client_key).encrypt(
            json.dumps(body, ensure_ascii=False).encode()
        )


def fingerprint(fields: dict[str, str], photo_digests: list[str]) -> str:
    """What was sent, so the same key with a different report is refused, not replayed."""
    canon = json.dumps({"fields": sorted(fields.items()), "photos": photo_digests}, ensure_ascii=False)
    return hashlib.sha256(canon.encode()).hexdigest()
