"""Keeping each person's WeChat user tag in step with his role, so WeChat shows him his menu.

Officers and managers get their own menu through WeChat's conditional menus, which match a
user tag (``bot/data/menus.toml``). Whenever a person's role changes — bound with a code,
revoked, 解绑, moved to an enterprise — a ``sync_menu_tag`` job is added in the same
transaction, and the worker later sets his tag through a ``UserTagger`` (live:
``bot/wechat/adapters.py``). Why a job: a WeChat outage must never hold up or undo a binding;
the job retries until WeChat answers.

Why a flush hook (``watch_roles``) rather than a call in each service: the role is changed in
several places (bindings, management, the CLI, the console), and a place that forgot the call
would leave a revoked officer with the officers' menu. The job carries only the user's id: the
handler reads his role when it runs, so two quick changes end with the tag of the last one.
"""

from __future__ import annotations

import logging
import secrets
from types import SimpleNamespace
from typing import Any, Protocol, cast

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Job, User
from bot.services.messaging.jobs import JobHandler, JobRun, RetryLater
from bot.services.people.bindings import chat_role
from bot.services.platform.clock import utcnow

log = logging.getLogger(__name__)

SYNC_MENU_TAG = "sync_menu_tag"
# chat role → the WeChat user tag its conditional menu matches (WeChat: at most 30 characters).
MENU_TAGS: dict[str, str] = {"officer": "监管人员", "manager": "企业负责人"}
_WATCHED = ("role", "enterprise_id")  # what chat_role reads


class TagError(Exception):
    """WeChat refused or failed to change a tag; the job retries later."""


class UserTagger(Protocol):
    """Gives one WeChat user exactly one of our menu tags, or none of them."""

    def set_menu_tag(self, openid: str, tag: str | None, *, all_tags: tuple[str, ...]) -> None: ...


def menu_tag(user: User) -> str | None:
    """The menu tag ``user`` should carry now (None: the default menu)."""
    return MENU_TAGS.get(chat_role(user))


def watch_roles(factory: sessionmaker[Session]) -> None:
    """Queue a tag sync in the same flush as any change of a person's role (live WeChat only)."""
    event.listen(factory, "before_flush", _queue_changed_roles)


def _queue_changed_roles(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty):
        if not isinstance(obj, User) or obj.id is None:
            continue
        before, after = _tag_before(obj), menu_tag(obj)
        if before == after:
            continue  # e.g. 我是员工, or an officer moved: no job names a worker or his time
        now = utcnow()
        # Random key: each change is its own job (a later one may undo an earlier one).
        session.add(Job(kind=SYNC_MENU_TAG, key=f"menu_tag:{obj.id}:{secrets.token_hex(8)}",
                        payload={"user_id": obj.id}, status="pending", run_after=now, created_at=now))


def _tag_before(user: User) -> str | None:
    """The menu tag ``user`` carried before the changes this flush writes."""
    state = inspect(user)
    old = {}
    for name in _WATCHED:
        history = state.attrs[name].history
        old[name] = history.deleted[0] if history.deleted else getattr(user, name)
    return MENU_TAGS.get(chat_role(cast(User, SimpleNamespace(**old))))


def make_sync_menu_tag_handler(tagger: UserTagger) -> JobHandler:
    """The job that sets one person's menu tag to what his role is when it runs."""

    def handler(session_factory: sessionmaker[Session], payload: dict[str, Any], run: JobRun) -> None:
        with session_factory() as session:
            user = session.get(User, payload["user_id"])
            if user is None or not user.openid:
                return  # forgotten since: nothing to tag
            openid, tag = user.openid, menu_tag(user)
        # The WeChat calls happen outside any transaction.
        try:
            tagger.set_menu_tag(openid, tag, all_tags=tuple(MENU_TAGS.values()))
        except TagError as exc:
            raise RetryLater(str(exc)) from exc
        log.info("menu tag of user %s set to %s", payload["user_id"], tag or "(none)")

    return handler
