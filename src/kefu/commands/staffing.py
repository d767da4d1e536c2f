"""``kefu staffing erlang|requirement``: queue figures for one interval, head-count per interval."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    st = typer.Typer(help="人力测算 / staffing (Erlang C / Erlang A)", no_args_is_help=True)

    @st.command("erlang")
    def erlang_cmd(
        calls: float = typer.Option(..., "--calls", help="arrivals in the interval"),
        interval_s: float = typer.Option(1800, "--interval-s"),
        aht_s: float = typer.Option(..., "--aht-s", help="average handle time, seconds"),
        agents: int = typer.Option(..., "--agents"),
        target_s: float = typer.Option(20, "--target-s", help="answer within this many seconds"),
        patience_s: float | None = typer.Option(
            None, "--patience-s", help="mean patience: switches to Erlang A"
        ),
        concurrency: int = typer.Option(1, "--concurrency", help="chats one agent holds at once"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """一个时段的等待概率、服务水平、平均应答时间、占用率 / queue figures for one interval."""
        from kefu.service.plan import actions_staffing as staffing

        out = staffing.erlang(calls, interval_s, aht_s, agents, target_s, patience_s=patience_s,
                              concurrency=concurrency).model_dump(exclude_unset=True)
        if as_json:
            typer.echo(json.dumps(out))
        else:
            for key, value in out.items():
                typer.echo(f"{key:14s} {value}")

    @st.command("requirement")
    def requirement_cmd(
        forecast: Path = typer.Option(..., "--forecast", help="CSV interval_start,forecast"),
        out: Path = typer.Option(..., "--out", help="CSV interval_start,forecast,required,service_level"),
        interval: int = typer.Option(30, "--interval"),
        aht_s: float = typer.Option(..., "--aht-s"),
        target_sl: float = typer.Option(0.8, "--target-sl"),
        target_s: float = typer.Option(20, "--target-s"),
        patience_s: float | None = typer.Option(None, "--patience-s"),
        max_occupancy: float | None = typer.Option(None, "--max-occupancy"),
        concurrency: int = typer.Option(1, "--concurrency"),
        shrinkage: float = typer.Option(0.0, "--shrinkage"),
    ) -> None:
        """每个时段需要的坐席数 / agents required per interval (after shrinkage)."""
        from kefu.service.plan import actions_staffing as staffing
        from kefu.service.plan.schemas import StaffingTarget

        target = StaffingTarget(aht_s=aht_s, target_sl=target_sl, target_s=target_s, patience_s=patience_s,
                                concurrency=concurrency, shrinkage=shrinkage, max_occupancy=max_occupancy)
        typer.echo(f"wrote {staffing.requirement_file(forecast, out, interval, target)}")

    app.add_typer(st, name="staffing")

