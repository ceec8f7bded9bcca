"""Flask CLI commands: ``backup create|verify|restore|prune`` (deploy/README.md, "Backups").

The rules live in ``bot/services/platform/backups.py``; this module only reads the configured
database and media store, and turns refusals into a message and exit status 1 (so a cron job or
a systemd timer reports a failed backup).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from bot.services.platform import backups
from bot.services.platform.clock import utcnow
from bot.services.platform.storage import MediaStore, StorageError
from bot.services.platform.storage_config import store_from_config

backup_cli = AppGroup("backup", help="Backups of the database and the evidence, and restoring them.")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_cli)


def _database_url() -> str:
    return str(current_app.config["HAZARDBOT"]["database"]["url"])


def _store() -> MediaStore:
    return store_from_config(current_app.config["HAZARDBOT"]["media"])


@backup_cli.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup_create(directory: Path) -> None:
    """Back up the database and every evidence object into DIRECTORY (new or empty)."""
    try:
        report = backups.create(_database_url(), _store(), directory, now=utcnow())
    except (backups.BackupError, StorageError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {directory}: {report.database}, {report.objects} evidence objects, "
               f"{report.bytes} bytes")


@backup_cli.command("verify")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def backup_verify(directory: Path) -> None:
    """Check every file of the backup in DIRECTORY against the sha256 in its manifest."""
    report = backups.verify(directory)
    if not report.ok:
        for problem in report.problems:
            click.echo(f"FAILED {problem}", err=True)
        raise click.ClickException(f"{len(report.problems)} problems: this backup cannot be trusted")
    click.echo(f"backup OK: {report.database} and {report.objects} evidence objects match their hashes")


@backup_cli.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def backup_restore(directory: Path) -> None:
    """Restore DIRECTORY into the configured (EMPTY) database and media store."""
    try:
        report = backups.restore(directory, _database_url(), _store())
    except (backups.BackupError, backups.DatabaseNotEmpty, StorageError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {report.database} and {report.objects} evidence objects; "
               "next: flask db upgrade (if this code is newer), then start the services")


@backup_cli.command("prune")
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--daily", default=14, show_default=True, help="Keep the last backup of this many newest days.")
@click.option("--weekly", default=8, show_default=True, help="And of this many newest ISO weeks.")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
def backup_prune(root: Path, daily: int, weekly: int, dry_run: bool) -> None:
    """Delete the finished backups under ROOT that the retention rule does not keep."""
    from bot.services.platform.backup_retention import prune

    try:
        result = prune(root, daily=daily, weekly=weekly, dry_run=dry_run)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for path in result.deleted:
        click.echo(f"{'would delete' if dry_run else 'deleted'} {path}")
    for path in result.ignored:
        click.echo(f"left alone (not a finished backup): {path}")
    click.echo(f"{len(result.kept)} backups kept, {len(result.deleted)} "
               f"{'to delete' if dry_run else 'deleted'}")
