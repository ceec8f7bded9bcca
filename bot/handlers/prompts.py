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


_LABEL = "enterprise_label"  # dialogue data: [what it names, the label], read once per dialogue


def enterprise_label(d: Dialogue, port: ChatPort) -> str:
    """The enterprise of the report being written, registered or as typed: looked up once and
    kept in the dialogue (the steps name it twice), as long as the draft names the same one."""
    draft = d.draft
    named = f"id:{draft.enterprise_id}" if draft.enterprise_id is not None \
        else f"typed:{draft.enterprise_name}|{draft.region_code}"
    kept = d.data.get(_LABEL)
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == named:
        return str(kept[1])
    if draft.enterprise_id is not None:
        label = port.enterprise_label(draft.enterprise_id)
    else:
        label = f"{draft.enterprise_name}（未登记，{port.county_label(draft.region_code)}）"
    d.data[_LABEL] = [named, label]
    return label
