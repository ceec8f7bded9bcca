"""Browser fixtures: the app in dev mode over real HTTP, and Debian's Chromium via Playwright.

The browser is the system's ``/usr/bin/chromium`` (``make test`` installs it), never one that
Playwright downloads. A missing browser fails the tests rather than skipping them: a skipped
browser test reads as green while the simulator goes untested.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import Engine

from bot import create_app
from tests.conftest import app_config
from tests.servers import serving

CHROMIUM = os.environ.get("HAZARDBOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
PHONE = {"width": 390, "height": 844}  # an iPhone 12-15's CSS viewport
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def dev_app(clean_db: Engine, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app as ``make run`` starts it: dev mode, worker thread in process, polling fast."""
    app = create_app(
        app_config(database_url, tmp_path / "instance", app={"dev_mode": True},
                   jobs={"in_process": True, "poll_seconds": 0.2})
    )
    yield app
    app.extensions["worker"].stop()  # before clean_db empties the tables under it
    app.extensions["engine"].dispose()


@pytest.fixture
def dev_url(dev_app: Flask) -> Iterator[str]:
    """The dev app on a free port, threaded: the simulator posts to its own /wechat."""
    with serving(dev_app) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need Debian's chromium "
            "(`make test` installs it via scripts/ensure-chromium.sh, or `apt-get install chromium`).",
            pytrace=False,
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh page at phone width, with its own storage (so its own random openid)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (gitignored), for a human to look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
