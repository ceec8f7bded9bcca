"""Subscribe messages: values fit WeChat's keyword types, a bad template setting fails at
start, and the deadline sweep reaches mini-program managers through the fake WeChat."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.config import ConfigError, load_config
from bot.models import SubscribeConsent, User
from bot.services.messaging import outbox
from bot.services.messaging.outbox import DeliveryPolicy
from bot.services.messaging.subscribe_messages import SubscribeSettings, fit
from bot.services.reminders.settings import ReminderSettings
from bot.wechat.miniprogram import MiniProgramClient, WeChatSubscribeSender
from bot.wiring import subscribe_settings
from tests.common.factories import ENTERPRISE, enterprise, make_hazard
from tests.common.schedule_clock import L, rows, sweep
from tests.unit.messaging.test_jobs_outbox import RecordingMessenger


def test_values_are_cut_to_their_type() -> None:
    name = "山西省太原市小店区某某特种铸造有限责任公司第二分厂"
    assert fit("thing3", name) == name[:19] + "…" and len(name[:19] + "…") == 20
    assert len(fit("thing3", "x" * 21)) == 20 and fit("thing3", "x" * 20) == "x" * 20
    assert fit("thing1", "  二号\n车间  ") == "二号 车间"
    assert fit("character_string1", "YH202611240001（补充）") == "YH202611240001"
    assert len(fit("character_string1", "A" * 40)) == 32
    assert fit("phrase2", "已受理!") == "已受理" and fit("phrase2", "超时未受理了") == "超时未受理"
    assert fit("time4", datetime(2026, 11, 24, 7, 5, tzinfo=UTC)) == "2026年11月24日 15:05"
    assert fit("date3", date(2026, 12, 31)) == "2026年12月31日"
    assert fit("date3", datetime(2026, 12, 31, 1, 0, tzinfo=UTC)) == "2026年12月31日"
    assert fit("thing5", "") == "-" and fit("phrase2", "abc") == "-"  # WeChat refuses empty values


def test_template_settings_are_checked_at_start() -> None:
    cfg = load_config(environ={}, overrides={"api": {
        "subscribe_progress": "Tpl1 number=character_string1 status=phrase2",
        "subscribe_page": "pages/r?number={number}"}})
    settings = subscribe_settings(cfg)
    assert settings.template_for("acknowledge").template_id == "Tpl1"  # type: ignore[union-attr]
    assert settings.template_for("close").fields == {  # type: ignore[union-attr]
        "number": "character_string1", "status": "phrase2"}
    assert settings.template_for("new_report") is None and settings.template_for("weekly_stats") is None
    assert SubscribeSettings.from_config({}).templates == {}
    with pytest.raises(ConfigError, match="subscribe_template_ids must list .*Tpl1"):
        subscribe_settings(load_config(environ={}, overrides={"api": {
            "subscribe_progress": "Tpl1 number=character_string1", "subscribe_template_ids": "Tpl2"}}))
    for bad in ("Tpl1", "Tpl1 numero=thing1", "Tpl1 number=things", "Tpl1 number=weird1", "Tp!1 note=thing1"):
        with pytest.raises(ConfigError, match="api.subscribe_deadline"):
            subscribe_settings(load_config(environ={}, overrides={"api": {"subscribe_deadline": bad}}))


def test_deadline_nudges_reach_mini_program_managers_who_allowed_them(  # type: ignore[no-untyped-def]
    factory, world, fake_wechat
) -> None:
    """The real sweep and sender against the fake WeChat: one manager allowed the deadline
    template and gets it; the other did not and his nudge is kept as no_channel."""
    with factory() as session:
        h = make_hazard(session, enterprise=enterprise(session, ENTERPRISE), state="rectifying")
        h.deadline = date(2026, 12, 4)
        number = h.number
        for user_id, openid in ((world.manager, "mp-manager-1"), (world.manager2, "mp-manager-2")):
            session.get(User, user_id).openid = "mp:" + openid  # type: ignore[union-attr]
        session.add(SubscribeConsent(user_id=world.manager, template_id="TplDeadline", remaining=1,
                                     last_answer="accept", updated_at=L(2026, 11, 30)))
        session.commit()
    fake_wechat.accept_subscription("mp-manager-1", "TplDeadline")
    now = L(2026, 12, 1, 10)
    sweep(factory, now, ReminderSettings(), ("deadlines",))
    policy = DeliveryPolicy(windowed=True, subscribe=SubscribeSettings.from_config({
        "subscribe_deadline": "TplDeadline number=character_string1 deadline=date2 note=thing3"}))
    sender = WeChatSubscribeSender(MiniProgramClient(
        fake_wechat.mini_appid, fake_wechat.mini_secret, api_base_url=fake_wechat.base_url, timeout=5))
    assert outbox.deliver_pending(factory, RecordingMessenger(), now=now, max_attempts=3,
                                  backoff_seconds=1, policy=policy, subscriber=sender) == 1

    [message] = fake_wechat.subscribe_messages()
    assert message["touser"] == "mp-manager-1" and message["template_id"] == "TplDeadline"
    assert message["data"] == {"character_string1": {"value": number},
                               "date2": {"value": "2026年12月4日"},
                               "thing3": {"value": "整改期限临近，请按期完成"}}
    assert "page" not in message
    statuses = {m.openid: (m.status, m.last_error) for m in rows(factory, "deadline_nudge")}
    assert statuses["mp:mp-manager-1"] == ("sent", None)
    assert statuses["mp:mp-manager-2"][0] == "no_channel"
    assert "no subscribe consent left for template TplDeadline" in str(statuses["mp:mp-manager-2"][1])


def test_a_message_given_up_on_returns_its_consent(factory, world, fake_wechat) -> None:  # type: ignore[no-untyped-def]
    """WeChat down through every try: the message fails for good, and the "allow" it held,
    which WeChat never used, is there for the next message."""
    with factory() as session:
        h = make_hazard(session, enterprise=enterprise(session, ENTERPRISE), state="acknowledged")
        session.get(User, world.manager).openid = "mp:mp-manager-1"  # type: ignore[union-attr]
        session.add(SubscribeConsent(user_id=world.manager, template_id="TplProgress", remaining=1,
                                     last_answer="accept", updated_at=L(2026, 11, 30)))
        outbox.queue_message(session, key=f"close:{h.number}:{world.manager}", openid="mp:mp-manager-1",
                             kind="close", text="已销号", now=L(2026, 12, 1, 10))
        session.commit()
    policy = DeliveryPolicy(windowed=True, subscribe=SubscribeSettings.from_config({
        "subscribe_progress": "TplProgress number=character_string1 status=phrase2"}))
    sender = WeChatSubscribeSender(MiniProgramClient(
        fake_wechat.mini_appid, fake_wechat.mini_secret, api_base_url=fake_wechat.base_url, timeout=5))
    fake_wechat.set_down()
    for hour in (10, 11, 12):
        outbox.deliver_pending(factory, RecordingMessenger(), now=L(2026, 12, 1, hour), max_attempts=2,
                               backoff_seconds=60, policy=policy, subscriber=sender)
    [message] = rows(factory, "close")
    assert (message.status, message.attempts, message.channel) == ("failed", 2, "subscribe")
    with factory() as session:
        [consent] = session.scalars(select(SubscribeConsent)).all()
        assert consent.remaining == 1
