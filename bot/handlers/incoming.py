"""What arrived from the phone, and what the person meant by it."""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

from bot.services.hazards import workflow_texts


@dataclass(frozen=True)
class Incoming:
    """A message or event, independent of the wire format it came in."""

    openid: str
    kind: str  # text | image | voice | video | location | event | other
    create_time: int
    msg_id: str | None = None
    text: str = ""
    media_id: str = ""
    pic_url: str = ""
    lat: float | None = None
    lng: float | None = None
    label: str = ""
    event: str = ""
    event_key: str = ""
    recognition: str = ""  # a voice message's transcript, as WeChat recognised it
    media_format: str = ""  # a voice message's Format (amr, speex)
    thumb_media_id: str = ""  # a video's thumbnail


class Intent(enum.Enum):
    START_REPORT = "start_report"
    CANCEL = "cancel"
    HELP = "help"
    QUERY = "query"
    CONFIRM = "confirm"
    DONE = "done"
    SKIP = "skip"
    NUMBER = "number"
    TEXT = "text"
    IMAGE = "image"
    LOCATION = "location"
    SUBSCRIBE = "subscribe"
    SCAN = "scan"
    SILENT_EVENT = "silent_event"
    UNSUPPORTED = "unsupported"
    COMMAND = "command"  # an officer's or manager's command, or "绑定 <code>"
    DECLARE_WORKER = "declare_worker"
    INSPECT = "inspect"  # "检查 [企业]" / "自查": start, join or resume an inspection
    MY_REPORTS = "my_reports"  # "我的报告": a named reporter's own reports (follow_up.py)
    GREETING = "greeting"  # "你好", "在吗": a friendly answer and the menu
    RESUME = "resume"  # "继续": go on with a draft kept from earlier
    START_OVER = "start_over"  # "重新开始": drop the kept draft and report afresh


# Keywords count only as the whole message: "车间有隐患" is a description, not a command.
_KEYWORDS = {
    Intent.START_REPORT: {"举报", "报告", "隐患", "我要举报", "报告隐患", "举报隐患"},
    Intent.CANCEL: {"取消", "退出", "算了"},
    Intent.HELP: {"帮助", "help", "?", "？"},
    Intent.CONFIRM: {"确认", "确定", "提交", "确认提交"},
    Intent.DONE: {"好了", "完成", "发完了", "没有了"},
    Intent.SKIP: {"跳过", "无", "没有", "不需要"},
    Intent.DECLARE_WORKER: {"我是员工", "我是该企业员工", "我是本企业员工"},
    Intent.MY_REPORTS: {"我的报告", "我的举报", "我的隐患报告"},
    Intent.RESUME: {"继续", "继续填写", "继续报告"},
    Intent.START_OVER: {"重新开始", "重来", "重新举报", "重新报告"},
}
# Longer words first: "不予受理" is not "受理", "提交整改" is not "整改". The notifications
# teach some of them (workflow_texts.CMD_*), so those are taken from there.
COMMAND_WORDS = tuple(sorted(
    {
        "受理", "不予受理", "定级", "限期", "督办", "验收", "销号", "退回", "合并", "待办", "举报人",
        "处罚", "奖励", "整改", "提交整改", "方案", "整改完成", "绑定", "解绑", "周报", "更多",
        workflow_texts.CMD_ACK, workflow_texts.CMD_REJECT, workflow_texts.CMD_PLAN,
        workflow_texts.CMD_PROOF, workflow_texts.CMD_VERIFY, workflow_texts.CMD_SEND_BACK,
    },
    key=lambda word: (-len(word), word),
))
# A command word followed by nothing, a space or a number: "验收不合格" is a sentence.
_COMMAND = re.compile(rf"^(?:{'|'.join(COMMAND_WORDS)})(?=$|[\s:,，]|[A-Za-z0-9])")
MENU_REPORT_KEY = "REPORT"
_QUERY = re.compile(r"^查询[\s:]*(?P<number>[A-Za-z]{2}\d+)?(?:\s+(?P<code>\w+))?\s*$")
# "查询" alone or followed by a number is the command; "查询了一下，除尘器…" is a sentence.
_QUERY_COMMAND = re.compile(r"^查询(?:$|[\s:A-Za-z0-9])")
# "你好", "在吗", "你好，在吗？", "hello": only greetings, nothing else.
_GREETING = re.compile(
    r"^(?:(?:你好|您好|在吗|在不在|有人吗|有人在吗|hi|hello|嗨|哈喽)[呀啊吖]?[\s,，!！。.?？~～]*)+$", re.I)
# "检查" alone or followed by a space and a name; "检查了除尘器…" is a sentence.
_INSPECT = re.compile(r"^(?:检查|自查|开始检查|继续检查)(?:$|[\s:：]+(?P<name>\S.*)$)")


def fold(text: str) -> str:
    """Normalize full-width characters and strip punctuation around a command."""
    return unicodedata.normalize("NFKC", text).strip().strip("。.!！~～ ")


def classify(msg: Incoming) -> Intent:
    if msg.kind == "image":
        return Intent.IMAGE
    if msg.kind == "location":
        return Intent.LOCATION
    if msg.kind == "event":
        return _classify_event(msg)
    if msg.kind != "text":
        return Intent.UNSUPPORTED
    text = fold(msg.text)
    if _QUERY_COMMAND.match(text):
        return Intent.QUERY
    if _COMMAND.match(text):
        return Intent.COMMAND
    if _INSPECT.match(text):
        return Intent.INSPECT
    if text.isdigit() and len(text) <= 2:
        return Intent.NUMBER
    if _GREETING.match(text):
        return Intent.GREETING
    for intent, words in _KEYWORDS.items():
        if text.lower() in words:
            return intent
    return Intent.TEXT


def _classify_event(msg: Incoming) -> Intent:
    event = msg.event.lower()
    if event == "click" and msg.event_key == MENU_REPORT_KEY:
        return Intent.START_REPORT
    # A follower's scan arrives as SCAN; a new follower's as subscribe with qrscene_<scene>,
    # which wechatpy turns into subscribe_scan with the bare scene.
    if event in ("scan", "subscribe_scan") or (event == "subscribe" and msg.event_key):
        return Intent.SCAN
    if event == "subscribe":
        return Intent.SUBSCRIBE
    return Intent.SILENT_EVENT


def scene_of(msg: Incoming) -> str:
    """The QR scene of a scan event, whichever way WeChat delivered it."""
    return msg.event_key.removeprefix("qrscene_")


def is_new_follower(msg: Incoming) -> bool:
    return msg.event.lower() in ("subscribe", "subscribe_scan")


def parse_query(text: str) -> tuple[str, str | None] | None:
    """"查询 YH202611240001 ABCD2345" → (number, code); None when no number was given."""
    match = _QUERY.match(fold(text))
    if match is None or not match.group("number"):
        return None
    return match.group("number").upper(), match.group("code")


def inspect_target(text: str) -> str | None:
    """The enterprise named in "检查 <企业>", or None for a bare "检查" / "自查"."""
    match = _INSPECT.match(fold(text))
    return match.group("name").strip() if match and match.group("name") else None
