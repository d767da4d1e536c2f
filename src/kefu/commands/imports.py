"""``kefu import orders|chats FILE``: one transaction per file; bad rows refuse the file unless --skip-bad-rows."""

from __future__ import annotations

import csv
from pathlib import Path

import typer
from rich.progress import Progress

from kefu.config import get_settings
from kefu.store.db import transaction
from kefu.store.migrate import upgrade


def _rejects(path: Path, report: object) -> Path | None:
    rows = getattr(report, "rejected", [])
    if not rows:
        return None
    out = path.with_name(path.name + ".rejects.csv")
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "column", "原因", "reason"])
        for r in rows:
            writer.writerow([r.row, r.column, r.reason_zh, r.reason_en])
    return out


def register(app: typer.Typer) -> None:
    imp = typer.Typer(help="导入订单与聊天记录 / import orders and chat records", no_args_is_help=True)

    def _run(kind: str, file: Path, skip_bad_rows: bool, shop: str) -> None:
        from kefu.service.credit import actions_imports as svc

        upgrade(get_settings().database_url)
        fn = svc.import_orders if kind == "orders" else svc.import_chats
        with Progress(transient=True) as bar:
            task = bar.add_task(f"{kind} {file.name}", total=None)

            def tick(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            with transaction() as session:
                report = fn(session, file, skip_bad_rows=skip_bad_rows, progress=tick, shop=shop)
        typer.echo(report.summary())
        written = _rejects(file, report)
        if written:
            typer.echo(f"rejects: {written}")

    @imp.command("orders")
    def orders(
        file: Path = typer.Argument(..., help="淘宝/天猫订单报表 CSV (GBK 或 UTF-8)"),
        skip_bad_rows: bool = typer.Option(
            False, "--skip-bad-rows", help="load good rows, write rejects report"
        ),
        shop: str = typer.Option("", "--shop", help="shop id when the file has no 店铺 column"),
    ) -> None:
        """导入淘宝/天猫订单报表 / import a Taobao/Tmall order export."""
        _run("orders", file, skip_bad_rows, shop)

    @imp.command("chats")
    def chats(
        file: Path = typer.Argument(..., help="chat records: CSV/Excel schema or .txt export"),
        skip_bad_rows: bool = typer.Option(
            False, "--skip-bad-rows", help="load good rows, write rejects report"
        ),
        shop: str = typer.Option("", "--shop", help="shop id when the file has none"),
    ) -> None:
        """导入聊天记录 / import chat records."""
        _run("chats", file, skip_bad_rows, shop)

    app.add_typer(imp, name="import")
