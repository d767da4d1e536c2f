"""``kefu duty replay`` (rules over CSV history) and ``kefu duty worker`` (the timer loop)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import parse_aware


def register(app: typer.Typer) -> None:
    duty = typer.Typer(help="跟进规则与任务 / follow-up rules and tasks", no_args_is_help=True)

    @duty.command("replay")
    def replay_cmd(
        orders: Path = typer.Option(..., "--orders", help="O.csv as in `kefu credit run`"),
        messages: Path = typer.Option(..., "--messages", help="M.csv as in `kefu credit run`"),
        roster: Path = typer.Option(..., "--roster", help="R.csv: agent,date,shift"),
        until: str = typer.Option(..., "--until", help="ISO time; only events at or before it fire"),
        out: Path = typer.Option(..., "--out", help="output folder for tasks.csv and messages.csv"),
        returns: Path | None = typer.Option(None, "--returns", help="T.csv: order_id,received_at"),
        reviews: Path | None = typer.Option(None, "--reviews", help="V.csv: order_id,buyer,posted_at,rating"),
        shifts: Path | None = typer.Option(None, "--shifts", help="S.csv: code,start,end,night[,evening]"),
        rules: Path | None = typer.Option(None, "--rules", help="rule YAML (default: seed-003 rules)"),
        attribution: Path | None = typer.Option(
            None, "--attribution", help="order_id,order_agent,payment_agent instead of running the credit engine"),
        review_odd: str = typer.Option("", "--review-odd", help="agents for odd first-review days, comma separated"),
        review_even: str = typer.Option("", "--review-even", help="agents for even first-review days"),
    ) -> None:
        """按历史数据重放跟进规则 / replay the follow-up rules over CSV history."""
        from kefu.service.duty.actions import replay_files

        if bool(review_odd) != bool(review_even):
            raise bad_argument("--review-odd/--review-even", "需同时给出", "give both or neither")
        stages = {"read": "读取文件 / reading files", "credit": "业绩归属 / attributing orders",
                  "fire": "执行规则 / firing rules", "write": "写出结果 / writing results"}
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), transient=True,
                      console=Console(stderr=True)) as progress:
            bar = progress.add_task(stages["read"], total=len(stages))

            def on_stage(stage: str) -> None:
                progress.update(bar, description=stages[stage], completed=list(stages).index(stage))

            result = replay_files(
                orders=orders, messages=messages, roster=roster, until=parse_aware(until), out=out,
                returns=returns, reviews=reviews, shifts=shifts, rules=rules, attribution=attribution,
                review_odd=[a for a in review_odd.split(",") if a],
                review_even=[a for a in review_even.split(",") if a], on_stage=on_stage,
            )
        typer.echo(f"tasks={len(result.tasks)} messages={len(result.messages)} skipped={len(result.skipped)} "
                   f"out={out}")

    @duty.command("worker")
    def worker_cmd(
        once: bool = typer.Option(False, "--once", help="one pass, then exit"),
        interval: float = typer.Option(5.0, "--interval", min=0.1, help="seconds between polls"),
        batch: int = typer.Option(200, "--batch", min=1, help="timers / messages claimed per pass"),
    ) -> None:
        """轮询到期规则、逾期任务与待发通知 / poll due timers, overdue tasks and the outbox."""
        from kefu.config import get_settings
        from kefu.service.duty.actions import run_worker
        from kefu.store.migrate import upgrade

        upgrade(get_settings().database_url)
        passes = run_worker(once=once, interval=interval, batch=batch)
        typer.echo(f"passes={passes}")

    app.add_typer(duty, name="duty")
