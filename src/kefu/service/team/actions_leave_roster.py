"""What approved leave does to the roster: free the agent's cells, fill the gap with minimal change, tell.

The agent's own rostered days in the range become rest days (that change is a
must). From the shop's today on, each month the leave touches is then taken as the
roster engine's problem, exactly as the month re-plan builds it
(:func:`kefu.service.plan.actions_month.month_problem`: agents, contracts, approved
leave, shifts, hard rules, the forecast requirement, the stored month as
``previous``), and each freed shift is filled by the move that wins back the most
uncovered requirement for the fewest cells (:func:`kefu.team.backfill.backfill`: one
cell, or two when a full-timer's rest day moves, every hard rule re-checked by the
engine's checker). Every changed cell is stored on the request and listed in the
approval; each other agent moved gets an event row and the shop's team robots a
message through the outbox. A freed shift nobody can take (or the forecast does not
ask for) is offered as an open shift, with its fit ranking; when the month cannot be
planned at all (no shift templates, no agents) every freed shift is, and the approval
says why. ADR 0013 gives the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from kefu.domain.errors import KefuError
from kefu.plan.roster.types import Assignment
from kefu.service.plan import actions_month
from kefu.service.plan.schemas import ShopMonth
from kefu.service.team import events, store
from kefu.service.team.actions_common import Actor, agent_names, today
from kefu.service.team.actions_open import open_shift
from kefu.service.team.schemas import OpenShiftIn
from kefu.store.models.org import Agent
from kefu.store.models.plan import LeaveRequest
from kefu.team.backfill import backfill

Change = dict[str, str]  # agent, day, before, after, skill


@dataclass
class Replan:
    """How the approval changed the roster: ``replanned`` (someone moved), ``freed`` (nobody: open shifts) or ``kept``."""

    outcome: str
    changes: list[Change]
    reason: str = ""
    reason_en: str = ""
    opened: list[int] = field(default_factory=list)  # open shifts offered for the gaps left


def _months(days: list[date]) -> list[date]:
    return sorted({d.replace(day=1) for d in days})


def apply_leave(session: Session, actor: Actor, row: LeaveRequest, agent: Agent, now: datetime) -> Replan:
    """Free the agent's cells of the approved range, then fill the gaps (or offer them); the cells changed.

    ``row`` must already be approved and flushed: the month's problem reads approved leave from the database.
    """
    freed = [{"agent": agent.id, **c} for c in store.free_days(session, agent.id, row.first_day, row.last_day)]
    ahead = [c for c in freed if date.fromisoformat(c["day"]) >= today(now)]
    if not ahead or agent.shop_id is None:
        return Replan("kept", freed, "请假日期内今后没有要补的班次", "no shift from today on to fill")
    moved: list[Change] = []
    left: list[Change] = []
    why = ("没有同事能在不违反规则的前提下补班, 或预测不需要这些班次",
           "nobody can take these shifts within the rules, or the forecast does not need them")
    for first in _months([date.fromisoformat(c["day"]) for c in ahead]):
        mine = [c for c in ahead if date.fromisoformat(c["day"]).replace(day=1) == first]
        try:
            with session.begin_nested():  # the forecast's rows of a failed attempt do not stay
                problem, _ = actions_month.month_problem(session, ShopMonth(agent.shop_id, first, today(now)))
        except KefuError as exc:
            left += mine
            why = (f"无法重排: {exc.message}", f"could not re-plan: {exc.message_en}")
            continue
        gaps = [((date.fromisoformat(c["day"]) - first).days, Assignment(c["before"], c["skill"])) for c in mine]
        filled = backfill(problem, problem.previous or {}, gaps, skip=agent.id)
        for m in filled.moves:
            store.set_cell(session, agent.shop_id, m.agent, m.day, m.after, m.skill)
            moved.append({"agent": m.agent, "day": m.day.isoformat(), "before": m.before, "after": m.after,
                          "skill": m.skill})  # fmt: skip
        taken = {(m.day.isoformat(), m.after) for m in filled.moves if m.after}
        left += [c for c in mine if (c["day"], c["before"]) not in taken]
    changes = freed + sorted(moved, key=lambda c: (c["agent"], c["day"]))
    _tell_others(session, actor, row, agent, changes, now)
    if not left:
        return Replan("replanned", changes)
    if moved:
        why = (f"{len(left)} 个班次无人可补, 已开放领取", f"{len(left)} shifts could not be filled and are open to pick up")
    return _offer(session, actor, row, agent, changes, left, now, why, bool(moved))


def _tell_others(session: Session, actor: Actor, row: LeaveRequest, agent: Agent, changes: list[Change],
                 now: datetime) -> None:  # fmt: skip
    """One event per other agent whose roster moved (its in-app record), posted to the team robots."""
    mine: dict[str, list[Change]] = {}
    for c in changes:
        if c["agent"] != agent.id:
            mine.setdefault(c["agent"], []).append(c)
    names = agent_names(session, set(mine))
    for other, cells in sorted(mine.items()):
        text = "、".join(f"{c['day'][5:]} {c['before'] or '休息'}→{c['after'] or '休息'}" for c in cells)
        events.roster_replanned(session, leave_id=row.id, agent_id=other, shop_id=agent.shop_id, actor=actor.name,
                                now=now, changes=cells, because=agent.name,
                                tell=f"排班调整 ({agent.name} 请假): {names[other]} {text}")  # fmt: skip


def _offer(session: Session, actor: Actor, row: LeaveRequest, agent: Agent, changes: list[Change], gaps: list[Change],
           now: datetime, why: tuple[str, str], moved: bool) -> Replan:  # fmt: skip
    """The gaps left become open shifts (source ``leave:<id>``); ``replanned`` when someone moved, else ``freed``."""
    opened = []
    codes = store.shift_minutes(session, agent.shop_id)
    for change in gaps:
        if agent.shop_id and change["skill"] and change["before"] in codes:
            out = open_shift(session, actor, OpenShiftIn(shop_id=agent.shop_id, day=date.fromisoformat(change["day"]),
                                                         shift_code=change["before"], skill=change["skill"],
                                                         source=f"leave:{row.id}",
                                                         note=f"{agent.name} 请假空出 / freed by leave"), now=now)  # fmt: skip
            opened.append(out.id)
    return Replan("replanned" if moved else "freed", changes, why[0], why[1], opened)
