"""Fixtures for service tests: a session factory on the clean test database, and a small
world of regions, enterprises and people (tests/common/factories.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.common.factories import World, make_world


@pytest.fixture
def factory(clean_db: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=clean_db, expire_on_commit=False)


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    with factory() as s:
        w = make_world(s)
        s.commit()
    return w
