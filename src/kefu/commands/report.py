"""``kefu report kpi|pay --month 2026-11 --xlsx FILE``: the monthly KPI workbook and the pay workbook.

The performance page's download buttons write the same workbooks through the same actions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from kefu.config import get_settings
from kefu.store.db import transaction
from kefu.store.migrate import upgrade


def _write(workbook: Callable[..., tuple[Path, str]], month: str, xlsx: Path, scheme: str, shop: str) -> None:
    """One workbook action in one transaction, on a migrated database; prints its summary and path."""
    upgrade(get_settings().database_url)
    with transaction() as session:
        path, summary = workbook(session, month, xlsx, scheme, shop or None)
    typer.echo(f"{summary} → {path}")


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

        _write(kpi_workbook, month, xlsx, scheme, shop)

    @report.command("pay")
    def pay(
        month: str = typer.Option(..., "--month", help="YYYY-MM"),
        xlsx: Path = typer.Option(..., "--xlsx", help="output workbook"),
        scheme: str = typer.Option("standard", "--scheme", help="KPI scheme (standard | service_first)"),
        shop: str = typer.Option("", "--shop", help="one shop (default: all)"),
    ) -> None:
        """月度工资表 (工资条与明细, 元) / monthly pay workbook (payslips and their lines, in yuan)."""
        from kefu.service.credit.actions_pay import pay_workbook

        _write(pay_workbook, month, xlsx, scheme, shop)

    app.add_typer(report, name="report")
