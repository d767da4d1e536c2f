"""``kefu live …`` and ``kefu worktime``: the floor's periodic sweep, replay, handover, worked time."""

from __future__ import annotations

import json
import time

import typer
from rich.console import Console
from rich.table import Table

from kefu.config import get_settings
from kefu.domain.timeutil import parse_day
from kefu.service.live import actions, actions_handover, actions_presence, actions_replay
from kefu.store.db import transaction
from kefu.store.migrate import upgrade

console = Console()


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="现场分流 / live floor", no_args_is_help=True)

    @group.command("sweep")
    def sweep(every: float = typer.Option(0.0, help="repeat every N seconds (0 = once)")) -> None:
        """溢出/漏分配/超时改派 / overflow, missed drains and auto-reassign (run one per deployment)."""
        upgrade(get_settings().database_url)
        while True:
            with transaction() as session:
                done = actions.sweep(session)
            typer.echo(json.dumps(done.model_dump()))
            if every <= 0:
                return
            time.sleep(every)

    @group.command("replay")
    def replay(day: str = typer.Option(..., help="YYYY-MM-DD"), shop: str = typer.Option(..., help="shop id"),
               sl: int = typer.Option(30, help="service-level target in seconds")) -> None:
        """用真实分流规则重放一天 / replay a recorded day through the routing engine."""
        upgrade(get_settings().database_url)
        with transaction() as session:
            result = actions_replay.replay_day(session, parse_day(day), shop=shop, sl_seconds=sl)
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))

    @group.command("handover")
    def hand_over(from_agent: str = typer.Option(..., "--from"), to: list[str] = typer.Option(None, "--to"),
                  note: str = typer.Option("", help="交接说明 / note for the next shift")) -> None:
        """交接班 / hand open conversations and tasks to the next shift."""
        upgrade(get_settings().database_url)
        with transaction() as session:
            result = actions_handover.hand_over(session, from_agent, to or None, note=note, actor="cli")
        typer.echo(json.dumps(result.model_dump(by_alias=True), ensure_ascii=False, indent=2))

    @app.command("worktime")
    def worktime(agent: str = typer.Argument(...), day: str = typer.Argument(..., help="YYYY-MM-DD")) -> None:
        """工时与加班 / worked time and overtime of one agent on one day."""
        upgrade(get_settings().database_url)
        with transaction() as session:
            figures = actions_presence.worked_time(session, agent, parse_day(day))
        table = Table("项目 / item", "值 / value")
        for key, value in figures.model_dump().items():
            table.add_row(key, str(value))
        console.print(table)

    app.add_typer(group, name="live")
