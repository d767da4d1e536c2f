"""``kefu roster plan|curtois|plan-month|export``: thin wrappers over the plan area's roster actions."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from kefu.config import get_settings
from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import parse_day
from kefu.service.plan.schemas import RosterFiles, RosterOutputs, RosterRulesIn
from kefu.store.db import transaction
from kefu.store.migrate import upgrade


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
        rules = RosterRulesIn.model_construct(rest_days_per_month=rest_days_per_month,  # the CLI's bounds are the engine's
                                              max_consecutive=max_consecutive, min_rest_hours=min_rest_hours)
        files = RosterFiles(agents, shifts, requirement, parse_day(start), days, rules, preferences)
        outputs = RosterOutputs(out, xlsx, ics_dir, report, volume, aht_s, target_s, concurrency)
        with _progress(quiet) as bar:
            task = bar.add_task(f"排班 / solving ({days} days)", total=None)
            from kefu.service.plan import actions_roster as svc  # OR-Tools, numba: only when planning

            done = svc.plan_roster(files, time_limit=time_limit, outputs=outputs,
                                   progress=lambda t, v: bar.update(task, description=f"排班 / solving: score {v:.0f}"))
        if not quiet:
            typer.echo(f"{out}: status={done.status} coverage={done.coverage_ratio:.2%} seconds={done.seconds}",
                       err=True)

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
            from kefu.service.plan import actions_roster as svc  # OR-Tools, numba: only when solving

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
        from kefu.service.plan import actions_month, actions_roster  # OR-Tools, numba: only when planning
        from kefu.service.plan.schemas import ShopMonth

        if time_limit <= 0:
            raise bad_argument("time-limit", "时间限制须大于 0", "time limit must be positive")
        source = ShopMonth(shop, actions_month.month_first(month))
        upgrade(get_settings().database_url)
        with _progress(as_json) as bar, transaction() as session:
            task = bar.add_task(f"排班 / planning {shop} {month}", total=None)
            done = actions_roster.plan_roster(source, time_limit=time_limit, session=session, by="cli",
                                              progress=lambda t, v: bar.update(task, description=f"排班 / score {v:.0f}"))
        changed = done.month.changed if done.month else []
        for c in changed:  # the cells a re-plan changed: on stderr, the JSON on stdout stays the contract
            typer.echo(f"  {c.agent} {c.date}: {c.before or '休'} → {c.after or '休'}", err=True)
        if as_json:
            agents = {t["agent"]: {"days": t["workdays"], "hours": t["hours"], "nights": t["nights"]} for t in done.totals}
            typer.echo(json.dumps({"coverage": done.coverage_ratio, "bound": done.bound, "gap": done.gap,
                                   "violations": done.violations, "agents": agents}, ensure_ascii=False))
            return
        bound = "not-proven" if done.bound is None else f"{done.bound:.2%}"
        gap = "not-proven" if done.gap is None else f"{done.gap:.2%}"
        typer.echo(f"{shop} {month}: coverage={done.coverage_ratio:.2%} bound={bound} gap={gap} "
                   f"violations={done.violations} changed={len(changed)} entries={done.entries}")

    @roster.command("export")
    def export_cmd(
        shop: str = typer.Option(..., "--shop", help="shop id"),
        month: str = typer.Option(..., "--month", help="YYYY-MM"),
        out: Path = typer.Option(..., "--out", help="F.csv (agent,date,shift) | F.xlsx | F.ics"),
    ) -> None:
        """导出已保存的月排班 / export the stored roster of a month (as the page shows it)."""
        from kefu.service.plan import actions_month  # openpyxl, the engine: only when exporting

        upgrade(get_settings().database_url)
        with transaction() as session:
            cells = actions_month.export_month(session, shop, month, out)
        typer.echo(f"{out}: {cells} cells", err=True)

    app.add_typer(roster, name="roster")
