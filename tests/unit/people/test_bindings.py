"""Binding codes: issued for a role and a scope, used once, expiring; workers who declare."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.models import BindingCode, Enterprise, User
from bot.services.people import bindings
from bot.services.people.bindings import BindingError, bind, declare_worker, issue_code
from bot.services.people.users import get_or_create_user

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture
def session(clean_db: Engine) -> Iterator[Session]:
    with Session(clean_db) as s:
        yield s
        s.rollback()


def _user(session: Session, openid: str) -> User:
    return get_or_create_user(session, openid, now=NOW)


def _jingang(session: Session) -> Enterprise:
    return session.scalars(select(Enterprise).where(Enterprise.name == "太原晋钢钢铁有限公司")).one()


def test_a_code_is_short_unambiguous_and_kept_only_as_a_hash(session: Session) -> None:
    code = issue_code(session, role="county_officer", region_code="140105", name="张三", now=NOW)
    assert re.fullmatch(f"[{bindings.CODE_ALPHABET}]{{10}}", code)
    assert not set(code) & set("01OIL")
    row = session.scalars(select(BindingCode)).one()
    assert code not in {row.code_hash, row.name, row.created_by}
    assert row.code_hash == bindings.hash_code(code)
    assert row.expires_at == NOW + timedelta(days=7)


def test_binding_makes_a_county_officer(session: Session) -> None:
    code = issue_code(session, role="county_officer", region_code="140105", name="张三", now=NOW)
    user = _user(session, "o-officer")
    bound = bind(session, user, code, now=NOW + timedelta(hours=1))
    assert bound == bindings.Bound(role="county_officer", scope="小店区", name="张三")
    assert (user.role, user.region_code, user.enterprise_id) == ("county_officer", "140105", None)
    assert user.name == "张三"
    row = session.scalars(select(BindingCode)).one()
    assert (row.used_by, row.used_at) == (user.id, NOW + timedelta(hours=1))
    assert bindings.chat_role(user) == "officer"


def test_binding_makes_an_enterprise_manager(session: Session) -> None:
    enterprise = _jingang(session)
    code = issue_code(session, role="enterprise_manager", enterprise_id=enterprise.id, now=NOW)
    user = _user(session, "o-manager")
    assert bind(session, user, code, now=NOW).scope == "太原晋钢钢铁有限公司"
    assert (user.role, user.enterprise_id, user.region_code) == ("enterprise_manager", enterprise.id, None)
    assert bindings.chat_role(user) == "manager"


def test_the_code_is_read_as_people_type_it(session: Session) -> None:
    code = issue_code(session, role="city_officer", region_code="140100", now=NOW)
    typed = f" {code[:5].lower()}-{code[5:]}　"
    assert bind(session, _user(session, "o-city"), typed, now=NOW).scope == "太原市"


def test_a_code_works_once(session: Session) -> None:
    code = issue_code(session, role="county_officer", region_code="140105", now=NOW)
    bind(session, _user(session, "o-first"), code, now=NOW)
    second = _user(session, "o-second")
    with pytest.raises(BindingError, match="已被使用"):
        bind(session, second, code, now=NOW)
    assert (second.role, second.region_code) == ("public", None)


def test_an_expired_code_is_refused(session: Session) -> None:
    code = issue_code(session, role="county_officer", region_code="140105", days=1, now=NOW)
    user = _user(session, "o-late")
    with pytest.raises(BindingError, match="已过期"):
        bind(session, user, code, now=NOW + timedelta(days=1, seconds=1))
    assert user.role == "public"
    assert session.scalars(select(BindingCode)).one().used_at is None


@pytest.mark.parametrize("typed", ["ABCDEFGH23", "短", "X" * 40])
def test_a_wrong_code_is_refused(session: Session, typed: str) -> None:
    issue_code(session, role="county_officer", region_code="140105", now=NOW)
    user = _user(session, "o-guess")
    with pytest.raises(BindingError, match="绑定码"):
        bind(session, user, typed, now=NOW)
    assert user.role == "public"


def test_rebinding_replaces_the_old_scope(session: Session) -> None:
    enterprise = _jingang(session)
    user = _user(session, "o-moved")
    bind(session, user, issue_code(session, role="enterprise_manager", enterprise_id=enterprise.id, now=NOW),
         now=NOW)
    bind(session, user, issue_code(session, role="province_officer", region_code="140000", now=NOW), now=NOW)
    assert (user.role, user.region_code, user.enterprise_id) == ("province_officer", "140000", None)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"role": "admin", "region_code": "140105"}, "角色"),
        ({"role": "worker", "region_code": "140105"}, "角色"),
        ({"role": "county_officer", "region_code": "149999"}, "没有行政区划代码"),
        ({"role": "county_officer"}, "没有行政区划代码"),
        ({"role": "county_officer", "region_code": "140100"}, "级别"),  # a city, not a county
        ({"role": "city_officer", "region_code": "140105"}, "级别"),
        ({"role": "province_officer", "region_code": "140100"}, "级别"),
        ({"role": "enterprise_manager"}, "企业"),
        ({"role": "enterprise_manager", "enterprise_id": 999_999}, "企业"),
        ({"role": "county_officer", "region_code": "140105", "days": 0}, "有效期"),
        ({"role": "county_officer", "region_code": "140105", "days": 366}, "有效期"),
    ],
)
def test_codes_are_issued_only_for_a_fitting_scope(
    session: Session, kwargs: dict[str, object], reason: str
) -> None:
    with pytest.raises(BindingError, match=reason):
        issue_code(session, now=NOW, **kwargs)  # type: ignore[arg-type]
    assert session.scalars(select(BindingCode)).all() == []


# --- workers --------------------------------------------------------------------------------


def test_a_member_of_the_public_declares_himself_a_worker(session: Session) -> None:
    enterprise = _jingang(session)
    user = _user(session, "o-worker")
    assert bindings.may_declare_worker(user, enterprise.id)
    assert declare_worker(session, user, enterprise.id) == "太原晋钢钢铁有限公司"
    assert (user.role, user.enterprise_id) == ("worker", enterprise.id)
    assert not bindings.may_declare_worker(user, enterprise.id)
    assert bindings.chat_role(user) == "worker"


def test_officers_and_managers_stay_what_they_are(session: Session) -> None:
    enterprise = _jingang(session)
    user = _user(session, "o-officer-2")
    bind(session, user, issue_code(session, role="county_officer", region_code="140105", now=NOW), now=NOW)
    assert not bindings.may_declare_worker(user, enterprise.id)
    with pytest.raises(BindingError):
        declare_worker(session, user, enterprise.id)
    assert (user.role, user.enterprise_id) == ("county_officer", None)


# --- the CLI --------------------------------------------------------------------------------


def test_the_cli_prints_a_code_once_that_binds(app: Flask, clean_db: Engine) -> None:
    with Session(clean_db) as session:
        credit_code = _jingang(session).credit_code
    result = app.test_cli_runner().invoke(
        args=["users", "invite", "--role", "enterprise_manager", "--enterprise", str(credit_code),
              "--name", "王强", "--days", "3"]
    )
    assert result.exit_code == 0, result.output
    code = re.search(r"绑定码：([A-Z0-9]{10})", result.output)
    assert code, result.output
    with Session(clean_db) as session:
        user = _user(session, "o-cli-manager")
        assert bind(session, user, code.group(1), now=datetime.now(UTC)).name == "王强"
        assert user.enterprise_id == _jingang(session).id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "enterprise_manager", "--enterprise", "9999"], "没有编号或统一社会信用代码"),
        (["--role", "county_officer", "--region", "140100"], "级别"),
    ],
)
def test_the_cli_refuses_a_bad_scope(app: Flask, args: list[str], message: str) -> None:
    result = app.test_cli_runner().invoke(args=["users", "invite", *args])
    assert result.exit_code != 0 and message in result.output
