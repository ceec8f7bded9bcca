"""Putting the test database back to its starting point: empty, then regions and demo firms."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.demo import load_demo
from bot.models import Base
from bot.services.platform.clock import utcnow
from bot.services.registry.regions import load_regions


def reset_database(engine: Engine) -> None:
    """Empty every table, then load regions and the demo enterprises."""
    with engine.begin() as conn:
        # users ⇄ hazards reference each other (last_notified_hazard_id): break the cycle first.
        conn.execute(Base.metadata.tables["users"].update().values(last_notified_hazard_id=None))
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    with Session(engine) as session:
        load_regions(session)
        load_demo(session, now=utcnow())
        session.commit()
