"""``kefu privacy …``: erase a buyer, set how long personal data is kept, run the retention sweep.

Thin: each command is one :mod:`kefu.service.org.actions_privacy` call in one transaction
(nothing is changed when it fails), then one line of ``key=value`` figures.
"""

from __future__ import annotations

import typer

from kefu.config import get_settings
from kefu.store.db import transaction
from kefu.store.migrate import upgrade


def _figures(rows: dict[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in rows.items())


def register(app: typer.Typer) -> None:
    privacy_app = typer.Typer(help="个人信息保护 (PIPL): 删除、保存期限 / erase buyers, retention", no_args_is_help=True)

    @privacy_app.command("erase")
    def erase_cmd(
        buyer: str = typer.Option(..., "--buyer", help="买家昵称 / the buyer's nickname"),
        shop: str | None = typer.Option(None, "--shop", help="only in this shop (default: every shop)"),
    ) -> None:
        """匿名化一位买家的全部数据 / anonymise everything about one buyer (messages, orders, tickets…)."""
        from kefu.service.org import actions_privacy as privacy

        upgrade(get_settings().database_url)
        with transaction() as session:
            report = privacy.erase_buyer(session, buyer, shop=shop, actor="cli")
        shops = ",".join(f"{s}:{p}" for s, p in report.buyer_shops.items())
        typer.echo(f"erased shops={shops} {_figures(report.rows)}")

    @privacy_app.command("retention")
    def retention_cmd(
        shop: str | None = typer.Option(None, "--shop", help="set this shop's retention"),
        days: int | None = typer.Option(None, "--days", help="days to keep personal data"),
        clear: bool = typer.Option(False, "--clear", help="the shop follows KEFU_RETENTION_DAYS again"),
    ) -> None:
        """查看或设置保存期限 / show or set how many days personal data is kept."""
        from kefu.domain.errors import bad_argument
        from kefu.service.org import actions_privacy as privacy

        upgrade(get_settings().database_url)
        with transaction() as session:
            if shop is not None:
                if days is None and not clear:
                    raise bad_argument("--days", "需要 --days 或 --clear", "give --days or --clear")
                privacy.set_retention(session, shop, None if clear else days, actor="cli")
            per_shop, default = privacy.retention_days(session)
        shops = " ".join(f"{s}={d}" for s, d in per_shop.items())
        typer.echo(f"global={default or 'keep'} {shops}".strip())

    @privacy_app.command("sweep")
    def sweep_cmd() -> None:
        """按保存期限匿名化旧数据 / anonymise personal data older than the retention (the duty worker does it daily)."""
        from kefu.service.org import actions_privacy as privacy

        upgrade(get_settings().database_url)
        with transaction() as session:
            report = privacy.sweep_retention(session, actor="cli")
        cutoffs = ",".join(f"{s}<{c}" for s, c in report.cutoffs.items()) or "none"
        typer.echo(f"before={cutoffs} buyers={report.buyers} {_figures(report.rows)}")

    app.add_typer(privacy_app, name="privacy")
