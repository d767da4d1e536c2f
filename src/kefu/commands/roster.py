"""``kefu roster plan`` and ``kefu roster curtois``: thin wrappers over ``kefu.service.roster``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from kefu.domain.timeutil import parse_day
from kefu.plan.roster.types import Rules
from kefu.service import roster as svc


def _progress(quiet: bool) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                    console=Console(stderr=True), disable=quiet, transient=True)


def register(app: typer.Typer) -> None:
    roster = typer.Typer(help="排班 / monthly roster (CP-SAT)", no_args_is_help=True)

    @roster.command("plan")
    def plan_cmd(
        agents: Path = typer.Option(..., "--agents", help="agent,skills,night_ok[,min_hours,max_hours,leave,min_days,max_days]"),
        shifts: Path = typer.Option(..., "--shifts", help="code,start,end,night[,breaks]"),
        requirement: Path = typer.Option(..., "--requirement", help="interval_start,skill,agents (30 min)"),
        start: str = typer.Option(..., "--start", help="first day YYYY-MM-DD"),
        days: int = typer.Option(..., "--days", help="number of days"),
        rest_days_per_month: int = typer.Option(4, "--rest-days-per-month"),
        max_consecutive: int = typer.Option(6, "--max-consecutive"),
        min_rest_hours: float = typer.Option(10.0, "--min-rest-hours"),
        time_limit: float = typer.Option(60.0, "--time-limit", help="seconds"),
        out: Path = typer.Option(..., "--out", help="roster.csv: agent,date,shift"),
        preferences: Path | None = typer.Option(None, "--preferences", help="agent,date,shift[,weight]"),
        xlsx: Path | None = typer.Option(None, "--xlsx", help="also write an Excel roster"),
        ics_dir: Path | None = typer.Option(None, "--ics-dir", help="also write one .ics per agent"),
        report: Path | None = typer.Option(None, "--report", help="also write a JSON report (totals, coverage)"),
        volume: Path | None = typer.Option(None, "--volume", help="interval_start,skill,calls → predicted SL in --report"),
        aht_s: float = typer.Option(180.0, "--aht-s", help="handle time per contact (s), with --volume"),
        target_s: float = typer.Option(20.0, "--target-s", help="service-level answer target (s), with --volume"),
        concurrency: int = typer.Option(1, "--concurrency", help="chats per agent at once, with --volume"),
        quiet: bool = typer.Option(False, "--quiet"),
    ) -> None:
        """排一个月的班 / build the roster: hard rules always hold, coverage as high as possible."""
        rules = Rules(rest_days_per_month, max_consecutive, min_rest_hours)
        problem = svc.load_problem(svc.PlanFiles(agents, shifts, requirement, preferences), parse_day(start), days, rules)
        with _progress(quiet) as bar:
            task = bar.add_task(f"排班 / solving ({len(problem.agents)} agents, {days} days)", total=None)
            result = svc.plan(problem, time_limit,
                              progress=lambda t, v: bar.update(task, description=f"排班 / solving: score {v:.0f}"))
        from kefu.io.roster_csv import write_roster

        write_roster(out, result.roster, problem.start, problem.days)
        summary = svc.result_summary(problem, result)
        if volume:
            summary["service_level"] = svc.service_level(problem, result, volume, aht_s, target_s, concurrency)
            summary["coverage"] = {k: [round(v, 2) for v in c] for k, c in result.coverage.items()}
        if xlsx or ics_dir:
            from kefu.io import roster_export

            if xlsx:
                roster_export.write_xlsx(xlsx, problem, result.roster)
            if ics_dir:
                roster_export.write_ics_dir(ics_dir, problem, result.roster)
        if report:
            report.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
        if not quiet:
            typer.echo(f"{out}: status={summary['status']} coverage={summary['coverage_ratio']:.2%} "
                       f"seconds={summary['seconds']}", err=True)

    @roster.command("curtois")
    def curtois_cmd(
        instance: Path = typer.Argument(..., help="InstanceN.txt (Curtois & Qu benchmark)"),
        time_limit: float = typer.Option(60.0, "--time-limit", help="seconds"),
        as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
        seed: int = typer.Option(0, "--seed"),
    ) -> None:
        """用同一引擎求解 Curtois & Qu 基准实例 / solve a Curtois & Qu benchmark instance."""
        with _progress(as_json) as bar:
            task = bar.add_task(f"{instance.name}", total=None)
            result = svc.solve_curtois(instance, time_limit, seed=seed,
                                       progress=lambda t, v: bar.update(task, description=f"{instance.name}: {v}"))
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
            return
        typer.echo(f"{instance.name}: objective={result['objective']} status={result['status']} "
                   f"seconds={result['seconds']}")
        for emp, line in result["roster"].items():
            typer.echo(f"{emp:>4} " + " ".join(f"{c or '-':>3}" for c in line))

    @roster.command("plan-month")
    def plan_month_cmd(
        shop: str = typer.Option(..., "--shop", help="shop id"),
        month: str = typer.Option(..., "--month", help="YYYY-MM"),
        time_limit: float = typer.Option(60.0, "--time-limit", help="seconds"),
        as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
    ) -> None:
        """预测 → 需求 → 排班 → 保存 (同页面的排班按钮) / forecast, staff, roster and store a shop's month."""
        from kefu.service import roster_month

        with _progress(as_json) as bar:
            task = bar.add_task(f"排班 / planning {shop} {month}", total=None)
            result = roster_month.plan_month_command(
                shop, month, time_limit, progress=lambda t, v: bar.update(task, description=f"排班 / score {v:.0f}"))
        if as_json:
            typer.echo(json.dumps(roster_month.plan_json(result), ensure_ascii=False))
            return
        typer.echo(f"{shop} {month}: coverage={result.coverage:.2%} bound={result.bound:.2%} gap={result.gap:.2%} "
                   f"violations={result.violations} changed={len(result.changed)} entries={result.entries}")
        for c in result.changed:
            typer.echo(f"  {c.agent} {c.day.isoformat()}: {c.before or '休'} → {c.after or '休'}")

    @roster.command("export")
    def export_cmd(
        shop: str = typer.Option(..., "--shop", help="shop id"),
        month: str = typer.Option(..., "--month", help="YYYY-MM"),
        out: Path = typer.Option(..., "--out", help="F.csv (agent,date,shift) | F.xlsx | F.ics"),
    ) -> None:
        """导出已保存的月排班 / export the stored roster of a month (as the page shows it)."""
        from kefu.service import roster_month

        rows = roster_month.export_month_command(shop, month, out)
        typer.echo(f"{out}: {rows} cells", err=True)

    app.add_typer(roster, name="roster")
