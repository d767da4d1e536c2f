"""Tickets listed a page at a time (the /care/tickets pager) in the agent's scope, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.care import actions_tickets as tickets
from kefu.store.db import session_factory
from kefu.store.models.org import Agent, Shop

T0 = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Who:
    role: str
    agent_id: str | None = None


@pytest.fixture
def made(engine: Engine) -> Engine:
    """45 tickets of a1 in s1 one minute apart, 3 of a2; ids 1…48 in creation order."""
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="小店", settings={}))
        s.flush()
        s.add_all([Agent(id="a1", name="A1", shop_id="s1"), Agent(id="a2", name="A2", shop_id="s1")])
        s.flush()
        for i in range(48):
            tickets.create_ticket(s, shop_id="s1", buyer=f"b{i}", category="物流", owner="a1" if i < 45 else "a2",
                                  now=T0 + timedelta(minutes=i))  # fmt: skip
    return engine


def test_pages_are_newest_first_and_count_all(made: Engine) -> None:
    with session_factory(made)() as s:
        first = tickets.page_tickets(s, page=1, per_page=20, viewer=Who("supervisor"), role="supervisor")
        last = tickets.page_tickets(s, page=3, per_page=20, viewer=Who("supervisor"), role="supervisor")
        beyond = tickets.page_tickets(s, page=4, per_page=20, viewer=Who("supervisor"), role="supervisor")
    assert (first["total"], [r["id"] for r in first["rows"]][:3], len(first["rows"])) == (48, [48, 47, 46], 20)
    assert [r["id"] for r in last["rows"]] == [8, 7, 6, 5, 4, 3, 2, 1]
    assert (beyond["total"], beyond["rows"]) == (48, [])


def test_an_agent_pages_through_its_own_tickets_only(made: Engine) -> None:
    with session_factory(made)() as s:
        mine = tickets.page_tickets(s, page=1, per_page=50, viewer=Who("agent", "a2"))
        open_ones = tickets.page_tickets(s, page=1, per_page=50, status="closed", viewer=Who("agent", "a1"))
    assert (mine["total"], [r["id"] for r in mine["rows"]]) == (3, [48, 47, 46])
    assert (open_ones["total"], open_ones["rows"]) == (0, [])


@pytest.mark.parametrize(("page", "per_page"), [(0, 20), (1, 0), (1, 201)])
def test_bad_pages_are_refused(made: Engine, page: int, per_page: int) -> None:
    with session_factory(made)() as s, pytest.raises(KefuError) as err:
        tickets.page_tickets(s, page=page, per_page=per_page)
    assert (err.value.code, err.value.message_en) == (ErrorCode.BAD_ARGUMENT, "argument page: pages start at 1, 1–200 rows a page")


def test_history_is_the_agents_own(made: Engine) -> None:
    with session_factory(made)() as s:
        assert [h["kind"] for h in tickets.ticket_history(s, 46, viewer=Who("agent", "a2"))] == ["ticket.created"]
        with pytest.raises(KefuError) as err:
            tickets.ticket_history(s, 1, viewer=Who("agent", "a2"))
    assert err.value.code == ErrorCode.FORBIDDEN
