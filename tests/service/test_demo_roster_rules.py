"""``kefu demo`` as a user loads it (seed 1, 31 days, 12 agents): the stored roster keeps every rule.

Checked by the rules engine over the whole stored span as one horizon (runs of work across the
month's end count), on each agent's full-time contract, and month by month as the page shows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from kefu.plan.roster.rules import check
from kefu.service.demo.actions import load_demo
from kefu.service.plan.actions_month import month_view
from kefu.service.plan.roster import db_problem, load_roster
from kefu.store.db import make_engine, session_factory
from kefu.store.migrate import upgrade
from kefu.store.models.plan import RosterEntry

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 23:00 in the shop: the window is 7 Nov – 7 Dec


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'k.db'}"
    upgrade(url)
    eng = make_engine(url)
    load_demo(eng, seed=1, days=31, agents=12, now=NOW)
    yield eng
    eng.dispose()


def test_the_whole_stored_span_keeps_every_rule(demo: Engine) -> None:
    with session_factory(demo)() as session:
        first, last = session.execute(select(func.min(RosterEntry.day), func.max(RosterEntry.day))).one()
        span = (last - first).days + 1
        problem = db_problem(session, "demo", first, span)
        roster = load_roster(session, "demo", first, span)
    assert (first, last) == (date(2026, 11, 7), date(2026, 12, 31))
    assert len(problem.agents) == 12 and problem.rules.max_consecutive == 6
    assert check(problem, roster) == []
    for agent, line in roster.items():
        worked = "".join("x" if c else "." for c in line)
        assert "x" * 7 not in worked, agent  # never more than six days in a row, across 30 Nov → 1 Dec too
        # the full-timer's contract: November's 24 stored days owe ceil(4 × 24 / 30) = 4 rest days, December 4
        assert (worked[:24].count("."), worked[24:].count(".")) == (4, 4), agent
        assert line[(date(2026, 12, 12) - first).days] is not None  # nobody rests on 双12


def test_each_month_as_the_page_shows_it(demo: Engine) -> None:
    with session_factory(demo)() as session:
        for month in (date(2026, 11, 1), date(2026, 12, 1)):
            problem, roster, violations = month_view(session, "demo", month)
            assert violations == [] and len(roster) == 12
    december = [c for line in roster.values() for c in line]
    assert len(december) == 12 * 31 and sum(1 for c in december if c is None) == 12 * 4
    assert problem.start + timedelta(days=30) == date(2026, 12, 31)
