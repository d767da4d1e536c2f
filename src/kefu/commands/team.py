"""``kefu leave …``, ``kefu swap …`` and ``kefu team …``: the team's self-service from the command line.

Thin: parse, resolve who acts (``--agent``/``--by``: an agent id, or a user name
for supervisors), call one :mod:`kefu.service.team.actions` use-case in one
transaction, print. ``leave request`` and ``swap request`` print only the new
request's id (scripts read it); a refusal prints both languages and exits 2.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kefu.domain.timeutil import parse_day

Out = TypeVar("Out", bound=BaseModel)


@contextmanager
def _db() -> Iterator[Session]:
    from kefu.config import get_settings
    from kefu.store.db import transaction
    from kefu.store.migrate import upgrade

    upgrade(get_settings().database_url)
    with transaction() as session:
        yield session


def _echo(model: BaseModel | list[Any]) -> None:
    data = [m.model_dump(mode="json") for m in model] if isinstance(model, list) else model.model_dump(mode="json")
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _as_user(by: str, use: Callable[[Session, Any], BaseModel]) -> None:
    """Run ``use`` as the user account named ``by`` (a supervisor deciding)."""
    from kefu.service.team import actions

    with _db() as session:
        _echo(use(session, actions.actor_named(session, by)))


def _as_agent(agent: str, use: Callable[[Session, Any], Out]) -> Out:
    from kefu.service.team import actions

    with _db() as session:
        return use(session, actions.agent_actor(session, agent))


def register(app: typer.Typer) -> None:
    leave = typer.Typer(help="请假 / leave requests", no_args_is_help=True)
    swap = typer.Typer(help="换班 / shift swaps", no_args_is_help=True)

    @leave.command("request")
    def leave_request(
        agent: str = typer.Option(..., "--agent", help="agent id"),
        first: str = typer.Option(..., "--from", help="YYYY-MM-DD"),
        last: str = typer.Option(..., "--to", help="YYYY-MM-DD"),
        kind: str = typer.Option(..., "--type", help="事假|病假|年假|调休"),
        reason: str = typer.Option("", "--reason"),
    ) -> None:
        """提交请假申请, 输出申请编号 / file a leave request; prints its id."""
        from kefu.service.team import actions, schemas

        body = schemas.LeaveIn(agent_id=agent, kind=kind, first_day=parse_day(first), last_day=parse_day(last),
                               reason=reason)  # fmt: skip
        out = _as_agent(agent, lambda s, who: actions.request_leave(s, who, body))
        typer.echo(str(out.id))

    @leave.command("approve")
    def leave_approve(leave_id: int = typer.Argument(..., min=1), by: str = typer.Option(..., "--by"),
                      note: str = typer.Option("", "--note")) -> None:  # fmt: skip
        """主管批准请假: 释放该客服的班次并以最少改动重排当月 / approve: free the agent's shifts, re-plan with minimal change."""
        from kefu.service.team import actions

        _as_user(by, lambda s, who: actions.approve_leave(s, who, leave_id, note))

    @leave.command("reject")
    def leave_reject(leave_id: int = typer.Argument(..., min=1), by: str = typer.Option(..., "--by"),
                     note: str = typer.Option(..., "--note")) -> None:  # fmt: skip
        """主管驳回请假 (须写原因) / reject with a note."""
        from kefu.service.team import actions

        _as_user(by, lambda s, who: actions.reject_leave(s, who, leave_id, note))

    @swap.command("request")
    def swap_request(agent: str = typer.Option(..., "--agent"), day: str = typer.Option(..., "--date"),
                     peer: str = typer.Option(..., "--with"), reason: str = typer.Option("", "--reason")) -> None:  # fmt: skip
        """申请与同事换班, 输出申请编号 / ask a peer to swap that day's shifts; prints the id."""
        from kefu.service.team import actions, schemas

        body = schemas.SwapIn(agent_id=agent, day=parse_day(day), peer_id=peer, reason=reason)
        out = _as_agent(agent, lambda s, who: actions.request_swap(s, who, body))
        typer.echo(str(out.id))

    @swap.command("accept")
    def swap_accept(swap_id: int = typer.Argument(..., min=1), by: str = typer.Option(..., "--by", help="the peer")) -> None:
        """被邀请的同事接受换班 / the peer accepts (the rules are checked and shown)."""
        from kefu.service.team import actions

        _echo(_as_agent(by, lambda s, who: actions.accept_swap(s, who, swap_id)))

    @swap.command("approve")
    def swap_approve(swap_id: int = typer.Argument(..., min=1), by: str = typer.Option(..., "--by"),
                     note: str = typer.Option("", "--note")) -> None:  # fmt: skip
        """主管批准换班; 违反硬性规则时拒绝并说明规则 / approve, or refuse naming the broken rule."""
        from kefu.service.team import actions

        _as_user(by, lambda s, who: actions.approve_swap(s, who, swap_id, note))

    app.add_typer(leave, name="leave")
    app.add_typer(swap, name="swap")
