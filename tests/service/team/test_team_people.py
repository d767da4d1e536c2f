"""Onboarding (mentor, checklist, probation, early 转正) and six-month goals: every step and every refusal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from team_world import NOW, World

from kefu.domain.errors import KefuError
from kefu.service.team import actions, schemas
from kefu.store.models.live import Event
from kefu.team.people import CHECKLIST

START = date(2026, 3, 2)


def start(w: World, by: actions.Actor | None = None, agent: str = "a3", mentor: str = "a2") -> schemas.OnboardingOut:
    body = schemas.OnboardingIn(agent_id=agent, mentor_id=mentor, started_on=START, months=3)
    return actions.start_onboarding(w.session, by or w.sup, body, now=NOW)


def code(call: object) -> str:
    with pytest.raises(KefuError) as exc:
        call()  # type: ignore[operator]
    return str(exc.value.code)


def test_onboarding_from_mentor_to_early_regular(world: World) -> None:
    w = world
    out = start(w)
    assert (out.mentor_name, out.probation_end, out.status, len(out.checklist)) == ("A2", date(2026, 6, 2), "probation",
                                                                                   len(CHECKLIST))
    ticked = actions.tick_onboarding(w.session, w.a2, "a3", 1, now=NOW)  # the mentor ticks
    assert [(c.done_on, c.by) for c in ticked.checklist][:2] == [(None, ""), (date(2026, 3, 1), "a2")]
    assert code(lambda: actions.tick_onboarding(w.session, w.a2, "a3", 1, now=NOW)) == "CONFLICT"
    assert code(lambda: actions.tick_onboarding(w.session, w.a1, "a3", 0, now=NOW)) == "FORBIDDEN"
    assert code(lambda: actions.tick_onboarding(w.session, w.sup, "a3", len(CHECKLIST), now=NOW)) == "BAD_ARGUMENT"
    proposal = actions.early_regular(w.session, w.sup, "a3", month="2026-02", now=NOW)
    assert (proposal.eligible, proposal.checklist_done) == (False, False)
    for item in range(len(CHECKLIST)):
        if item != 1:
            actions.tick_onboarding(w.session, w.sup, "a3", item, now=NOW)
    assert actions.early_regular(w.session, w.a3, "a3", month="2026-02", now=NOW).checklist_done is True
    regular = actions.confirm_regular(w.session, w.sup, "a3", date(2026, 5, 1), now=NOW)
    assert (regular.status, regular.regular_on) == ("regular", date(2026, 5, 1))
    assert code(lambda: actions.confirm_regular(w.session, w.sup, "a3", date(2026, 5, 2), now=NOW)) == "CONFLICT"
    rows = w.session.execute(select(Event.kind, Event.data).where(Event.subject == "onboarding:a3").order_by(Event.id)).all()
    assert [k for k, _ in rows] == ["onboarding.started"] + ["onboarding.item_done"] * len(CHECKLIST) + ["onboarding.regular"]
    assert rows[-1][1] == {"day": "2026-05-01", "early": True}


def test_onboarding_refusals(world: World) -> None:
    w = world
    assert code(lambda: start(w, by=w.a1)) == "FORBIDDEN"
    assert code(lambda: start(w, by=w.other_sup)) == "FORBIDDEN"  # another team's supervisor
    assert code(lambda: start(w, mentor="a3")) == "BAD_ARGUMENT"  # nobody mentors themselves
    start(w)
    assert code(lambda: start(w)) == "CONFLICT"
    assert code(lambda: actions.early_regular(w.session, w.a1, "a3", month="2026-02", now=NOW)) == "FORBIDDEN"
    assert code(lambda: actions.confirm_regular(w.session, w.sup, "a3", date(2026, 3, 1), now=NOW)) == "BAD_ARGUMENT"
    assert code(lambda: actions.tick_onboarding(w.session, w.sup, "a1", 0, now=NOW)) == "NOT_FOUND"


def test_goals_at_120_to_130_percent_of_the_norm(world: World) -> None:
    w = world
    body = schemas.GoalIn(agent_id="a1", metric="conversion", label="询单转化率", norm=Decimal("0.40"),
                          factor=Decimal("1.25"), start=START, direction="往售后主管方向发展")  # fmt: skip
    goal = actions.set_goal(w.session, w.sup, body, now=NOW)
    assert (goal.target, goal.end, goal.direction) == ("0.5000", date(2026, 9, 2), "往售后主管方向发展")
    faster = actions.set_goal(w.session, w.sup, body.model_copy(update={"metric": "first_response", "label": "首响",
                              "norm": Decimal("30"), "factor": Decimal("1.2"), "lower_is_better": True}), now=NOW)  # fmt: skip
    assert faster.target == "25.0000"
    assert [g.id for g in actions.list_goals(w.session, w.a1, "a1")] == [faster.id, goal.id]
    assert code(lambda: actions.set_goal(w.session, w.sup, body.model_copy(update={"factor": Decimal("1.5")}),
                                         now=NOW)) == "BAD_ARGUMENT"  # fmt: skip
    assert code(lambda: actions.set_goal(w.session, w.a1, body, now=NOW)) == "FORBIDDEN"
    assert code(lambda: actions.list_goals(w.session, w.a2, "a1")) == "FORBIDDEN"
    assert w.session.scalars(select(Event.kind).where(Event.kind == "goal.set")).all() == ["goal.set", "goal.set"]
