"""``kefu forecast predict|backtest|calls-to-counts``: thin wrappers over the forecast engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import parse_day

if TYPE_CHECKING:
    from kefu.domain.calendar import BusinessCalendar
    from kefu.plan.events import PromotionCalendar


def _calendars(calendar: str, events: str) -> tuple[BusinessCalendar | None, PromotionCalendar]:
    """The holiday and promotion calendars a command asked for (imported lazily: the CLI starts fast)."""
    from kefu.domain.calendar import BusinessCalendar
    from kefu.plan.events import DEFAULT_PROMOTIONS, NO_EVENTS, PromotionCalendar

    if calendar not in ("cn", "none"):
        raise bad_argument("calendar", "须为 cn 或 none", "must be cn or none")
    if events not in ("default", "none"):
        raise bad_argument("events", "须为 default 或 none", "must be default or none")
    cal = BusinessCalendar() if calendar == "cn" else None
    promos = PromotionCalendar(DEFAULT_PROMOTIONS) if events == "default" else NO_EVENTS
    return cal, promos


def register(app: typer.Typer) -> None:
    fc = typer.Typer(help="话务预测 / contact-volume forecast", no_args_is_help=True)

    @fc.command("predict")
    def predict_cmd(
        history: Path = typer.Option(..., "--history", help="CSV interval_start,count (shop wall-clock)"),
        start: str = typer.Option(..., "--start", help="first forecast day YYYY-MM-DD"),
        days: int = typer.Option(7, "--days"),
        interval: int = typer.Option(30, "--interval", help="minutes: 15, 30 or 60"),
        out: Path = typer.Option(..., "--out", help="CSV interval_start,forecast"),
        model: str = typer.Option(
            "seasonal", "--model", help="seasonal | snaive | avg4 | sf_mstl | sf_theta"
        ),
        calendar: str = typer.Option("cn", "--calendar", help="cn: Chinese holidays and 调休; none"),
        events: str = typer.Option("default", "--events", help="default: 618/双11/双12; none"),
        weeks: int = typer.Option(4, "--weeks", help="weeks of history behind each weekday level"),
    ) -> None:
        """预测每个营业时段的进线量 / forecast arrivals for every open interval."""
        from kefu.io.arrivals import format_grid, load_history
        from kefu.plan.forecast import predict

        cal, promos = _calendars(calendar, events)
        grid = load_history(history, interval)
        result = predict(
            grid, parse_day(start), days, model=model, calendar=cal, promotions=promos, weeks=weeks
        )
        out.write_text(format_grid(result), encoding="utf-8")
        typer.echo(f"wrote {out}")

    @fc.command("backtest")
    def backtest_cmd(
        history: Path = typer.Option(..., "--history", help="CSV interval_start,count"),
        test_start: list[str] = typer.Option(None, "--test-start", help="fold start YYYY-MM-DD (repeatable)"),
        folds: int = typer.Option(0, "--folds", help="instead: the last N whole test windows"),
        days: int = typer.Option(7, "--days", help="days per fold"),
        interval: int = typer.Option(30, "--interval"),
        model: list[str] = typer.Option(
            ["seasonal"], "--model", help="repeatable; baselines snaive/avg4 always run"
        ),
        calendar: str = typer.Option("cn", "--calendar"),
        events: str = typer.Option("default", "--events"),
        weeks: int = typer.Option(4, "--weeks"),
        json_out: Path | None = typer.Option(None, "--json", help="also write the scores as JSON"),
    ) -> None:
        """回测: 各时段与每日 WAPE、基线与泊松噪声下限 / backtest WAPE vs baselines and the Poisson floor."""
        from datetime import timedelta

        from kefu.io.arrivals import load_history
        from kefu.plan.backtest import backtest

        cal, promos = _calendars(calendar, events)
        grid = load_history(history, interval)
        starts = [parse_day(s) for s in (test_start or [])]
        if folds > 0:
            end = grid.start + timedelta(days=grid.values.shape[0])
            starts += [end - timedelta(days=days * k) for k in range(folds, 0, -1)]
        if not starts:
            raise bad_argument("test-start", "请给出 --test-start 或 --folds", "give --test-start or --folds")
        scores = backtest(
            grid, starts, days, models=tuple(model), calendar=cal, promotions=promos, weeks=weeks
        )
        table = Table(title="WAPE")
        for col in ("model", "fold", "interval", "day", "floor(int)", "floor(day)", "vs avg4", "leak?"):
            table.add_column(col)
        for s in scores:
            table.add_row(
                s.model,
                s.fold,
                f"{s.wape_interval:.4f}",
                f"{s.wape_day:.4f}",
                f"{s.floor_interval:.4f}",
                f"{s.floor_day:.4f}",
                f"{s.vs_avg4:+.1%}",
                "YES" if s.leak_suspected else "",
            )
        Console(width=110).print(table)
        if json_out is not None:
            json_out.write_text(
                json.dumps([s.as_dict() for s in scores], ensure_ascii=False, indent=1), encoding="utf-8"
            )

    @fc.command("calls-to-counts")
    def calls_to_counts(
        calls: Path = typer.Option(..., "--calls", help="call log (Anonymous Bank format, .txt or .txt.gz)"),
        interval: int = typer.Option(30, "--interval"),
        out: Path = typer.Option(..., "--out"),
    ) -> None:
        """由逐通话记录生成时段进线量 / interval counts from a call-by-call log (agent-queue arrivals)."""
        from kefu.io.arrivals import bank_call_times, counts_from_times, format_grid

        if not calls.exists():
            raise bad_argument("calls", f"找不到文件 {calls}", f"file not found: {calls}")
        grid = counts_from_times(bank_call_times(calls), interval)
        out.write_text(format_grid(grid, "count", 0).replace(".0\n", "\n"), encoding="utf-8")
        typer.echo(f"wrote {out}")

    @fc.command("shop")
    def shop_cmd(
        shop: str = typer.Option(..., "--shop", help="shop id"),
        start: str = typer.Option(..., "--start", help="first forecast day YYYY-MM-DD"),
        days: int = typer.Option(7, "--days"),
        skill: str = typer.Option("", "--skill", help="skill group (会话分组); empty = all"),
        interval: int = typer.Option(30, "--interval"),
        model: str = typer.Option("seasonal", "--model"),
        aht_s: float = typer.Option(180.0, "--aht-s"),
        target_sl: float = typer.Option(0.8, "--target-sl"),
        target_s: float = typer.Option(20.0, "--target-s"),
        patience_s: float | None = typer.Option(None, "--patience-s"),
        concurrency: int = typer.Option(1, "--concurrency"),
        shrinkage: float = typer.Option(0.0, "--shrinkage"),
    ) -> None:
        """由已存会话预测并计算人力需求 / forecast a shop from stored conversations and store the requirement."""
        from kefu.config import get_settings
        from kefu.service import plan
        from kefu.store.db import transaction
        from kefu.store.migrate import upgrade

        upgrade(get_settings().database_url)
        first = parse_day(start)
        target = plan.StaffingTarget(aht_s, target_sl, target_s, patience_s, concurrency, shrinkage)
        with transaction() as session:
            plan.forecast_shop(session, shop, first, days, skill=skill, interval_min=interval, model=model)
            points = plan.requirement(session, shop, first, days, skill=skill, model=model, target=target)
        peak = max(points, key=lambda p: p.required or 0)
        total = sum(p.forecast or 0.0 for p in points)
        typer.echo(
            f"{len(points)} intervals stored; forecast {total:.0f} contacts; "
            f"peak {peak.required} agents at {peak.interval_start:%Y-%m-%d %H:%M}"
        )

    app.add_typer(fc, name="forecast")
