"""A dialogue that explains itself: greetings, text it did not understand, refused answers,
and a draft kept from earlier.

Why a refusal says why: a repeated question alone reads as "the bot is broken"; a sentence on
what this step needs, then the question, gets the right answer next time.
"""

from __future__ import annotations

from bot.handlers import texts
from bot.handlers.core import ChatPort, Dialogue, State, reset
from bot.handlers.incoming import Incoming, Intent, classify, fold
from bot.handlers.prompts import enterprise_label, prompt
from bot.handlers.suggest import closest_command

PAUSED = "paused_minutes"  # set by the channel on a draft silent past dialogue.idle_minutes
# What still goes through while a kept draft waits for 继续 / 重新开始.
PASS_THROUGH = (Intent.SCAN, Intent.SILENT_EVENT, Intent.COMMAND, Intent.INSPECT, Intent.CANCEL)
_STEP_OF = {
    State.ENTERPRISE: 1, State.ENTERPRISE_CHOICE: 1, State.COUNTY: 1, State.COUNTY_CHOICE: 1,
    State.DESCRIPTION: 2, State.PHOTOS: 3, State.LOCATION: 4, State.IDENTITY: 5, State.CONTACT: 5,
    State.MAJOR: 6,
}
_QUOTE_CHARS = 20


def is_paused(d: Dialogue) -> bool:
    return PAUSED in d.data


def _since(minutes: int) -> str:
    return f"{minutes // 60} 小时" if minutes >= 60 else f"{minutes} 分钟"


def _where(d: Dialogue, port: ChatPort) -> str:
    if d.state.flow != "report":
        number = d.data.get("number")
        return f"隐患 {number}" if number else "尚未填完"
    step = "已填到核对提交" if d.state is State.CONFIRM else f"已填到第 {_STEP_OF.get(d.state, 1)} 步"
    if d.draft.enterprise_id is not None or d.draft.enterprise_name:
        return f"{enterprise_label(d, port)}，{step}"
    return step


def offer_resume(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """The first answer after a long silence: what is kept, and the two ways on."""
    flow = d.state.flow
    offer = texts.RESUME_OFFER.format(
        what=texts.RESUME_OFFER_WHAT.get(flow, "内容"), since=_since(int(d.data[PAUSED])),
        where=_where(d, port), again=texts.RESUME_AGAIN.get(flow, ""),
    )
    if d.data.get("resume_offered"):
        return texts.RESUME_EXPECTED + "\n" + offer
    d.data["resume_offered"] = True
    return offer


def resume(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if not is_paused(d):
        return texts.RESUMED + prompt(d, port) if d.state is not State.IDLE else texts.GUIDE
    d.data.pop(PAUSED, None)
    d.data.pop("resume_offered", None)
    return texts.RESUMED + prompt(d, port)


def start_over(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """Drop the kept draft (and its photos); a report starts again at its first question."""
    flow = d.state.flow
    reset(d, port)
    if flow in ("report", "idle"):
        d.state = State.ENTERPRISE
        return texts.ASK_ENTERPRISE
    return texts.FLOW_CANCELLED


def greet(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if d.state is State.IDLE:
        return texts.GREETING + texts.GUIDE
    return texts.GREETING + prompt(d, port)


def _quoted(text: str) -> str:
    text = fold(text)
    return text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS] + "…"


def not_understood(msg: Incoming, port: ChatPort) -> str:
    """"没看懂" and, when the text looks like a mistyped command, that command."""
    answer = texts.NOT_UNDERSTOOD.format(text=_quoted(msg.text))
    meant = closest_command(msg.text, port.role())
    if meant:
        answer += texts.DID_YOU_MEAN.format(command=meant)
    return answer


def refused(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """An answer this step cannot take: why, then the question again."""
    intent = classify(msg)
    if intent is Intent.UNSUPPORTED:
        return texts.UNSUPPORTED + "\n\n" + prompt(d, port)
    if intent is Intent.TEXT:
        why = not_understood(msg, port)
    else:
        why = texts.NOT_ACCEPTED_HERE.get(intent.value, "")
    return (why + "\n" if why and not why.endswith("\n") else why) + prompt(d, port)
