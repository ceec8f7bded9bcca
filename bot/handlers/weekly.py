"""周报 in chat: the officer's table for this week as a link, its text rows, confirming, progress.

Formatting only; which table, who may confirm and what freezes is decided in
``bot/chat/reports.py`` and ``bot/services/forms/campaigns.py``.
"""

from __future__ import annotations

from bot.handlers import texts
from bot.handlers.core import ChatPort, WeeklyView


def weekly_step(port: ChatPort, action: str, row: str, text: str) -> str:
    if action == "progress":
        week, statuses = port.weekly_progress()
        filed = sum(1 for s in statuses.values() if s == "已报送")
        lines = "\n".join(f"{name}：{status}" for name, status in statuses.items())
        return texts.WEEKLY_PROGRESS.format(week=week, filed=filed, total=len(statuses), lines=lines)
    if action == "confirm":
        view = port.weekly_confirm()
        return texts.WEEKLY_CONFIRMED.format(region=view.region, week=view.week) + "\n\n" + describe(view)
    if action == "text":
        view = port.weekly_text(row, text)
        return texts.WEEKLY_TEXT_SAVED.format(row=row) + "\n\n" + describe(view)
    return describe(port.weekly_table())


def describe(view: WeeklyView) -> str:
    """The table in a few lines, the link, and what to do next."""
    if view.status == "confirmed":
        status = texts.WEEKLY_STATUS_CONFIRMED.format(who=view.confirmed_by, at=view.confirmed_at)
        todo = ""
    else:
        status = texts.WEEKLY_STATUS_DRAFT
        missing = (texts.WEEKLY_MISSING.format(rows="、".join(view.texts_missing))
                   if view.texts_missing else "")
        todo = missing + texts.WEEKLY_HOW_TO_CONFIRM
    return texts.WEEKLY_TABLE.format(
        region=view.region, week=view.week, campaign=view.campaign, status=status,
        enterprises=view.enterprises, general_found=view.general_found,
        general_fixed=view.general_fixed, major_found=view.major_found, major_fixed=view.major_fixed,
        hours=view.hours, url=view.url,
    ) + todo
