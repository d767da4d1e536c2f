"""Random floor scripts for the property tests, and two interpreters: the pure Floor and the DB service.

Both interpreters take the same operations at the same instants, so comparing
their end states proves that replay (the pure engine) equals live (the service).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import Engine, select

from kefu.domain.errors import KefuError
from kefu.live.floor import Floor
from kefu.live.model import AgentState, Policy, Status
from kefu.service.live import actions
from kefu.store.db import session_factory
from kefu.store.models.live import Conversation
from kefu.store.models.org import Agent, Shop

T0 = datetime(2026, 11, 11, 1, 0, tzinfo=UTC)
GROUPS = ("售前", "售后")
SKILLS = (("售前",), ("售后",), ("售前", "售后"))


@dataclass(frozen=True)
class AgentSpec:
    id: str
    skills: tuple[str, ...]
    secondary: tuple[str, ...]
    capacity: int
    status: str = "online"


agent_specs = st.lists(
    st.builds(lambda s, sec, c, on: AgentSpec("", s, tuple(g for g in sec if g not in s), c, on),
              st.sampled_from(SKILLS), st.sampled_from(((), ("售前",), ("售后",))),
              st.integers(1, 3), st.sampled_from(["online", "online", "away", "offline"])),
    min_size=2, max_size=4,
).map(lambda specs: [AgentSpec(f"a{i}", s.skills, s.secondary, s.capacity, s.status) for i, s in enumerate(specs)])

_open = st.tuples(st.just("open"), st.integers(0, 5), st.sampled_from(GROUPS))
_close = st.tuples(st.just("close"), st.integers(0, 50))
op = st.one_of(
    _open, _close, _open, _close,
    st.tuples(st.just("status"), st.integers(0, 3), st.sampled_from([s.value for s in Status])),
    st.tuples(st.just("transfer_agent"), st.integers(0, 50), st.integers(0, 3)),
    st.tuples(st.just("transfer_group"), st.integers(0, 50), st.sampled_from(GROUPS)),
    st.tuples(st.just("msg"), st.integers(0, 50), st.sampled_from(["in", "out"])),
    st.tuples(st.just("tick")),
)
script = st.lists(st.tuples(st.integers(0, 90), op), min_size=10, max_size=80)
policies = st.sampled_from([Policy(overflow_after=None), Policy(overflow_after=60),
                            Policy(overflow_after=30, sticky_hours=0.01, away_sticky_hours=0.01)])


def _pick(ids: list[int], k: int) -> int | None:
    return ids[k % len(ids)] if ids else None


class FloorRunner:
    def __init__(self, agents: list[AgentSpec], policy: Policy) -> None:
        self.floor = Floor(policy=policy)
        for a in agents:
            self.floor.add_agent(AgentState(a.id, a.skills, a.secondary, a.capacity))
            self.floor.set_status(a.id, Status(a.status), T0)
        self.ids: list[int] = []

    def apply(self, now: datetime, item: tuple[Any, ...]) -> str | None:
        f = self.floor
        try:
            kind = item[0]
            if kind == "status":
                if f"a{item[1]}" in f.agents:
                    f.set_status(f"a{item[1]}", Status(item[2]), now)
            elif kind == "open":
                self.ids.append(f.open("shop", f"b{item[1]}", item[2], now).id)
            elif kind == "tick":
                f.tick(now)
            elif (cid := _pick(self.ids, item[1])) is not None:
                if kind == "close":
                    f.close(cid, now)
                elif kind == "transfer_agent":
                    f.transfer(cid, now, to_agent=f"a{item[2]}")
                elif kind == "transfer_group":
                    f.transfer(cid, now, to_group=item[2])
                elif kind == "msg":
                    f.message(cid, item[2], now)
        except KefuError as exc:
            return str(exc.code)
        return None

    def state(self) -> tuple[dict[int, tuple[str, str | None]], dict[str, int]]:
        convs = {c.id: (c.status, c.agent_id) for c in self.floor.conversations.values()}
        return convs, {a.id: a.load for a in self.floor.agents.values()}


class ServiceRunner:
    """The same operations through kefu.service.live, one transaction each."""

    def __init__(self, engine: Engine, agents: list[AgentSpec], policy: Policy) -> None:
        self.factory = session_factory(engine)
        settings = {"overflow_after": policy.overflow_after, "sticky_hours": policy.sticky_hours,
                    "away_sticky_hours": policy.away_sticky_hours}
        with self.factory() as s, s.begin():
            s.add(Shop(id="shop", name="shop", settings={"live": settings}))
            for a in agents:
                actions.register_agent(s, a.id, a.id, list(a.skills), a.capacity, secondary_skills=list(a.secondary),
                                    now=T0)
                actions.set_agent_status(s, a.id, a.status, T0)
        self.known = {a.id for a in agents}
        self.ids: list[int] = []

    def apply(self, now: datetime, item: tuple[Any, ...]) -> str | None:
        try:
            with self.factory() as s, s.begin():
                kind = item[0]
                if kind == "status":
                    if f"a{item[1]}" in self.known:
                        actions.set_agent_status(s, f"a{item[1]}", item[2], now)
                elif kind == "open":
                    self.ids.append(actions.open_conversation(s, "shop", f"b{item[1]}", item[2], now)["id"])
                elif kind == "tick":
                    actions.sweep(s, now)
                elif (cid := _pick(self.ids, item[1])) is not None:
                    if kind == "close":
                        actions.close_conversation(s, cid, now)
                    elif kind == "transfer_agent":
                        actions.transfer_conversation(s, cid, to_agent=f"a{item[2]}", now=now)
                    elif kind == "transfer_group":
                        actions.transfer_conversation(s, cid, to_group=item[2], now=now)
                    elif kind == "msg":
                        actions.post_message(s, cid, item[2], "x", now)
        except KefuError as exc:
            if kind == "open":  # the failed transaction rolled back; keep ids aligned with the floor
                raise
            return str(exc.code)
        return None

    def state(self) -> tuple[dict[int, tuple[str, str | None]], dict[str, int]]:
        with self.factory() as s:
            convs = {c.id: (c.status, c.agent_id) for c in s.scalars(select(Conversation))}
            loads = {a.id: a.load for a in s.scalars(select(Agent))}
        return convs, loads


def times(script_items: list[tuple[int, tuple[Any, ...]]]) -> list[tuple[datetime, tuple[Any, ...]]]:
    now, out = T0, []
    for dt, item in script_items:
        now += timedelta(seconds=dt)
        out.append((now, item))
    return out
