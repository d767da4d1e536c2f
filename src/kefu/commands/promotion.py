"""``kefu promotion show|team|promote``: the promotion track (初级 → 中级 → 高级 → 组长) from the command line.

Thin: resolve who acts (``--by``: a user name; ``show`` reads as a supervisor
would), call one :mod:`kefu.service.team.actions` use-case, print JSON. A refused
promotion (criteria not met) prints both languages and exits 2.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kefu.domain.timeutil import parse_day


def _run(by: str, use: Callable[[Session, Any], BaseModel | list[Any]]) -> None:
    """Run ``use`` as the user account named ``by`` in one transaction and print its answer as JSON."""
    from kefu.commands.team import _db, _echo
    from kefu.service.team import actions

    with _db() as session:
        _echo(use(session, actions.actor_named(session, by)))


def register(app: typer.Typer) -> None:
    promotion = typer.Typer(help="晋升通道 / promotion track", no_args_is_help=True)

    @promotion.command("show")
    def show(agent: str = typer.Argument(..., help="agent id"), by: str = typer.Option(..., "--by", help="user name")) -> None:
        """客服的职级与晋升进度 (由月度绩效计算) / an agent's level and progress, from the monthly KPI."""
        from kefu.service.team import actions

        _run(by, lambda s, who: actions.promotion_progress(s, who, agent))

    @promotion.command("team")
    def team(shop: str = typer.Option(..., "--shop"), by: str = typer.Option(..., "--by", help="supervisor")) -> None:
        """全店客服的晋升进度, 可晋升者在前 / every agent of a shop, the eligible first."""
        from kefu.service.team import actions

        _run(by, lambda s, who: actions.team_promotions(s, who, shop))

    @promotion.command("promote")
    def promote(agent: str = typer.Argument(..., help="agent id"), by: str = typer.Option(..., "--by", help="supervisor"),
                day: str = typer.Option(..., "--date", help="YYYY-MM-DD, the new level's first day"),
                note: str = typer.Option("", "--note")) -> None:  # fmt: skip
        """晋升到下一职级 (条件未达时拒绝并列出) / promote; refused, naming the unmet criteria, when not eligible."""
        from kefu.service.team import actions
        from kefu.service.team.schemas_growth import PromoteIn

        body = PromoteIn(day=parse_day(day), note=note)
        _run(by, lambda s, who: actions.promote_agent(s, who, agent, body))

    app.add_typer(promotion, name="promotion")
