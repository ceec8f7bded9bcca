"""Flask CLI commands: ``campaigns seed|list|status``; ``report weekly|ledger|monthly|cross-plan|
cross-summary``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from bot.db import session_factory
from bot.services.platform.clock import local, utcnow

campaigns_cli = AppGroup("campaigns", help="Campaigns (专项行动) and their reporting cadence.")
report_cli = AppGroup(
    "report", help="The campaigns' tables (周调度统计表, 重大事故隐患台账, 月度进展, 交叉检查) as .xlsx.")


def init_app(app: Flask) -> None:
    app.cli.add_command(campaigns_cli)
    app.cli.add_command(report_cli)


@campaigns_cli.command("seed")
def campaigns_seed() -> None:
    """Add the campaigns of the three notices (idempotent)."""
    from bot.services.forms.campaign_seeds import seed_campaigns

    with session_factory()() as session:
        added = seed_campaigns(session, utcnow())
        session.commit()
    click.echo(f"{added} campaigns added")


@campaigns_cli.command("list")
def campaigns_list() -> None:
    """Every campaign: id, document number, period, cadence, form."""
    from sqlalchemy import select

    from bot.models import Campaign

    with session_factory()() as session:
        for c in session.scalars(select(Campaign).order_by(Campaign.starts_on)):
            weekday = "一二三四五六日"[c.due_weekday] if c.due_weekday is not None else None
            due = f"周{weekday}" if weekday else f"每月{c.due_day}日"
            click.echo(f"{c.id}\t{c.doc_number}\t{c.starts_on}..{c.ends_on}\t{due} {c.due_time or ''}\t"
                       f"{c.form}\t{c.name}")


@campaigns_cli.command("status")
@click.option("--week", required=True, help="ISO week, e.g. 2025-W02.")
@click.option("--campaign", "campaign_key", default=None, help="Document number or id.")
def campaigns_status(week: str, campaign_key: str | None) -> None:
    """Which cities have filed the week's table."""
    from bot.services.forms.campaigns import filing_status
    from bot.services.forms.periods import StatsError, campaign_for_week

    with session_factory()() as session:
        try:
            campaign = campaign_for_week(session, week, campaign_key)
        except StatsError as exc:
            raise click.ClickException(str(exc)) from None
        if campaign is None:
            raise click.ClickException(f"{week}没有进行中的专项行动")
        for name, status in filing_status(session, campaign, week).items():
            click.echo(f"{name}\t{status}")


@report_cli.command("weekly")
@click.option("--region", "region_code", required=True, help="Division code; everything under it too.")
@click.option("--week", required=True,
              help="ISO week of the cut-off, e.g. 2025-W03: 2025-01-10 12:00 to 2025-01-17 12:00.")
@click.option("--campaign", "campaign_key", default=None,
              help="Document number or id (default: the weekly campaign running that week).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
def report_weekly(region_code: str, week: str, campaign_key: str | None, out: Path) -> None:
    """Write the week's table (附件1, or the 2021 table for that campaign) to OUT (.xlsx)."""
    from bot.services.forms import exports
    from bot.services.forms.campaigns import week_label
    from bot.services.forms.figures import weekly_figures
    from bot.services.forms.periods import StatsError, campaign_for_week, campaign_windows, period_label
    from bot.services.forms.weekly_tables import table_sheets

    _xlsx(out)
    today = local(utcnow()).date()
    with session_factory()() as session:
        try:
            campaign = campaign_for_week(session, week, campaign_key)
            if campaign is not None:  # a confirmed table as filed, else the draft
                sheets = table_sheets(session, campaign, region_code, week, today)
            else:
                sheets = exports.weekly_sheets(weekly_figures(session, region_code, week), None)
        except StatsError as exc:
            raise click.ClickException(str(exc)) from None
        label = (week_label(session, campaign, region_code, week) if campaign is not None
                 else period_label(campaign_windows(None, week)[0]))
    exports.write_workbook(out, sheets)
    click.echo(f"已导出{label}周调度统计表到 {out}")


@report_cli.command("ledger")
@click.option("--region", "region_code", required=True, help="Division code; everything under it too.")
@click.option("--week", default=None, help="Cumulative up to this ISO week (default: every major hazard).")
@click.option("--campaign", "campaign_key", default=None, help="Document number or id.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
def report_ledger(region_code: str, week: str | None, campaign_key: str | None, out: Path) -> None:
    """Write the major-hazard ledger (附件2) to OUT (.xlsx)."""
    from bot.models import Region
    from bot.services.forms import exports
    from bot.services.forms.major_ledger import ledger_rows
    from bot.services.forms.periods import StatsError, campaign_for_week

    _xlsx(out)
    with session_factory()() as session:
        region = session.get(Region, region_code)
        if region is None:
            raise click.ClickException(f"没有行政区划代码“{region_code}”")
        try:
            campaign = campaign_for_week(session, week, campaign_key) if week or campaign_key else None
            rows = ledger_rows(session, region_code, week, campaign)
        except StatsError as exc:
            raise click.ClickException(str(exc)) from None
    exports.write_workbook(out, [exports.ledger_sheet(region.name, rows, local(utcnow()).date())])
    click.echo(f"已导出{len(rows)}条重大事故隐患到 {out}")


def _xlsx(out: Path) -> None:
    """The forms are Excel workbooks: refuse another file type before any work is done."""
    if out.suffix.lower() != ".xlsx":
        raise click.ClickException("输出文件须为 .xlsx")


@report_cli.command("monthly")
@click.option("--region", "region_code", required=True, help="Division code of the filing region.")
@click.option("--month", required=True, help="Month, e.g. 2022-05.")
@click.option("--campaign", "campaign_key", default=None,
              help="Document number or id (default: the monthly campaign running that month).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
def report_monthly(region_code: str, month: str, campaign_key: str | None, out: Path) -> None:
    """Write the task list's monthly progress table (002 附件2) to OUT (.xlsx)."""
    from bot.models import Region
    from bot.services.forms.campaigns import ReportError
    from bot.services.forms.exports import write_workbook
    from bot.services.forms.exports_tasks import monthly_sheet
    from bot.services.forms.task_lists import monthly_campaign, monthly_progress

    _xlsx(out)
    with session_factory()() as session:
        region = session.get(Region, region_code)
        if region is None:
            raise click.ClickException(f"没有行政区划代码“{region_code}”")
        try:
            campaign = monthly_campaign(session, month, campaign_key)
            rows = monthly_progress(session, campaign, region_code, month)
        except ReportError as exc:
            raise click.ClickException(str(exc)) from None
        if not rows:
            raise click.ClickException(f"{campaign.doc_number}没有任务清单")
        sheet = monthly_sheet(region.name, month, rows, local(utcnow()).date())
    write_workbook(out, [sheet])
    click.echo(f"已导出{month}重点工作进展情况（{len(rows)}条措施）到 {out}")


@report_cli.command("cross-plan")
@click.option("--campaign", "campaign_key", default=None,
              help="Document number or id (default: 晋应急发〔2024〕354号; all records if not seeded).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
def report_cross_plan(campaign_key: str | None, out: Path) -> None:
    """Write the cross-inspection plan (附件3: the 11 city pairs, with progress) to OUT (.xlsx)."""
    from bot.models import Region
    from bot.services.forms.cross_checks import cross_campaign, cross_plan_rows
    from bot.services.forms.exports import write_workbook
    from bot.services.forms.exports_tasks import cross_plan_sheet
    from bot.services.forms.periods import StatsError

    _xlsx(out)
    with session_factory()() as session:
        try:
            campaign = cross_campaign(session, campaign_key)
        except StatsError as exc:
            raise click.ClickException(str(exc)) from None
        rows = cross_plan_rows(session, campaign)
        province = session.get(Region, campaign.region_code if campaign else "140000")
        unit = province.name if province else ""
    write_workbook(out, [cross_plan_sheet(unit, rows, local(utcnow()).date())])
    click.echo(f"已导出市级交叉检查工作安排表到 {out}")


@report_cli.command("cross-summary")
@click.option("--region", "region_code", required=True, help="The inspected city (or a county of it).")
@click.option("--campaign", "campaign_key", default=None,
              help="Document number or id (default: 晋应急发〔2024〕354号; all records if not seeded).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
def report_cross_summary(region_code: str, campaign_key: str | None, out: Path) -> None:
    """Write the cross-inspection summary (附件4: one row per inspected enterprise) to OUT (.xlsx)."""
    from bot.models import Region
    from bot.services.forms.cross_checks import cross_campaign, cross_summary_rows
    from bot.services.forms.exports import write_workbook
    from bot.services.forms.exports_tasks import cross_summary_sheet
    from bot.services.forms.periods import StatsError

    _xlsx(out)
    with session_factory()() as session:
        try:
            campaign = cross_campaign(session, campaign_key)
            rows = cross_summary_rows(session, region_code, campaign)
        except StatsError as exc:
            raise click.ClickException(str(exc)) from None
        region = session.get(Region, region_code)
        assert region is not None
        sheet = cross_summary_sheet(region.name, rows, local(utcnow()).date())
    write_workbook(out, [sheet])
    click.echo(f"已导出{len(rows)}家受检企业的交叉检查隐患情况到 {out}")
