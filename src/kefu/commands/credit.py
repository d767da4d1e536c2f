"""``kefu credit run``: the contract command — two CSV files in, credits and daily metrics out."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    credit = typer.Typer(help="业绩归属与绩效 / order credit and agent metrics", no_args_is_help=True)

    @credit.command("run")
    def run(
        messages: Path = typer.Option(..., "--messages", help="M.csv: shop,buyer,agent,ts,direction,auto"),
        orders: Path = typer.Option(..., "--orders", help="O.csv: order_id,shop,buyer,created_at,paid_at,…"),
        out: Path = typer.Option(..., "--out", help="output directory"),
        rule: str = typer.Option("order_first", "--rule", help="order_first | by_order | by_payment"),
        window_hours: float = typer.Option(48, "--window-hours", help="落实 window before the event (hours)"),
        session_gap_min: float = typer.Option(
            10, "--session-gap-min", help="silence that ends a session (minutes)"
        ),
        engine: str = typer.Option(
            "columnar", "--engine", help="columnar (embedded, default) | sql (all SQL in DuckDB) | spark"
        ),
        master: str = typer.Option(
            "local[*]", "--master", help="Spark master: local[N] | spark://host:port | yarn"
        ),
        parquet_out: bool = typer.Option(False, "--parquet-out", help="also write each file as Parquet"),
        per_shop: bool = typer.Option(
            False,
            "--per-shop",
            help="每店单独核算 / credit each shop alone: DIR/shop=<id>/, report DIR/shops.csv",
        ),
    ) -> None:
        """计算每单归属与客服日指标 / attribute every order and compute agent metrics per day."""
        from kefu.service.credit import actions as svc
        from kefu.service.credit.schemas import CreditFilesIn

        done = svc.run_files(CreditFilesIn(
            messages=messages, orders=orders, out=out, rule=rule, window_hours=window_hours,
            session_gap_min=session_gap_min, engine=engine, master=master, parquet=parquet_out, per_shop=per_shop,
        ))  # fmt: skip
        if not per_shop:
            typer.echo(
                f"orders={done.orders} credited={done.credited} silent={done.silent} "
                f"agent_days={done.agent_days} out={out}"
            )
            return
        for shop in done.failed:
            typer.echo(f"店铺 {shop.shop} 失败 / shop {shop.shop} failed: {shop.error}", err=True)
        typer.echo(f"shops={len(done.shops)} failed={len(done.failed)} report={out / 'shops.csv'}")
        if done.failed:
            raise typer.Exit(1)

    app.add_typer(credit, name="credit")
