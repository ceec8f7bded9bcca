"""Flask CLI commands: ``wechat menu push|show|delete`` (the Official Account's menus)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from bot.wechat.client import HazardWeChatClient

wechat_cli = AppGroup("wechat", help="The Official Account on WeChat's side.")
menu_cli = AppGroup("menu", help="The menus from a TOML file (default bot/data/menus.toml).")
wechat_cli.add_command(menu_cli)


def init_app(app: Flask) -> None:
    app.cli.add_command(wechat_cli)


def _client() -> HazardWeChatClient:
    """The live client; dev mode has no Official Account to push to."""
    client = current_app.extensions.get("wechat_client")
    if client is None:
        raise click.ClickException("开发模式（app.dev_mode）下没有公众号菜单可操作。")
    return client  # type: ignore[no-any-return]


# Where bot/wechat/menus.py looks by default (the file kept in the repository).
DEFAULT_MENU_FILE = Path(__file__).resolve().parent / "data" / "menus.toml"


@menu_cli.command("push")
@click.option("--file", "path", type=click.Path(path_type=Path, dir_okay=False),
              default=DEFAULT_MENU_FILE, show_default=True, help="The menu file (TOML).")
@click.option("--check", is_flag=True, help="Only check the file; push nothing.")
def menu_push(path: Path, check: bool) -> None:
    """Check the file, then replace WeChat's menus (and create the roles' user tags)."""
    from bot.wechat.menus import MenuError, load, push

    try:
        menus = load(path)
        if check:
            click.echo(f"菜单文件无误：默认菜单 {len(menus.default)} 个按钮，"
                       f"角色菜单 {len(menus.conditional)} 个")
            return
        tags = push(_client(), menus)
    except MenuError as exc:
        raise click.ClickException(str(exc)) from exc
    roles = "、".join(f"{role}（标签 {tag_id}）" for role, tag_id in tags.items()) or "无"
    click.echo(f"已推送默认菜单；角色菜单：{roles}")


@menu_cli.command("show")
def menu_show() -> None:
    """Print the menus WeChat holds now, as JSON."""
    from bot.wechat.menus import MenuError, show

    try:
        held = show(_client())
    except MenuError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(held, ensure_ascii=False, indent=2) if held else "公众号当前没有菜单。")


@menu_cli.command("delete")
@click.option("--yes", is_flag=True, help="Do not ask.")
def menu_delete(yes: bool) -> None:
    """Remove every menu, the roles' menus included."""
    from bot.wechat.menus import MenuError, delete

    if not yes:
        click.confirm("删除公众号的全部菜单（含角色菜单）？", abort=True)
    try:
        delete(_client())
    except MenuError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("已删除公众号菜单。")
