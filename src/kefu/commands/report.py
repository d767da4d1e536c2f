"""``kefu report kpi --month 2026-11 --xlsx FILE``: the monthly KPI, pay and claims workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from kefu.config import get_settings
from kefu.store.db import transaction
from kefu.store.migrate import upgrade


def register(app: typer.Typer) -> None:
    report = typer.Typer(help="报表 / reports", no_args_is_help=True)

    @report.command("kpi")
    def kpi(
        month: str = typer.Option(..., "--month", help="YYYY-MM"),
        xlsx: Path = typer.Option(..., "--xlsx", help="output workbook"),
        scheme: str = typer.Option("standard", "--scheme", help="KPI scheme (standard | service_first)"),
        shop: str = typer.Option("", "--shop", help="one shop (default: all)"),
    ) -> None:
        """月度绩效、工资与认领核对表 / monthly KPI, pay and claims workbook."""
        from kefu.service.credit.actions_pay import kpi_workbook

        upgrade(get_settings().database_url)
        with transaction() as session:
            path, summary = kpi_workbook(session, month, xlsx, scheme, shop or None)
        typer.echo(f"{summary} → {path}")

    app.add_typer(report, name="report")
