"""Flask CLI command ``criteria suggest``: the clauses of the 判定标准 a description likely
meets, as the chat and the console suggest them (``bot/services/hazards/clause_hints.py``)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from bot.models.enterprise import INDUSTRIES
from bot.services.hazards.clause_hints import REGISTRY_FLAGS, Profile, suggest

criteria_cli = AppGroup("criteria", help="The 判定标准 (工贸企业重大事故隐患判定标准): suggestions.")
MAX_DESCRIPTION = 2000


def init_app(app: Flask) -> None:
    app.cli.add_command(criteria_cli)


@criteria_cli.command("suggest")
@click.argument("description")
@click.option("--industry", type=click.Choice(INDUSTRIES), default=None, help="The enterprise's 行业.")
@click.option("--sub-sector", default=None, help="The enterprise's 细分行业 (铸造, 铝加工（深井铸造）…).")
@click.option("--flag", "flags", multiple=True, type=click.Choice(REGISTRY_FLAGS),
              help="A registry flag the enterprise has (repeatable); with none given, flags are unknown.")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 20))
@click.option("--verbose", "-v", is_flag=True, help="Also print each clause's score and text.")
def criteria_suggest(description: str, industry: str | None, sub_sector: str | None,
                     flags: tuple[str, ...], limit: int, verbose: bool) -> None:
    """Print the likely clauses for DESCRIPTION, best first, one per line (第四条（四）)."""
    text = " ".join(description.split())
    if not text:
        raise click.UsageError("请给出隐患描述，例如：flask criteria suggest \"转炉氧枪冷却水报警失灵\"")
    if len(text) > MAX_DESCRIPTION:
        raise click.UsageError(f"描述过长（{len(text)} 字），请不超过 {MAX_DESCRIPTION} 字。")
    profile = Profile(industry, sub_sector, frozenset(flags) if flags else None)
    found = suggest(text, profile, limit=limit)
    if not found:
        click.echo("没有找到可能适用的条款。", err=True)
    for s in found:
        click.echo(f"{s.clause.short_ref}\t{s.score:.2f}\t{s.clause.text}" if verbose else s.clause.short_ref)
