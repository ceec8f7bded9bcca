"""``flask scheduler run|status``, ``flask outbox status`` and ``flask retention run``."""

from __future__ import annotations

import signal
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import session_factory
from bot.models import OutboxMessage
from bot.services.platform.clock import format_local, utcnow

scheduler_cli = AppGroup("scheduler", help="Reminders and escalations (APScheduler, its own process).")
outbox_cli = AppGroup("outbox", help="Outgoing messages.")
retention_cli = AppGroup("retention", help="Delete or blank old plumbing rows (data retention).")


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Run the scheduler until interrupted (one per deployment; a second one stands by)."""
    from scheduler.leader import LeadingScheduler
    from scheduler.runner import make_runner

    runner = make_runner(current_app)
    leader = LeadingScheduler(current_app.config["HAZARDBOT"], runner, current_app.extensions["engine"])
    click.echo(f"scheduler {runner.holder} running (standing by while another holds the lease); "
               "Ctrl-C to stop")
    # A stop from a process manager (make run, systemd) hands the lease over at once too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        leader.run_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        leader.stop()


@scheduler_cli.command("status")
def scheduler_status() -> None:
    """List the jobs with their next run, and who holds the lease."""
    from bot.services.platform.leases import holder_of
    from scheduler.runner import LEASE_NAME, next_runs, stored_next_runs

    now = utcnow()
    stored = stored_next_runs(current_app.extensions["engine"])
    if not stored:
        click.echo("job store: empty (no scheduler has led yet); next runs from the timetable")
    for spec, at in next_runs(current_app.config["HAZARDBOT"], now):
        if spec.id in stored:  # what the leading scheduler will do (a past time: a missed run)
            at = stored[spec.id]
        late = " (missed: runs once when a scheduler leads)" if at is not None and at < now else ""
        click.echo(f"{spec.id:<18} next {format_local(at) if at else '-':<16}  {spec.description}{late}")
    with session_factory()() as session:
        lease = holder_of(session, LEASE_NAME)
        if lease is None:
            click.echo("lease: never taken (no scheduler has run)")
        else:
            state = "held" if lease.expires_at > now else "expired"
            click.echo(f"lease: {state} by {lease.holder} until {format_local(lease.expires_at)}")


@outbox_cli.command("status")
@click.option("--failures", default=10, show_default=True, help="How many recent failures to list.")
def outbox_status(failures: int) -> None:
    """Pending / sent / failed counts, and the last failures."""
    with session_factory()() as session:
        counts = dict(session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).tuples().all())
        for status in ("pending", "sent", "failed", "no_channel"):
            click.echo(f"{status:<8} {counts.get(status, 0)}")
        _show_latest(session, "failed", "last failures:", failures)
        _show_latest(session, "no_channel", "last not sent (no channel, not retried):", failures)


def _show_latest(session: Session, status: str, title: str, limit: int) -> None:
    """The latest messages in ``status`` with why: what an operator needs to act on them."""
    latest = session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == status)
        .order_by(OutboxMessage.id.desc()).limit(limit)
    ).all()
    if latest:
        click.echo(title)
    for m in latest:
        tries = f"{m.attempts} tries, " if status == "failed" else ""
        click.echo(f"  #{m.id} {m.kind} to {m.openid} ({tries}created {format_local(m.created_at)}): "
                   f"{m.last_error}")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted or blanked.")
def retention_run(dry_run: bool) -> None:
    """Apply the [retention] rules now (the scheduler does it every retention.every_minutes)."""
    from bot.services.platform import retention

    settings = retention.RetentionSettings.from_config(current_app.config["HAZARDBOT"])
    now = utcnow()
    with session_factory()() as session:
        if dry_run:
            counts = retention.pending(session, now=now, settings=settings)
        else:
            counts = retention.run(session, now=now, settings=settings)
    verb = ({"delete": "would delete", "blank": "would blank"} if dry_run
            else {"delete": "deleted", "blank": "blanked"})
    for rule in retention.RULES:
        click.echo(f"{rule.table:<24} {verb[rule.action]:<13} {counts[rule.name]:>8}  {rule.note}")
