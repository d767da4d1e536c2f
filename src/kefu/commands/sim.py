"""``kefu sim export``: write simulated messages and orders at benchmark scale."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from kefu.domain.timeutil import parse_day


def register(app: typer.Typer) -> None:
    sim = typer.Typer(help="模拟店铺 / shop simulator", no_args_is_help=True)

    @sim.command("export")
    def sim_export(
        orders: int = typer.Option(..., "--orders", help="订单数 / number of orders"),
        messages: int = typer.Option(..., "--messages", help="消息数 / number of chat messages"),
        out: Path = typer.Option(..., "--out", help="输出目录 / output folder"),
        seed: int = typer.Option(1, "--seed"),
        fmt: str = typer.Option("both", "--format", help="csv|parquet|both"),
        start: str = typer.Option("", "--start", help="YYYY-MM-DD (shop time; default: the simulator's fixed start)"),
        days: int = typer.Option(30, "--days"),
    ) -> None:
        """导出模拟聊天与订单 / export simulated messages.csv and orders.csv (+ Parquet)."""
        from kefu.service.sim.actions import DEFAULT_START, export  # numpy, pyarrow: only when exporting

        first: date = parse_day(start) if start else DEFAULT_START
        with Progress(
            TextColumn("[bold]模拟 / simulating"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} rows"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        ) as bar:
            task = bar.add_task("export", total=max(orders + messages, 1))

            def tick(done: int, total: int) -> None:
                bar.update(task, completed=done)

            paths = export(orders, messages, out, seed=seed, fmt=fmt, progress=tick, start=first, days=days)
        typer.echo(f"messages: {paths[0]}  ({messages:,} rows)")
        typer.echo(f"orders:   {paths[1]}  ({orders:,} rows)")

    app.add_typer(sim, name="sim")
