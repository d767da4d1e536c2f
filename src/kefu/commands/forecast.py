"""``kefu forecast predict|backtest|calls-to-counts``: thin wrappers over the forecast engine."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from kefu.domain.timeutil import parse_day


def register(app: typer.Typer) -> None:
    fc = typer.Typer(help="话务预测 / contact-volume forecast", no_args_is_help=True)

    @fc.command("predict")
    def predict_cmd(
        history: Path = typer.Option(
            ..., "--history", help="CSV interval_start,count at any step (1–60 min), or one row per contact"
        ),
        start: str = typer.Option(..., "--start", help="first forecast day YYYY-MM-DD"),
        days: int = typer.Option(7, "--days"),
        interval: int = typer.Option(30, "--interval", help="minutes: 15, 30 or 60"),
        out: Path = typer.Option(..., "--out", help="CSV interval_start,forecast"),
        quantile: float = typer.Option(0.5, "--quantile", help="0.5 = point forecast; 0.9 = P90 …"),
        calendar: str | None = typer.Option(
            None, "--calendar", help="CN | AU | AU-VIC | US | … | none (default CN, checked against the data)"
        ),
        model: str = typer.Option("auto", "--model", help="auto (chosen by backtest) or a model name"),
        events: str = typer.Option("default", "--events", help="default: 618/双11/双12 (CN); none"),
        weeks: int = typer.Option(4, "--weeks", help="weeks behind the seasonal model's weekday levels"),
    ) -> None:
        """预测每个营业时段的进线量 / forecast arrivals for every open interval."""
        from kefu.service.plan.actions_files import predict_file

        res = predict_file(
            history,
            parse_day(start),
            days,
            out,
            interval_min=interval,
            quantile=quantile,
            calendar=calendar,
            events=events,
            model=model,
            weeks=weeks,
        )
        err = Console(stderr=True, width=110)
        for zh, en in res.notes:
            err.print(f"· {zh} / {en}", highlight=False)
        chosen = res.model + (f" = mean({' + '.join(res.members)})" if len(res.members) > 1 else "")
        err.print(f"· 模型 / model: {chosen}; P{round(res.quantile * 100):d}", highlight=False)
        typer.echo(f"wrote {out}")

    @fc.command("backtest")
    def backtest_cmd(
        history: Path = typer.Option(
            ..., "--history", help="CSV interval_start,count (any step) or contacts"
        ),
        test_start: list[str] = typer.Option(None, "--test-start", help="fold start YYYY-MM-DD (repeatable)"),
        folds: int = typer.Option(4, "--folds", help="the last N whole test windows (rolling origins)"),
        days: int = typer.Option(7, "--days", help="days per fold"),
        interval: int = typer.Option(30, "--interval"),
        calendar: str | None = typer.Option(None, "--calendar", help="CN | AU | US | … | none"),
        events: str = typer.Option("default", "--events"),
        json_out: Path | None = typer.Option(None, "--json", help="also write the report as JSON"),
    ) -> None:
        """回测: 模型选择、各折 WAPE 与基线、泊松下限、P80 覆盖率 / backtest of the chosen model vs baselines."""
        from dataclasses import asdict

        from kefu.service.plan.actions_files import backtest_file

        rep = backtest_file(
            history,
            folds=0 if test_start else folds,
            test_starts=[parse_day(s) for s in (test_start or [])],
            days=days,
            interval_min=interval,
            calendar=calendar,
            events=events,
        )
        table = Table(title="WAPE (rolling origins)")
        for col in ("fold", "chosen", "ours", "snaive", "avg4", "ratio", "floor", "P80 cover", "rest of day"):
            table.add_column(col)
        for f in (*rep.folds, rep.pooled):
            table.add_row(
                f.fold,
                f.chosen,
                f"{f.wape:.4f}",
                f"{f.baselines['snaive']:.4f}",
                f"{f.baselines['avg4']:.4f}",
                f"{f.ratio:.3f}",
                f"{f.floor:.4f}",
                f"{f.coverage80:.1%}",
                f"{f.intraday[0]:.4f}→{f.intraday[1]:.4f}",
            )
        console = Console(width=110)
        console.print(table)
        sel = Table(title=f"model selection for the next forecast: {rep.chosen}")
        for col in ("candidate", "WAPE", "members"):
            sel.add_column(col)
        for c in rep.selection:
            sel.add_row(c.name, f"{c.wape:.4f}", " + ".join(c.members))
        console.print(sel)
        for zh, en in rep.notes:
            console.print(f"· {zh} / {en}", highlight=False)
        if json_out is not None:
            data = {
                "folds": [asdict(f) | {"ratio": f.ratio} for f in rep.folds],
                "pooled": asdict(rep.pooled) | {"ratio": rep.pooled.ratio},
                "chosen": rep.chosen,
                "selection": [asdict(c) for c in rep.selection],
            }
            json_out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    @fc.command("calls-to-counts")
    def calls_to_counts(
        calls: Path = typer.Option(..., "--calls", help="call log (Anonymous Bank format, .txt or .txt.gz)"),
        interval: int = typer.Option(30, "--interval"),
        out: Path = typer.Option(..., "--out"),
    ) -> None:
        """由逐通话记录生成时段进线量 / interval counts from a call-by-call log (agent-queue arrivals)."""
        from kefu.service.plan.actions_files import calls_to_counts as convert

        typer.echo(f"wrote {convert(calls, interval, out)}")

    @fc.command("shop")
    def shop_cmd(
        shop: str = typer.Option(..., "--shop", help="shop id"),
        start: str = typer.Option(..., "--start", help="first forecast day YYYY-MM-DD"),
        days: int = typer.Option(7, "--days"),
        skill: str = typer.Option("", "--skill", help="skill group (会话分组); empty = all"),
        interval: int = typer.Option(30, "--interval"),
        model: str = typer.Option("auto", "--model", help="auto (chosen by backtest) or a model name"),
        quantile: float = typer.Option(0.5, "--quantile", help="plan agents to this point of the P10–P90 band"),
        aht_s: float = typer.Option(180.0, "--aht-s"),
        target_sl: float = typer.Option(0.8, "--target-sl"),
        target_s: float = typer.Option(20.0, "--target-s"),
        patience_s: float | None = typer.Option(None, "--patience-s"),
        concurrency: int = typer.Option(1, "--concurrency"),
        shrinkage: float = typer.Option(0.0, "--shrinkage"),
    ) -> None:
        """由已存会话预测并计算人力需求 / forecast a shop from stored conversations and store the requirement."""
        from kefu.config import get_settings
        from kefu.service.plan import actions as plan
        from kefu.service.plan.schemas import StaffingTarget
        from kefu.store.db import transaction
        from kefu.store.migrate import upgrade

        upgrade(get_settings().database_url)
        first = parse_day(start)
        target = StaffingTarget(aht_s, target_sl, target_s, patience_s, concurrency, shrinkage)
        with transaction() as session:
            plan.forecast_shop(session, shop, first, days, skill=skill, interval_min=interval, model=model)
            points = plan.requirement(
                session, shop, first, days, skill=skill, model=model, target=target, quantile=quantile
            )
        peak = max(points, key=lambda p: p.required or 0)
        total = sum(p.forecast or 0.0 for p in points)
        typer.echo(
            f"{len(points)} intervals stored; forecast {total:.0f} contacts; "
            f"peak {peak.required} agents at {peak.interval_start:%Y-%m-%d %H:%M}"
        )

    app.add_typer(fc, name="forecast")
