"""Flask CLI commands: ``flask db upgrade|downgrade``, ``regions load``, ``demo load``, ``worker run``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from bot import migrate
from bot.db import session_factory
from bot.services.clock import utcnow

db_cli = AppGroup("db", help="Database schema (Alembic).")
regions_cli = AppGroup("regions", help="Shanxi's administrative divisions.")
demo_cli = AppGroup("demo", help="Demo data for dev mode.")
worker_cli = AppGroup("worker", help="The job and outbox worker.")


def init_app(app: Flask) -> None:
    for group in (db_cli, regions_cli, demo_cli, worker_cli):
        app.cli.add_command(group)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the latest)."""
    _ensure_sqlite_dir()
    migrate.upgrade(current_app.extensions["engine"], revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION."""
    migrate.downgrade(current_app.extensions["engine"], revision)
    click.echo(f"database at {revision}")


@regions_cli.command("load")
def regions_load() -> None:
    """Load or refresh Shanxi's cities and counties from the shipped data file."""
    from bot.services.regions import load_regions

    with session_factory()() as session:
        count = load_regions(session)
        session.commit()
    click.echo(f"{count} divisions loaded")


@demo_cli.command("load")
def demo_load() -> None:
    """Add the demo enterprises (idempotent)."""
    from bot.demo import load_demo

    with session_factory()() as session:
        added = load_demo(session, now=utcnow())
        session.commit()
    click.echo(f"{added} demo enterprises added")


@worker_cli.command("run")
def worker_run() -> None:
    """Run jobs and deliver the outbox until interrupted (production: its own process)."""
    click.echo("worker running; Ctrl-C to stop")
    current_app.extensions["worker"].run_forever()


def _ensure_sqlite_dir() -> None:
    url: str = current_app.config["HAZARDBOT"]["database"]["url"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
