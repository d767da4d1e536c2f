"""``kefu demo``: load a simulated demo shop (first run of ``make run``)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from kefu.config import get_settings
from kefu.domain.timeutil import parse_day
from kefu.store.db import make_engine
from kefu.store.migrate import upgrade


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        seed: int = typer.Option(1, "--seed"),
        days: int = typer.Option(31, "--days", help="天数 / days simulated"),
        agents: int = typer.Option(12, "--agents", help="客服人数 / number of agents"),
        if_empty: bool = typer.Option(
            False, "--if-empty", help="数据库已有店铺时不做任何事 / skip when a shop exists"
        ),
        start: str = typer.Option(
            "", "--start", help="YYYY-MM-DD; 默认最后一天为今天 / default: window ends today"
        ),
    ) -> None:
        """载入演示店铺 / load a simulated demo shop (chats, orders, roster, accounts)."""
        first = parse_day(start) if start else None
        # pandas, numba…: imported only when a demo is loaded, so `kefu --help` stays quick
        from kefu.service.demo.actions import load_demo, validate

        validate(seed, days, agents, first)  # before the database is created or touched
        settings = get_settings()
        url = settings.database_url
        upgrade(url)
        engine = make_engine(url)
        console = Console()
        try:
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(),
                          console=console, transient=True) as bar:  # fmt: skip
                task = bar.add_task("演示店铺 / demo shop", total=8)

                def tick(step: str, done: int, total: int) -> None:
                    bar.update(task, description=step, completed=done, total=total)

                summary = load_demo(engine, seed, days, agents, first, tick, if_empty=if_empty,
                                    credentials_dir=settings.data_dir)
        finally:
            engine.dispose()
        if summary.skipped:
            console.print("数据库已有店铺, 未载入演示数据 / a shop exists; demo not loaded (--if-empty)")
            return
        assert summary.start is not None
        console.print(
            f"演示店铺已载入 / demo shop loaded: {summary.start} + {summary.days} 天/days, "
            f"{summary.agents} 客服/agents, {summary.conversations:,} 会话/conversations, "
            f"{summary.messages:,} 消息/messages, {summary.orders:,} 订单/orders"
        )
        console.print("[bold green]演示登录 / demo login[/]")
        console.print(
            f"  主管 supervisor: [bold]{summary.supervisor}[/]  密码 password: [bold]{summary.supervisor_password}[/]"
        )
        if summary.admin_password:
            console.print(
                f"  管理员 admin: [bold]{summary.admin}[/]  密码 password: [bold]{summary.admin_password}[/]"
            )
        console.print(
            f"  客服 agents: kf01…kf{summary.agents:02d}  密码 password: {summary.supervisor_password}"
        )
        console.print(f"  密码已保存到 / passwords saved in: [bold]{escape(summary.credentials_file)}[/] (0600)",
                      soft_wrap=True)  # one line: the path is copied from here
        console.print(
            "  [yellow]首次登录时必须修改密码 / each account must change its password at first sign-in[/]"
        )
