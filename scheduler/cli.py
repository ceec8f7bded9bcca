"""``flask scheduler run|status`` and ``flask outbox status``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from bot.db import session_factory
from bot.services.clock import format_local, utcnow

scheduler_cli = AppGroup("scheduler", help="Reminders and escalations (APScheduler, its own process).")
outbox_cli = AppGroup("outbox", help="Outgoing messages.")


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Run the scheduler until interrupted (one per deployment; a second one stands by)."""
    from scheduler.runner import build_scheduler, make_runner

    runner = make_runner(current_app)
    scheduler = build_scheduler(current_app.config["HAZARDBOT"], runner, blocking=True)
    click.echo(f"scheduler {runner.holder} running; Ctrl-C to stop")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        runner.release()


@scheduler_cli.command("status")
def scheduler_status() -> None:
    """List the jobs with their next run, and who holds the lease."""
    from bot.services.leases import holder_of
    from scheduler.runner import LEASE_NAME, next_runs

    now = utcnow()
    for spec, at in next_runs(current_app.config["HAZARDBOT"], now):
        click.echo(f"{spec.id:<18} next {format_local(at) if at else '-':<16}  {spec.description}")
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
    from bot.models import OutboxMessage

    with session_factory()() as session:
        counts = dict(session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).tuples().all())
        for status in ("pending", "sent", "failed"):
            click.echo(f"{status:<8} {counts.get(status, 0)}")
        last = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "failed")
            .order_by(OutboxMessage.id.desc()).limit(failures)
        ).all()
        if last:
            click.echo("last failures:")
        for m in last:
            click.echo(f"  #{m.id} {m.kind} to {m.openid} ({m.attempts} tries, created "
                       f"{format_local(m.created_at)}): {m.last_error}")
