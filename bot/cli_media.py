"""Flask CLI commands: ``media migrate --to s3`` and ``media info`` (deploy/README.md, "媒体存储").

Moving to a bucket: fill in ``[media] s3_*`` (keep ``backend = "local"``), run
``flask media migrate --to s3`` until it reports no failure, then set ``backend = "s3"`` and
restart. The copy is verified object by object (``storage_copy``), and can be run again at
any time: what is already in the bucket is only re-checked.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from bot.services.platform.storage import LocalDirectoryStore, StorageError
from bot.services.platform.storage_copy import copy_all
from bot.services.platform.storage_s3 import S3Store

media_cli = AppGroup("media", help="Evidence storage: which store, and moving a media directory to S3.")


def init_app(app: Flask) -> None:
    app.cli.add_command(media_cli)


@media_cli.command("info")
def media_info() -> None:
    """Which store this configuration uses, and whether it answers."""
    store = current_app.extensions["media_store"]
    click.echo(store.describe())
    try:
        store.check()
    except StorageError as exc:
        raise click.ClickException(f"存储不可用：{exc}") from None
    click.echo("ok")


@media_cli.command("migrate")
@click.option("--to", "to", type=click.Choice(["s3"]), required=True, help="Target backend.")
@click.option("--from-dir", "from_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Source directory (default: [media] dir).")
@click.option("--verbose", "-v", is_flag=True, help="One line per object.")
def media_migrate(to: str, from_dir: Path | None, verbose: bool) -> None:
    """Copy every file of the media directory into the [media] s3_* bucket, verifying each by sha256."""
    media = current_app.config["HAZARDBOT"]["media"]
    source_dir = from_dir or Path(media["dir"])
    if not media["s3_bucket"]:
        raise click.ClickException("请先在配置 [media] 中填写 s3_bucket（以及 s3_endpoint_url、s3_region）")
    if not source_dir.is_dir():
        raise click.ClickException(f"媒体目录不存在：{source_dir}")
    try:
        target = S3Store.from_config(media)
        target.check()
    except StorageError as exc:
        raise click.ClickException(f"无法访问目标存储桶：{exc}") from None
    click.echo(f"from local directory {source_dir} to {target.describe()}")

    def progress(key: str, outcome: str) -> None:
        if verbose or outcome.startswith("failed"):
            click.echo(f"{key}: {outcome}")

    report = copy_all(LocalDirectoryStore(source_dir), target, progress=progress)
    click.echo(f"{report.copied} copied ({report.bytes_copied} bytes), {report.present} already there "
               f"and verified, {len(report.failed)} failed")
    if not report.ok:
        raise click.ClickException("部分文件未能迁移，请查看上面的 failed 行后重新运行")
