"""The access matrix's world and its three doors: chat (/wechat), the API (/api/v1), the console.

``Matrix`` holds one app and one person per role; ``target`` makes a fresh hazard (or picks an
enterprise) in a place *relative to* that person: ``own`` (his county 小店区, his enterprise
太原晋钢, his own report), ``county`` (another county of the same city: 清徐县, 清徐宏达) or
``city`` (another city: 长治市, 长治潞宝). Each door answers a ``Seen``: what the person saw
(allowed or refused) and the words or code it came with. ``snapshot`` is what a refused action
must leave untouched.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.api.auth import issue_token
from bot.dev.peer import WeChatPeer
from bot.models import (
    Attachment,
    Campaign,
    Enterprise,
    EnterpriseChange,
    EnterpriseVisit,
    Hazard,
    HazardEvent,
    IdentityAccess,
    Inspection,
    InspectionInspector,
    OutboxMessage,
    Penalty,
    RewardCase,
    User,
    WeeklyReport,
)
from bot.services.inspections.checklists import load_checklists
from bot.services.platform.clock import local, utcnow
from tests.api.conftest import ApiClient
from tests.common.factories import (
    ENTERPRISE,
    OTHER_ENTERPRISE,
    REPORTER_NAME,
    REPORTER_PHONE,
    enterprise,
    make_hazard,
    make_user,
    make_world,
)
from tests.conftest import TEST_AES_KEY, TEST_APPID, TEST_TOKEN
from tests.console.conftest import Console
from tests.fakes.wechat_api import FakeWeChatServer

ROLES = ("public", "worker", "manager", "county", "city", "province", "admin")
PLACES = ("own", "county", "city")
FOREIGN_CITY_ENTERPRISE = "长治潞宝钢铁集团有限公司"  # 140406, 长治市
PLACE_COUNTY = {"own": ("小店区", "140105"), "county": ("清徐县", "140121"), "city": ("潞城区", "140406")}
PLACE_ENTERPRISE = {"own": ENTERPRISE, "county": OTHER_ENTERPRISE, "city": FOREIGN_CITY_ENTERPRISE}
GHOST = "YH209901010999"  # a number no hazard has: the refusal of a foreign one must read the same
ATTACK_NOTE = "越权测试"


@dataclass
class Seen:
    """What the person saw: ``ok`` (the action went through / the thing was shown) or a
    refusal, with the words (chat, console flash) or the JSON code (API) it came with."""

    ok: bool
    status: int = 200
    text: str = ""
    code: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Target:
    number: str = ""
    into: str = ""  # 合并: the hazard to merge into (same county as ``number``)
    photo_id: int = 0
    enterprise_id: int = 0
    enterprise_name: str = ""


class Matrix:
    """One app, its doors, and one person per role."""

    def __init__(self, app: Flask, db: sessionmaker[Session], fake: FakeWeChatServer,
                 people: dict[str, int]) -> None:
        self.app, self.db, self.fake, self.people = app, db, fake, people
        self.peer = WeChatPeer("/wechat", token=TEST_TOKEN, appid=TEST_APPID,
                               encoding_aes_key=TEST_AES_KEY, mode="safe")
        self.chat_client = app.test_client()
        app.test_client_class = ApiClient
        self.api_client = app.test_client()
        app.test_client_class = None
        self._older = 0
        self._tokens: dict[str, str] = {}
        self._consoles: dict[str, Console] = {}
        self.media_dir = Path(app.config["HAZARDBOT"]["media"]["dir"])

    # --- people -------------------------------------------------------------------------------

    def user(self, role: str) -> User:
        with self.db() as s:
            user = s.get(User, self.people[role])
            assert user is not None
            s.expunge(user)
            return user

    # --- the world, per case ------------------------------------------------------------------

    def target(self, role: str, place: str, *, state: str = "submitted", named: bool = True,
               level: str | None = None, into: bool = False, photo: bool = False,
               oldest: bool = False, description: str | None = None) -> Target:
        """A fresh hazard of the place's enterprise in ``state``. ``named``: reported by the
        worker of 太原晋钢 (his name and phone on record); for the public and the worker
        themselves the ``own`` hazard is the one *they* reported. ``oldest``: reported before
        every hazard made so far (pending lists show the oldest first, a page at a time)."""
        with self.db() as s:
            ent = enterprise(s, PLACE_ENTERPRISE[place])
            reporter_id = self.people["worker"]
            if role in ("public", "worker"):
                reporter_id = self.people[role] if place == "own" else self.people["bystander"]
            reporter = s.get(User, reporter_id) if named else None
            now = utcnow()
            if oldest:
                self._older += 1
                now -= timedelta(days=365, minutes=self._older)

            def one() -> Hazard:
                return make_hazard(
                    s, enterprise=ent, state=state, level=level, reporter=reporter,
                    source="worker_report" if reporter is not None else "public_report",
                    reporter_name=reporter.name if reporter else None,
                    reporter_phone=reporter.phone if reporter else None,
                    reported_at=now - timedelta(hours=1),
                    **({"description": description} if description else {}),
                )

            hazard = one()
            found = Target(number=hazard.number, enterprise_id=ent.id, enterprise_name=ent.name)
            if into:
                found.into = one().number
            if photo:
                found.photo_id = self._photo(s, hazard, reporter_id)
            s.commit()
            return found

    def _photo(self, s: Session, hazard: Hazard, uploader_id: int) -> int:
        relpath = f"matrix/{hazard.number}.jpg"
        path = self.media_dir / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8), (10, 120, 10)).save(path, "JPEG")
        attachment = Attachment(hazard_id=hazard.id, uploader_id=uploader_id, seq=1,
                                media_id=f"M{hazard.number}", status="stored", relpath=relpath,
                                content_type="image/jpeg", created_at=utcnow())
        s.add(attachment)
        s.flush()
        return attachment.id

    def enterprise_target(self, place: str) -> Target:
        with self.db() as s:
            ent = enterprise(s, PLACE_ENTERPRISE[place])
            return Target(enterprise_id=ent.id, enterprise_name=ent.name)

    def fresh_week(self) -> None:
        """Nobody has filed this week's table yet (each weekly case confirms from scratch)."""
        with self.db() as s:
            s.query(WeeklyReport).delete()
            s.commit()

    def close_open_inspections(self) -> None:
        """No inspection is open: each inspection case starts one or is refused."""
        with self.db() as s:
            s.execute(update(Inspection).where(Inspection.state == "open")
                      .values(state="finished", finished_at=utcnow()))
            s.commit()

    def snapshot(self, number: str | None = None) -> dict[str, Any]:
        """Everything a refused action must leave as it was: the hazard's fields and history,
        and the rows any action would add (identity looks, penalties, messages, weekly
        tables, inspections, visits, rewards)."""
        with self.db() as s:
            counts: dict[str, Any] = {
                model.__name__: s.scalar(select(func.count()).select_from(model))
                for model in (HazardEvent, IdentityAccess, Penalty, OutboxMessage, RewardCase,
                              Inspection, InspectionInspector, EnterpriseVisit, Enterprise,
                              EnterpriseChange)
            }
            counts["confirmed_tables"] = s.scalar(
                select(func.count()).select_from(WeeklyReport).where(WeeklyReport.status == "confirmed"))
            counts["weekly_texts"] = sorted(
                str(t) for t in s.scalars(select(WeeklyReport.texts)))
            if number:
                hazard = s.scalars(select(Hazard).where(Hazard.number == number)).one()
                counts |= {column: getattr(hazard, column) for column in (
                    "state", "level", "basis", "deadline", "supervising_unit", "closed_at",
                    "check_unit", "enterprise_id", "region_code", "description")}
                counts["history"] = [(e.action, e.to_state, e.actor_id, e.note) for e in s.scalars(
                    select(HazardEvent).where(HazardEvent.hazard_id == hazard.id).order_by(HazardEvent.id))]
            return counts

    # --- chat ---------------------------------------------------------------------------------

    def say(self, role: str, text: str) -> str:
        """One text message from the person's phone through WeChat (safe mode); the reply."""
        with self.db() as s:
            openid = s.get(User, self.people[role]).openid  # type: ignore[union-attr]
        xml_request = self.peer.prepare(
            _text_xml(self.peer, openid, text), from_user=openid)
        response = self.chat_client.post("/wechat", query_string=xml_request.params,
                                         data=xml_request.body.encode(), content_type="text/xml")
        assert response.status_code == 200, (text, response.status_code, response.data[:200])
        return self.peer.read_reply(response.status_code, response.data).content

    # --- API ----------------------------------------------------------------------------------

    def api(self, role: str, method: str, path: str, **kw: Any) -> Any:
        """A request with the person's mini-program token (issued as after ``/session``);
        every answer is checked against the OpenAPI document by ``ApiClient``."""
        if role not in self._tokens:
            with self.app.app_context():
                self._tokens[role] = issue_token(self.user(role))
        headers = {"Authorization": f"Bearer {self._tokens[role]}"}
        return self.api_client.open(path, method=method, headers=headers, **kw)

    # --- console ------------------------------------------------------------------------------

    def console(self, role: str) -> Console:
        """The person's browser, signed in through WeChat web authorization once (refused for
        the public and workers: their browser stays signed out)."""
        if role not in self._consoles:
            console = Console(self.app.test_client(), self.fake)
            answer = console.sign_in(self.user(role).openid)
            expected = 403 if role in ("public", "worker") else 302
            assert answer.status_code == expected, (role, answer.status_code)
            self._consoles[role] = console
        return self._consoles[role]


def _text_xml(peer: WeChatPeer, openid: str, text: str) -> str:
    from bot.dev.peer import build_message_xml

    return build_message_xml("text", to_user=peer.to_user, from_user=openid,
                             create_time=int(utcnow().timestamp()), msg_id=peer.next_msg_id(),
                             Content=text)


def build_matrix(app: Flask, db: sessionmaker[Session], fake: FakeWeChatServer) -> Matrix:
    """The world (tests/common/factories.py), a second member of the public for reports that
    are not the person's own, the checklists, and a weekly campaign running this week."""
    with db() as s:
        w = make_world(s)
        bystander = make_user(s, role="public", name="王五", phone="13700000000").id
        load_checklists(s, now=utcnow())
        today = local(utcnow()).date()
        s.add(Campaign(
            doc_number="晋应急发〔2026〕99号", name="冶金工贸行业隐患排查整治专项行动（矩阵测试）",
            region_code="140000", starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=30),
            cadence="weekly", due_weekday=4, due_time="12:00", form="weekly_dispatch", created_at=utcnow(),
        ))
        s.commit()
    people = {"public": w.public, "worker": w.worker, "manager": w.manager, "county": w.county,
              "city": w.city, "province": w.province, "admin": w.admin, "bystander": bystander}
    return Matrix(app, db, fake, people)


def xlsx_text(data: bytes) -> str:
    """Every cell of every sheet, joined: enough to ask whether a number is in the file."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)


__all__ = ["GHOST", "PLACES", "REPORTER_NAME", "REPORTER_PHONE", "ROLES", "Matrix", "Seen", "Target"]
