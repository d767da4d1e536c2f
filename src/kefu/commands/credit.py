"""``kefu credit run``: the contract command — two CSV files in (or a shop's imported data), credits and
daily metrics out; ``kefu credit reconcile``: ours beside the platform's daily sheet."""

from __future__ import annotations

from pathlib import Path

import typer

from kefu.domain.errors import bad_argument


def register(app: typer.Typer) -> None:
    credit = typer.Typer(help="业绩归属与绩效 / order credit and agent metrics", no_args_is_help=True)

    @credit.command("run")
    def run(
        messages: Path | None = typer.Option(None, "--messages", help="M.csv: shop,buyer,agent,ts,direction,auto"),
        orders: Path | None = typer.Option(None, "--orders", help="O.csv: order_id,shop,buyer,created_at,paid_at,…"),
        out: Path = typer.Option(..., "--out", help="output directory"),
        shop: str = typer.Option("", "--shop", help="credit imported data of this shop (instead of the CSV files)"),
        first: str = typer.Option("", "--from", help="YYYY-MM-DD: first day of orders (with --shop)"),
        last: str = typer.Option("", "--to", help="YYYY-MM-DD: last day of orders (with --shop)"),
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

        if shop or first or last:
            _from_database(shop, first, last, out, messages, orders, rule, window_hours, session_gap_min)
            return
        if messages is None or orders is None:
            raise bad_argument("--messages/--orders", "请给出 M.csv 与 O.csv, 或 --shop --from --to",
                               "give M.csv and O.csv, or --shop --from --to")  # fmt: skip
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
        for one in done.failed:
            typer.echo(f"店铺 {one.shop} 失败 / shop {one.shop} failed: {one.error}", err=True)
        typer.echo(f"shops={len(done.shops)} failed={len(done.failed)} report={out / 'shops.csv'}")
        if done.failed:
            raise typer.Exit(1)

    @credit.command("reconcile")
    def reconcile(
        file: Path = typer.Argument(..., help="赤兔/生意参谋 客服数据汇总-日数据 (xlsx 或 CSV)"),
        shop: str = typer.Option(..., "--shop", help="shop id whose imported data is compared"),
        month: str = typer.Option(..., "--month", help="YYYY-MM"),
        out: Path = typer.Option(..., "--out", help="output directory (reconcile.csv)"),
    ) -> None:
        """与平台日数据对账 / our per-agent daily figures beside the platform's, with the reason of each gap."""
        from kefu.config import get_settings
        from kefu.service.imports import actions
        from kefu.store.db import transaction
        from kefu.store.migrate import upgrade

        upgrade(get_settings().database_url)
        with transaction() as session:
            done = actions.reconcile_month(session, shop, month, file, out)
        typer.echo(f"lines={done.rows} differ={done.differ} one_side={done.missing} out={done.file}")

    app.add_typer(credit, name="credit")


def _from_database(shop: str, first: str, last: str, out: Path, messages: Path | None, orders: Path | None,
                   rule: str, window_hours: float, session_gap_min: float) -> None:  # fmt: skip
    """``credit run --shop S --from D --to D``: the shop's rules (its settings), options that differ from their
    defaults overriding them."""
    from kefu.config import get_settings
    from kefu.domain.timeutil import parse_day
    from kefu.service.imports import actions
    from kefu.service.imports.schemas import ShopCreditIn
    from kefu.store.db import transaction
    from kefu.store.migrate import upgrade

    if messages is not None or orders is not None:
        raise bad_argument("--shop", "--shop 与 --messages/--orders 不能同时使用", "--shop excludes --messages/--orders")
    if not (shop and first and last):
        raise bad_argument("--shop/--from/--to", "三者须同时给出", "give all three")
    run = ShopCreditIn(shop, parse_day(first, "--from"), parse_day(last, "--to"), out,
                      rule=None if rule == "order_first" else rule,
                      window_hours=None if window_hours == 48 else window_hours,
                      session_gap_min=None if session_gap_min == 10 else session_gap_min)  # fmt: skip
    upgrade(get_settings().database_url)
    with transaction() as session:
        done = actions.credit_imported(session, run)
    typer.echo(f"orders={done.orders} credited={done.credited} silent={done.silent} agent_days={done.agent_days} "
               f"unlinked={done.unlinked} out={out}")  # fmt: skip
