"""``kefu import orders|chats|calls FILE``: one transaction per file; bad rows refuse the file unless --skip-bad-rows.

Every command ends with the line "… read R, inserted I, updated U, unchanged N,
rejected X" and exits 0 only when the file was stored (a refused file, or a
--skip-bad-rows run that stores nothing, exits 2 with every bad row listed).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kefu.config import get_settings
from kefu.store.db import transaction
from kefu.store.migrate import upgrade


def _rejects(path: Path, rows: list[Any]) -> Path | None:
    if not rows:
        return None
    out = path.with_name(path.name + ".rejects.csv")
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "column", "原因", "reason"])
        for r in rows:
            writer.writerow([r.row, r.column, r.reason_zh, r.reason_en])
    return out


def _run(file: Path, call: Callable[..., Any]) -> None:
    """Run one importer in one transaction under a progress bar; print its notes, rejects and summary."""
    upgrade(get_settings().database_url)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(file.name, total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        with transaction() as session:
            report = call(session, file, progress=tick)
    for line in report.notes():
        typer.echo(line)
    written = _rejects(file, report.rejected)
    if written:
        typer.echo(f"rejects: {written}")
    typer.echo(report.summary())


def register(app: typer.Typer) -> None:
    imp = typer.Typer(help="导入订单、聊天记录与通话记录 / import orders, chats and call records", no_args_is_help=True)
    skip_help = "load good rows, write the rejects report (a run that stores nothing fails)"

    @imp.command("orders")
    def orders(
        file: Path = typer.Argument(..., help="订单导出 / 宝贝报表 (CSV 或 xlsx): 淘宝/天猫、千牛、拼多多、京东、抖店"),
        shop: str = typer.Option("", "--shop", help="shop id (else the file's 店铺名称 through the shop aliases)"),
        platform: str = typer.Option("auto", "--platform", help="auto|taobao|qianniu|pdd|jd|douyin"),
        skip_bad_rows: bool = typer.Option(False, "--skip-bad-rows", help=skip_help),
    ) -> None:
        """导入订单导出 (格式按表头识别) / import an order export (layout detected from its header)."""
        from kefu.service.imports import actions

        _run(file, lambda s, f, progress: actions.import_orders(
            s, f, skip_bad_rows=skip_bad_rows, progress=progress, shop=shop, platform=platform))  # fmt: skip

    @imp.command("chats")
    def chats(
        file: Path = typer.Argument(..., help="千牛聊天记录 (.txt)、网页查询页文本、逐买家 Excel, 或 CSV"),
        shop: str = typer.Option("", "--shop", help="shop id (else the 店铺 prefix of 店铺:客服 through the aliases)"),
        fmt: str = typer.Option("auto", "--format", help="auto|qianniu-text|qianniu-web|qianniu-xlsx|csv"),
        day: str = typer.Option("", "--date", help="YYYY-MM-DD for exports whose times carry no date"),
        skip_bad_rows: bool = typer.Option(False, "--skip-bad-rows", help=skip_help),
    ) -> None:
        """导入聊天记录 / import chat records."""
        from kefu.service.imports import actions

        when = _day(day)
        _run(file, lambda s, f, progress: actions.import_chats(
            s, f, skip_bad_rows=skip_bad_rows, progress=progress, shop=shop, fmt=fmt, day=when))  # fmt: skip

    @imp.command("calls")
    def calls(
        file: Path = typer.Argument(..., help="通话记录 CDR (CSV 或 xlsx): 主叫号码, 开始时间, 通话时长, 坐席工号 …"),
        shop: str = typer.Option("", "--shop", help="shop id the calls belong to"),
        skip_bad_rows: bool = typer.Option(False, "--skip-bad-rows", help=skip_help),
    ) -> None:
        """导入通话记录 / import phone call records (CDR)."""
        from kefu.service.imports import actions

        _run(file, lambda s, f, progress: actions.import_calls(
            s, f, skip_bad_rows=skip_bad_rows, progress=progress, shop=shop))  # fmt: skip

    app.add_typer(imp, name="import")


def _day(text: str) -> date | None:
    from kefu.domain.timeutil import parse_day

    return parse_day(text, "--date") if text else None
