"""Flask CLI commands: ``flask db upgrade|downgrade``, ``regions load``, ``demo load``, ``worker run``,
``enterprises import|export``, ``qr export|poster|revoke``, ``users invite|list|revoke|move``,
``checklists load``, ``inspections export``; the rest in ``cli_reports``, ``cli_criteria``,
``cli_wechat``, ``cli_backup`` and ``cli_media``."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from bot.db import session_factory
from bot.services.platform.clock import utcnow

db_cli = AppGroup("db", help="Database schema (Alembic).")
regions_cli = AppGroup("regions", help="Shanxi's administrative divisions.")
demo_cli = AppGroup("demo", help="Demo data for dev mode.")
worker_cli = AppGroup("worker", help="The job and outbox worker.")
enterprises_cli = AppGroup("enterprises", help="The enterprise supervision ledger (监管台账).")
qr_cli = AppGroup("qr", help="Enterprise QR codes and their posters.")
users_cli = AppGroup("users", help="Officers and enterprise managers: binding codes, list, revoke, move.")


def init_app(app: Flask) -> None:
    for group in (db_cli, regions_cli, demo_cli, worker_cli, enterprises_cli, qr_cli, users_cli):
        app.cli.add_command(group)
    app.cli.add_command(checklists_cli)
    app.cli.add_command(inspections_cli)
    from scheduler.cli import outbox_cli, retention_cli, scheduler_cli

    app.cli.add_command(scheduler_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(retention_cli)
    from bot import cli_backup, cli_criteria, cli_media, cli_reports, cli_wechat

    for module in (cli_reports, cli_criteria, cli_wechat, cli_backup, cli_media):
        module.init_app(app)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the latest)."""
    from bot import migrate  # Alembic only for this command, not in every web worker

    _ensure_sqlite_dir()
    migrate.upgrade(current_app.extensions["engine"], revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION."""
    from bot import migrate

    migrate.downgrade(current_app.extensions["engine"], revision)
    click.echo(f"database at {revision}")


@regions_cli.command("load")
def regions_load() -> None:
    """Load or refresh Shanxi's cities and counties from the shipped data file."""
    from bot.services.registry.regions import load_regions

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


@demo_cli.command("invites")
def demo_invites() -> None:
    """Print fresh binding codes for a demo county officer (小店区) and the manager of its
    demo steel plant, so the officer side can be tried in the simulator."""
    from bot.demo import issue_demo_invites

    with session_factory()() as session:
        invites = issue_demo_invites(session, now=utcnow())
        session.commit()
    for who, code in invites:
        click.echo(f"  {who}：在模拟器中另开一个用户，发送“绑定 {code}”")


@demo_cli.command("console")
def demo_console() -> None:
    """Add demo console users (for the dev login), hazards with history and a running campaign."""
    from bot.demo_console import load_console_demo

    with session_factory()() as session:
        added = load_console_demo(session, now=utcnow())
        session.commit()
    click.echo(f"{added} demo hazards added; sign in at /console/ (dev mode)")


@worker_cli.command("run")
def worker_run() -> None:
    """Run jobs and deliver the outbox until interrupted (production: its own process)."""
    click.echo("worker running; Ctrl-C to stop")
    current_app.extensions["worker"].run_forever()


@enterprises_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
def enterprises_import(file: Path, dry_run: bool) -> None:
    """Import or re-import the ledger from FILE (.xlsx or .csv); all rows or none."""
    from bot.services.registry.ledger import import_ledger
    from bot.services.registry.ledger_io import MAX_FILE_BYTES

    try:
        with file.open("rb") as fh:  # one byte over the limit is enough for the refusal
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        click.echo(f"无法读取文件 {file}：{exc.strerror or exc}", err=True)
        raise SystemExit(1) from None
    with session_factory()() as session:
        result = import_ledger(session, data, filename=file.name, now=utcnow(), dry_run=dry_run)
        if result.ok and not dry_run:
            session.commit()
    for problem in result.problems:
        click.echo(str(problem), err=True)
    click.echo(result.summary(), err=not result.ok)
    if not result.ok:
        raise SystemExit(1)


@enterprises_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--region", "region_code", default=None, help="Only enterprises within this division code.")
def enterprises_export(file: Path, region_code: str | None) -> None:
    """Write the ledger to FILE (.xlsx or .csv, by extension)."""
    from bot.models import Region
    from bot.services.registry.ledger import export_ledger
    from bot.services.registry.ledger_io import LedgerFileError

    with session_factory()() as session:
        if region_code is not None and session.get(Region, region_code) is None:
            raise click.ClickException(f"没有行政区划代码“{region_code}”")
        try:
            count = export_ledger(session, file, region_code=region_code)
        except LedgerFileError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"已导出{count}家企业到 {file}")


@qr_cli.command("export")
@click.option("--region", "region_code", required=True, help="Division code; every division under it too.")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def qr_export(region_code: str, out: Path) -> None:
    """Write one poster page per enterprise within the region to OUT (.pdf)."""
    from bot.services.platform.ports import QRCodeIssueError
    from bot.services.registry.posters import PosterError, export_region_pdf

    if out.suffix.lower() != ".pdf":
        raise click.ClickException("输出文件须为 .pdf")
    issuer = current_app.extensions["qr_issuer"]
    with session_factory()() as session, ExitStack() as stack:
        bars: list[Any] = []  # the bar starts with the first page, once the total is known

        def progress(done: int, total: int) -> None:
            if not bars:
                bars.append(stack.enter_context(click.progressbar(length=total, label="海报")))
            bars[0].update(done - bars[0].pos)

        try:
            pages = export_region_pdf(session, region_code, out, issuer, now=utcnow(), progress=progress)
        except (PosterError, QRCodeIssueError) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"已导出{pages}张海报到 {out}")


def _poster_enterprise(session: Any, ref: str) -> Any:
    """The enterprise an operator means by ``--enterprise``: its id (as the console's
    enterprises page shows it), its 统一社会信用代码, or its name — the exact name, else the
    one registry entry the name points to; several candidates are listed with id and code."""
    from sqlalchemy import select

    from bot.models import Enterprise
    from bot.services.registry.enterprises import find_by_reference, normalize, search_enterprises

    ref = ref.strip()
    if not ref:
        raise click.ClickException("请在 --enterprise 后写企业编号、统一社会信用代码或企业名称")
    enterprise = find_by_reference(session, ref)
    if enterprise is not None:
        return enterprise
    exact = [e for e in session.scalars(select(Enterprise).where(Enterprise.name == normalize(ref)))]
    if len(exact) == 1:
        return exact[0]
    matches = [m for m in search_enterprises(session, ref, limit=6) if m.score >= 1.0]
    if len(matches) == 1:
        return session.get(Enterprise, matches[0].id)
    if not matches:
        raise click.ClickException(f"没有编号、统一社会信用代码或名称为“{ref}”的企业")
    listed = "\n".join(f"  {m.id}  {session.get(Enterprise, m.id).credit_code or '（无信用代码）'}  {m.name}"
                        for m in matches)
    raise click.ClickException(f"有多家企业与“{ref}”相符，请用编号或统一社会信用代码指定：\n{listed}")


@qr_cli.command("poster")
@click.option("--enterprise", "enterprise_ref", required=True,
              help="The enterprise's id, 统一社会信用代码 or name (shown on the enterprises page).")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def qr_poster(enterprise_ref: str, out: Path) -> None:
    """Write the enterprise's poster to OUT (.png or .pdf, by extension)."""
    from bot.services.platform.ports import QRCodeIssueError
    from bot.services.registry.posters import poster_data, render_poster_pdf, render_poster_png

    render = {".png": render_poster_png, ".pdf": render_poster_pdf}.get(out.suffix.lower())
    if render is None:
        raise click.ClickException("输出文件须为 .png 或 .pdf")
    with session_factory()() as session:
        enterprise = _poster_enterprise(session, enterprise_ref)
        try:
            data = poster_data(session, enterprise, current_app.extensions["qr_issuer"], utcnow())
        except QRCodeIssueError as exc:
            raise click.ClickException(str(exc)) from None
    out.write_bytes(render(data))
    click.echo(f"{data.enterprise_name}：码号 {data.short_id}，海报已写入 {out}")


@qr_cli.command("revoke")
@click.option("--enterprise", "enterprise_id", type=int, required=True, help="The enterprise's id.")
def qr_revoke(enterprise_id: int) -> None:
    """Revoke the enterprise's code (its posters stop working) and issue a new one."""
    from bot.models import Enterprise
    from bot.services.registry.qrcodes import revoke_and_reissue, short_id

    with session_factory()() as session:
        enterprise = session.get(Enterprise, enterprise_id)
        if enterprise is None:
            raise click.ClickException(f"没有编号为 {enterprise_id} 的企业")
        code = revoke_and_reissue(session, enterprise, utcnow())
        new_id, name = short_id(code), enterprise.name
        session.commit()
    click.echo(f"{name}：旧二维码已作废，新码号 {new_id}（请重新打印海报）")


_BY_HELP = "Act as this console user (his jurisdiction and roles apply); default: the operator, as admin."


def _actor(session: Any, by: int | None) -> Any:
    """The user the command acts as (``--by``), or None: the operator, with the admin's rights."""
    from bot.models import User

    if by is None:
        return None
    actor = session.get(User, by)
    if actor is None:
        raise click.ClickException(f"没有编号为 {by} 的用户")
    return actor


def _enterprise_id(session: Any, ref: str | None) -> int | None:
    from bot.services.registry.enterprises import find_by_reference

    if ref is None:
        return None
    enterprise = find_by_reference(session, ref)
    if enterprise is None:
        raise click.ClickException(f"没有编号或统一社会信用代码为“{ref}”的企业")
    return enterprise.id


@users_cli.command("invite")
@click.option("--role", required=True,
              help="county_officer, city_officer, province_officer or enterprise_manager.")
@click.option("--region", "region_code", default=None, help="Officers: the division code of their region.")
@click.option("--enterprise", "enterprise_ref", default=None,
              help="Managers: the enterprise's id or credit code.")
@click.option("--name", default=None, help="Whom the code is for (set as the person's name when bound).")
@click.option("--days", type=int, default=7, show_default=True, help="Days before the code expires.")
@click.option("--by", type=int, default=None, help=_BY_HELP)
def users_invite(
    role: str, region_code: str | None, enterprise_ref: str | None, name: str | None, days: int,
    by: int | None,
) -> None:
    """Issue a one-time binding code; the person sends "绑定 <code>" in chat. Printed only once."""
    from bot.services.people import management
    from bot.services.people.bindings import BindingError

    with session_factory()() as session:
        enterprise_id = _enterprise_id(session, enterprise_ref)
        try:
            code = management.invite(
                session, _actor(session, by), role=role, region_code=region_code, enterprise_id=enterprise_id,
                name=name, days=days, now=utcnow(),
            )
        except BindingError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"绑定码：{code}（{days} 天内有效，仅可使用一次；请当事人在公众号回复“绑定 {code}”）")


@users_cli.command("list")
@click.option("--region", "region_code", default=None, help="Only people within this division code.")
@click.option("--by", type=int, default=None, help=_BY_HELP)
def users_list(region_code: str | None, by: int | None) -> None:
    """The officers and managers, with role, place, bound since and last seen."""
    from bot.services.people import management
    from bot.services.platform.clock import format_local

    with session_factory()() as session:
        people = management.people_of(session, _actor(session, by), region_code=region_code)
    for p in people:
        bound = format_local(p.bound_since) if p.bound_since else "—"
        seen = format_local(p.last_seen) if p.last_seen else "—"
        click.echo(f"{p.id}\t{p.name}\t{p.role_name}\t{p.place}\t绑定于 {bound}\t最近活动 {seen}")
    click.echo(f"共 {len(people)} 人")


@users_cli.command("revoke")
@click.argument("user_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--by", type=int, default=None, help=_BY_HELP)
def users_revoke(user_id: int, yes: bool, by: int | None) -> None:
    """Revoke a person's role (he becomes public; his open items go to his region's officers)."""
    from bot.services.messaging import outbox
    from bot.services.people import management
    from bot.services.people.bindings import BindingError

    if not yes:
        click.confirm(f"撤销用户 {user_id} 的身份？此操作不可撤回", abort=True)
    with session_factory()() as session:
        try:
            handover = management.revoke(session, _actor(session, by), user_id, now=utcnow(),
                                         queue=outbox.queue_message)
        except BindingError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"已撤销用户 {user_id} 的身份；{handover.summary}")


@users_cli.command("move")
@click.argument("user_id", type=int)
@click.option("--region", "region_code", default=None, help="Officers: the new division code.")
@click.option("--enterprise", "enterprise_ref", default=None,
              help="Managers: the new enterprise's id or credit code.")
@click.option("--by", type=int, default=None, help=_BY_HELP)
def users_move(user_id: int, region_code: str | None, enterprise_ref: str | None, by: int | None) -> None:
    """Move an officer to another region of his level, or a manager to another enterprise."""
    from bot.services.messaging import outbox
    from bot.services.people import management
    from bot.services.people.bindings import BindingError

    with session_factory()() as session:
        try:
            handover = management.move(
                session, _actor(session, by), user_id, region_code=region_code,
                enterprise_id=_enterprise_id(session, enterprise_ref), now=utcnow(),
                queue=outbox.queue_message)
        except BindingError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"已调整用户 {user_id}；{handover.summary}")


def _ensure_sqlite_dir() -> None:
    url: str = current_app.config["HAZARDBOT"]["database"]["url"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


checklists_cli = AppGroup("checklists", help="The checklist library (一行业一清单).")


@checklists_cli.command("load")
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="A directory of checklist .toml files (default: the shipped ones).")
def checklists_load(directory: Path | None) -> None:
    """Load or refresh the checklists into the database (idempotent; a bad file loads nothing)."""
    from bot.services.inspections.checklists import ChecklistError, load_checklists

    with session_factory()() as session:
        try:
            result = load_checklists(session, now=utcnow(), directory=directory)
        except ChecklistError as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
    click.echo(f"{result.checklists} checklists, {result.items} items loaded "
               f"({result.added} new, {result.deactivated} retired)")


inspections_cli = AppGroup("inspections", help="Inspections and their 附件5 hazard lists.")


@inspections_cli.command("export")
@click.argument("inspection_id", type=int)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def inspections_export(inspection_id: int, out: Path) -> None:
    """Write the 检查问题隐患清单 (附件5) of an inspection to OUT (.xlsx or .pdf)."""
    from bot.services.inspections import inspection_export, walks

    if out.suffix.lower() not in (".xlsx", ".pdf"):
        raise click.ClickException("输出文件须为 .xlsx 或 .pdf")
    store = current_app.extensions["media_store"]
    with session_factory()() as session:
        inspection = walks.get(session, inspection_id)
        if inspection is None:
            raise click.ClickException(f"没有编号为 {inspection_id} 的检查")
        data = inspection_export.hazard_list(session, inspection, store=store)
    render = inspection_export.render_xlsx if out.suffix.lower() == ".xlsx" else inspection_export.render_pdf
    out.write_bytes(render(data))
    click.echo(f"{out}: {len(data.rows)} hazards")
