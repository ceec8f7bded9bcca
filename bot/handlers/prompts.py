"""The question each state asks, repeated whenever an answer did not fit or a command
interrupted the dialogue."""

from __future__ import annotations

from bot.handlers import inspect, plan, supplement, texts
from bot.handlers.core import ChatPort, Dialogue, State


def prompt(d: Dialogue, port: ChatPort) -> str:
    """The question for the current state."""
    if d.state is State.DESCRIPTION:  # the only question that needs the port: ask it only here
        return texts.ASK_DESCRIPTION.format(enterprise=enterprise_label(d, port))
    if d.state.flow in ("plan", "proof"):
        return plan.prompt(d, port)
    if d.state.flow == "inspect":
        return inspect.prompt(d, port)
    return {
        State.IDLE: texts.GUIDE,
        State.ENTERPRISE: texts.ASK_ENTERPRISE,
        State.ENTERPRISE_CHOICE: texts.CHOOSE_NUMBER.format(low=0 if d.typed else 1, high=len(d.choices)),
        State.COUNTY: texts.ASK_COUNTY,
        State.COUNTY_CHOICE: texts.CHOOSE_NUMBER.format(low=1, high=len(d.choices)),
        State.PHOTOS: texts.PHOTOS_EXPECTED,
        State.LOCATION: texts.LOCATION_EXPECTED,
        State.IDENTITY: texts.IDENTITY_EXPECTED,
        State.CONTACT: texts.ASK_CONTACT,
        State.MAJOR: texts.MAJOR_EXPECTED,
        State.CONFIRM: supplement.prompt(d) or texts.CONFIRM_EXPECTED,
    }[d.state]


def enterprise_label(d: Dialogue, port: ChatPort) -> str:
    """The enterprise of the report being written, registered or as typed."""
    if d.draft.enterprise_id is not None:
        return port.enterprise_label(d.draft.enterprise_id)
    return f"{d.draft.enterprise_name}（未登记，{port.county_label(d.draft.region_code)}）"
