"""What approved leave does to the roster: free the agent's cells, re-plan the rest with minimal change, tell.

The agent's own rostered days in the range become rest days (that change is a
must). From the shop's today on, each month the leave touches is then re-planned
by the roster area's one month action (:func:`kefu.service.plan.actions_roster.plan_roster`
with a :class:`ShopMonth`): the stored month is its ``previous``, every changed
cell is charged and the days before today are kept, so the engine fills the gap
moving as few cells as it can. Every changed cell is stored on the request and
listed in the approval; each other agent whose roster moved gets an event row and
the shop's team robots a message through the outbox.

The re-plan falls back to the old way — the freed shifts offered as open shifts,
with their fit ranking — and says why when the stored month already breaks a hard
rule (a re-plan would have to reshuffle it), when the month cannot be planned (no
shift templates, a rule no roster meets), or when the engine would move more cells
than the shop allows (``settings["team"]["leave"]["replan_max_changes"]``;
an approval is no place to reshuffle a month: the roster page is). The solver's time
is ``settings["team"]["leave"]["replan_seconds"]`` (default :data:`REPLAN_SECONDS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from kefu.domain.errors import KefuError
from kefu.service.plan import actions_month
from kefu.service.plan.actions_roster import plan_roster
from kefu.service.plan.schemas import ChangeOut, ShopMonth
from kefu.service.team import events, store
from kefu.service.team.actions_common import Actor, agent_names, today
from kefu.service.team.actions_open import open_shift
from kefu.service.team.schemas import OpenShiftIn
from kefu.store.models.org import Agent
from kefu.store.models.plan import LeaveRequest

REPLAN_SECONDS = 5.0  # the engine's time at approval: the supervisor waits for it
MAX_CHANGES_PER_FREED = 4  # default cap on other cells moved per freed shift (a rest day moved is two)

Change = dict[str, str]  # agent, day, before, after, skill


@dataclass
class Replan:
    """How the approval changed the roster: ``replanned``, ``freed`` (fallback: open shifts) or ``kept``."""

    outcome: str
    changes: list[Change]
    reason: str = ""
    reason_en: str = ""
    opened: list[int] = field(default_factory=list)  # open shifts offered (fallback)


def _settings(session: Session, shop_id: str | None, freed: int) -> tuple[float, int]:
    raw = store.team_settings(session, shop_id).get("leave") or {}
    seconds = float(raw.get("replan_seconds", REPLAN_SECONDS))
    return seconds, int(raw.get("replan_max_changes", MAX_CHANGES_PER_FREED * freed))


def _months(days: list[date]) -> list[date]:
    return sorted({d.replace(day=1) for d in days})


def apply_leave(session: Session, actor: Actor, row: LeaveRequest, agent: Agent, now: datetime, *,
                time_limit: float | None = None) -> Replan:  # fmt: skip
    """Free the agent's cells of the approved range, then re-plan (or fall back); the cells changed.

    ``row`` must already be approved and flushed: the re-plan reads approved leave from the database.
    """
    freed = [{"agent": agent.id, **c} for c in store.free_days(session, agent.id, row.first_day, row.last_day)]
    ahead = [date.fromisoformat(c["day"]) for c in freed if date.fromisoformat(c["day"]) >= today(now)]
    if not ahead or agent.shop_id is None:
        return Replan("kept", freed, "请假日期内今后没有要补的班次", "no shift from today on to fill")
    seconds, cap = _settings(session, agent.shop_id, len(ahead))
    for first in _months(ahead):
        broken = actions_month.month_view(session, agent.shop_id, first)[2]
        if broken:
            v = broken[0]
            return _fallback(session, actor, row, agent, freed, now,
                             f"{first:%Y-%m} 的排班已违反 {len(broken)} 条硬性规则 ({v.agent}: {v.message}), 重排会大改, 请在排班页处理",
                             f"the {first:%Y-%m} roster already breaks {len(broken)} hard rules ({v.agent}: {v.message_en}); "
                             "a re-plan would reshuffle it: fix it on the roster page")  # fmt: skip
    nested = session.begin_nested()
    try:
        moved: list[ChangeOut] = []
        for first in _months(ahead):
            planned = plan_roster(ShopMonth(agent.shop_id, first, today(now)), time_limit=time_limit or seconds,
                                  session=session)  # fmt: skip
            moved += planned.month.changed if planned.month is not None else []
    except (KefuError, RuntimeError) as exc:  # RuntimeError: the engine refused its own roster (a bug guard)
        nested.rollback()
        zh, en = (exc.message, exc.message_en) if isinstance(exc, KefuError) else ("排班引擎出错", str(exc))
        return _fallback(session, actor, row, agent, freed, now, f"无法重排: {zh}", f"could not re-plan: {en}")
    if len(moved) > cap:
        nested.rollback()
        return _fallback(session, actor, row, agent, freed, now,
                         f"重排需改动 {len(moved)} 个班次, 超过上限 {cap}",
                         f"the re-plan would change {len(moved)} cells, more than the limit of {cap}")  # fmt: skip
    nested.commit()
    changes = freed + _with_skills(session, moved)
    _tell_others(session, actor, row, agent, changes, now)
    return Replan("replanned", changes)


def _with_skills(session: Session, moved: list[ChangeOut]) -> list[Change]:
    """The engine's changes as stored change rows, with the new cell's skill."""
    out = []
    for c in moved:
        day = date.fromisoformat(c.date)
        cell = store.cells(session, [c.agent], day, day).get((c.agent, day))
        out.append({"agent": c.agent, "day": c.date, "before": c.before, "after": c.after,
                    "skill": cell.skill if cell is not None else ""})  # fmt: skip
    return sorted(out, key=lambda c: (c["agent"], c["day"]))


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
                                now=now, changes=cells,
                                tell=f"排班调整 ({agent.name} 请假): {names[other]} {text}")  # fmt: skip


def _fallback(session: Session, actor: Actor, row: LeaveRequest, agent: Agent, freed: list[Change], now: datetime,
              reason: str, reason_en: str) -> Replan:  # fmt: skip
    """Nobody else moves: each freed shift from today on becomes an open shift (source ``leave:<id>``)."""
    opened = []
    codes = store.shift_minutes(session, agent.shop_id)
    for change in freed:
        day = date.fromisoformat(change["day"])
        if agent.shop_id and change["skill"] and change["before"] in codes and day >= today(now):
            out = open_shift(session, actor, OpenShiftIn(shop_id=agent.shop_id, day=day, shift_code=change["before"],
                                                         skill=change["skill"], source=f"leave:{row.id}",
                                                         note=f"{agent.name} 请假空出 / freed by leave"), now=now)  # fmt: skip
            opened.append(out.id)
    return Replan("freed", freed, reason, reason_en, opened)
