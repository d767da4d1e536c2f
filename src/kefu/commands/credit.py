"""``kefu credit run``: the contract command — two CSV files in, credits and daily metrics out."""

from __future__ import annotations

from pathlib import Path

import typer

from kefu.credit.rules import RULES, CreditRules
from kefu.domain.errors import bad_argument


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
    ) -> None:
        """计算每单归属与客服日指标 / attribute every order and compute agent metrics per day."""
        from kefu.credit.files import read_messages, read_orders, write_outputs
        from kefu.credit.pipeline import run_arrow

        if rule not in RULES:
            raise bad_argument("--rule", f"必须是 {'/'.join(RULES)}", f"must be one of {', '.join(RULES)}")
        if window_hours <= 0 or session_gap_min <= 0:
            raise bad_argument("--window-hours/--session-gap-min", "必须大于 0", "must be positive")
        rules = CreditRules(
            rule=rule,  # type: ignore[arg-type]
            credit_window_s=round(window_hours * 3600),
            session_gap_s=round(session_gap_min * 60),
        )
        result = run_arrow(read_messages(messages), read_orders(orders), rules)
        write_outputs(result, out)
        oc = result.order_credit
        paid = int((oc["credited_agent"] != "").sum())
        typer.echo(
            f"orders={len(oc)} credited={paid} silent={int(oc['silent'].sum())} "
            f"agent_days={len(result.agent_day)} out={out}"
        )

    app.add_typer(credit, name="credit")
