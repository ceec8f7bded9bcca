"""The campaigns of the seed documents (000, 001, 002), loaded into the database.

Seeding is data, not a rule of any one form: the 2022 campaign brings its task list (9 tasks,
18 measures, ``task_lists.py``), so this module sits above both ``campaigns`` and
``task_lists`` and neither needs the other to start.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Campaign
from bot.services.forms.task_lists import TASK_LIST_DOC, seed_tasks

SEED_CAMPAIGNS: tuple[dict[str, Any], ...] = (
    {
        "doc_number": "晋应急发〔2024〕354号",
        "name": "冶金工贸行业安全生产风险隐患排查整治专项行动",
        "region_code": "140000", "starts_on": date(2024, 12, 6), "ends_on": date(2025, 3, 31),
        "cadence": "weekly", "due_weekday": 4, "due_day": None, "due_time": "12:00",
        "form": "weekly_dispatch",
    },
    {
        "doc_number": "晋应急发电〔2021〕7号",
        "name": "全国两会期间冶金工贸行业安全生产专项督查",
        "region_code": "140000", "starts_on": date(2021, 3, 1), "ends_on": date(2021, 3, 20),
        "cadence": "weekly", "due_weekday": 4, "due_day": None, "due_time": "12:00",
        "form": "two_sessions",
    },
    {
        "doc_number": "晋应急发〔2022〕80号",
        "name": "冶金制造安全专项整治三年行动2022年重点任务",
        "region_code": "140000", "starts_on": date(2022, 3, 4), "ends_on": date(2022, 12, 31),
        "cadence": "monthly", "due_weekday": None, "due_day": 30, "due_time": None,
        "form": "monthly_progress",
    },
)


def seed_campaigns(session: Session, now: datetime) -> int:
    """Add the three campaigns of the seeds, or refresh them; returns how many were added."""
    added = 0
    for values in SEED_CAMPAIGNS:
        campaign = session.scalars(
            select(Campaign).where(Campaign.doc_number == values["doc_number"])
        ).first()
        if campaign is None:
            session.add(Campaign(created_at=now, **values))
            added += 1
        else:
            for key, value in values.items():
                setattr(campaign, key, value)
    session.flush()
    task_campaign = session.scalars(select(Campaign).where(Campaign.doc_number == TASK_LIST_DOC)).one()
    seed_tasks(session, task_campaign)
    return added
