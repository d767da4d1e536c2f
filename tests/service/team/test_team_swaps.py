"""Swaps: every transition and refusal, the rule named when a hard rule breaks; fit ranking; open shifts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from team_world import NOW, World, shift_of

from kefu.domain.errors import KefuError
from kefu.service.team import actions, schemas, store
from kefu.store.models.live import Event

D3, D4, D8 = date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 8)
A4 = actions.Actor("a4", "agent", "a4", "U")


def ask(w: World, who: actions.Actor, peer: str, day: date = D3) -> schemas.SwapOut:
    return actions.request_swap(w.session, who, schemas.SwapIn(agent_id=who.agent_id or "", day=day, peer_id=peer,
                                                               reason="有事"), now=NOW)  # fmt: skip


def code(exc: pytest.ExceptionInfo[KefuError]) -> str:
    return str(exc.value.code)


def test_cover_approved_by_an_admin(world: World) -> None:
    w = world
    out = ask(w, w.a1, "a4")
    assert (out.status, out.cells, out.requester_name, out.peer_name) == ("requested", {"a1": "白班", "a4": ""}, "A1", "A4")
    accepted = actions.accept_swap(w.session, A4, out.id, now=NOW)
    assert (accepted.status, accepted.findings) == ("accepted", [])
    with pytest.raises(KefuError) as exc:  # a4 is in team U: the team-T supervisor may not decide
        actions.approve_swap(w.session, w.sup, out.id, now=NOW)
    assert code(exc) == "FORBIDDEN"
    done = actions.approve_swap(w.session, w.admin, out.id, "好", now=NOW)
    assert (done.status, done.decided_by, done.decision_note) == ("approved", "boss", "好")
    assert (shift_of(w.session, "a1", D3), shift_of(w.session, "a4", D3)) == ("", "白班")
    row = w.session.query(store.RosterEntry).filter_by(agent_id="a4", day=D3).one()
    assert row.skill == "售前"  # the cell keeps its skill
    kinds = [k for (k,) in w.session.execute(select(Event.kind).order_by(Event.id))]
    assert kinds == ["swap.requested", "swap.accepted", "swap.approved"]


def _rest_hours_case(w: World) -> schemas.SwapOut:
    """a2 works 晚班 on 03-03 (to 22:30); a1 holds 早班 (07:00) on 03-04: a2 taking it leaves 8.5 h rest."""
    store.set_cell(w.session, "s1", "a2", D3, "晚班", "售前")
    store.set_cell(w.session, "s1", "a1", D4, "早班", "售前")
    out = ask(w, w.a1, "a2", D4)
    return actions.accept_swap(w.session, w.a2, out.id, now=NOW)


def test_rest_hours_refused_with_the_rule_named(world: World) -> None:
    w = world
    accepted = _rest_hours_case(w)
    assert [(f.agent, f.day, f.rule) for f in accepted.findings] == [("a2", D4, "min_rest_hours")]
    with pytest.raises(KefuError) as exc:
        actions.approve_swap(w.session, w.sup, accepted.id, now=NOW)
    assert code(exc) == "ROSTER_RULE_BROKEN"
    assert exc.value.message == "违反排班硬性规则: 两个班次之间的最少休息小时 (a2 2026-03-04: 与前一班只隔 8.5 小时)"
    assert exc.value.message_en == "breaks a hard roster rule: minimum rest hours between shifts (a2 2026-03-04: only 8.5 h rest)"
    assert exc.value.details["rules"] == ["min_rest_hours"]
    assert (shift_of(w.session, "a1", D4), shift_of(w.session, "a2", D4)) == ("早班", "白班")  # nothing stored
    assert actions.list_swaps(w.session, w.sup)[0].status == "accepted"
    rejected = actions.reject_swap(w.session, w.sup, accepted.id, "休息不够", now=NOW)
    assert (rejected.status, rejected.decision_note) == ("rejected", "休息不够")


def test_skills_and_consecutive_days_are_named(world: World) -> None:
    w = world
    out = ask(w, w.a1, "a3")  # 白班 售前 ↔ 晚班 售后; a1 lacks 售后 and a3 lacks 售前
    accepted = actions.accept_swap(w.session, w.a3, out.id, now=NOW)
    assert sorted((f.agent, f.rule) for f in accepted.findings) == [("a1", "skills"), ("a3", "skills")]
    with pytest.raises(KefuError) as exc:
        actions.approve_swap(w.session, w.sup, out.id, now=NOW)
    assert exc.value.details["rules"] == ["skills"]
    store.set_cell(w.session, "s1", "a4", D8, "白班", "售前")
    out = ask(w, w.a2, "a4", D8)  # a2 would work 03-02 … 03-14 without a day off
    actions.accept_swap(w.session, A4, out.id, now=NOW)
    with pytest.raises(KefuError) as exc:
        actions.approve_swap(w.session, w.admin, out.id, now=NOW)
    assert exc.value.details["rules"] == ["max_consecutive"]
    assert "最多连续工作天数" in exc.value.message and "maximum consecutive workdays" in exc.value.message_en


def test_transitions_and_who_answers(world: World) -> None:
    w = world
    out = ask(w, w.a1, "a4")
    for actor in (w.a1, w.a3, w.sup):
        with pytest.raises(KefuError) as exc:
            actions.accept_swap(w.session, actor, out.id, now=NOW)
        assert code(exc) == "FORBIDDEN"
    with pytest.raises(KefuError) as exc:
        actions.approve_swap(w.session, w.admin, out.id, now=NOW)  # not accepted yet
    assert code(exc) == "REQUEST_BAD_TRANSITION"
    assert exc.value.message_en == "the request is requested; it cannot be approved"
    assert actions.decline_swap(w.session, A4, out.id, now=NOW).status == "declined"
    with pytest.raises(KefuError) as exc:
        actions.accept_swap(w.session, A4, out.id, now=NOW)
    assert code(exc) == "REQUEST_BAD_TRANSITION"
    again = ask(w, w.a1, "a4")
    with pytest.raises(KefuError) as exc:
        actions.cancel_swap(w.session, A4, again.id, now=NOW)
    assert code(exc) == "FORBIDDEN"
    actions.accept_swap(w.session, A4, again.id, now=NOW)
    with pytest.raises(KefuError) as exc:
        actions.reject_swap(w.session, w.admin, again.id, "", now=NOW)
    assert code(exc) == "BAD_ARGUMENT"
    assert actions.cancel_swap(w.session, w.a1, again.id, now=NOW).status == "cancelled"


def test_stale_cells_are_refused(world: World) -> None:
    w = world
    out = ask(w, w.a1, "a4")
    actions.accept_swap(w.session, A4, out.id, now=NOW)
    store.set_cell(w.session, "s1", "a1", D3, "晚班", "售前")  # the supervisor edited the roster meanwhile
    with pytest.raises(KefuError) as exc:
        actions.approve_swap(w.session, w.admin, out.id, now=NOW)
    assert code(exc) == "CONFLICT"


@pytest.mark.parametrize(("who", "peer", "day", "error"), [
    ("a1", "a1", D3, "BAD_ARGUMENT"),
    ("a1", "a2", D3, "BAD_ARGUMENT"),  # both work 白班 售前: nothing to swap
    ("a1", "a4", date(2030, 1, 1), "BAD_ARGUMENT"),  # beyond the coming year
    ("a1", "a2", date(2026, 3, 1), "BAD_ARGUMENT"),  # today: not in advance
    ("a1", "a2", D8, "BAD_ARGUMENT"),  # both rest on Sunday
    ("a1", "zz", D3, "AGENT_UNKNOWN"),
])  # fmt: skip
def test_request_refusals(world: World, who: str, peer: str, day: date, error: str) -> None:
    with pytest.raises(KefuError) as exc:
        ask(world, getattr(world, who), peer, day)
    assert code(exc) == error


def test_one_open_swap_a_day_and_only_for_oneself(world: World) -> None:
    w = world
    ask(w, w.a1, "a4")
    with pytest.raises(KefuError) as exc:
        ask(w, w.a2, "a4")
    assert code(exc) == "CONFLICT"
    with pytest.raises(KefuError) as exc:
        actions.request_swap(w.session, w.a3, schemas.SwapIn(agent_id="a1", day=D4, peer_id="a3"), now=NOW)
    assert code(exc) == "FORBIDDEN"
    assert [s.requester for s in actions.list_swaps(w.session, A4)] == ["a1"]
    assert [s.requester for s in actions.list_swaps(w.session, w.other_sup)] == ["a1"]  # a4 is in team U
    assert actions.list_swaps(w.session, w.a2) == []


def test_fit_ranking_for_a_freed_shift(world: World) -> None:
    w = world
    fits = actions.shift_candidates(w.session, w.sup, "s1", D3, "白班", "售前", exclude="a1", now=NOW)
    assert [(f.agent_id, f.eligible, f.rules, f.primary_skill) for f in fits] == [
        ("a4", True, [], True), ("a2", False, ["one_shift_per_day"], True), ("a3", False, ["one_shift_per_day"], False)]
    assert fits[1].rule_labels == ["每天最多一个班次"]
    assert fits[1].hours == 182.0  # 26 白班 × 7 paid hours (7.5 h less the 30-minute meal) in the window
    with pytest.raises(KefuError) as exc:
        actions.shift_candidates(w.session, w.a1, "s1", D3, "晚班", "售后", now=NOW)  # not the agent's own shift
    assert code(exc) == "FORBIDDEN"
    mine = actions.shift_candidates(w.session, w.a1, "s1", D3, "白班", "售前", now=NOW)
    assert [f.agent_id for f in mine] == ["a4", "a2", "a3"]


def test_open_shift_picked_up_by_the_first_it_fits(world: World) -> None:
    w = world
    with pytest.raises(KefuError) as exc:
        actions.open_shift(w.session, w.a1, schemas.OpenShiftIn(shop_id="s1", day=D3, shift_code="白班", skill="售前"), now=NOW)
    assert code(exc) == "FORBIDDEN"
    opened = actions.open_shift(w.session, w.sup, schemas.OpenShiftIn(
        shop_id="s1", day=D3, shift_code="白班", skill="售前", source="leave:1"), now=NOW)
    with pytest.raises(KefuError) as exc:
        actions.pick_up_shift(w.session, w.a2, opened.id, "a2", now=NOW)
    assert code(exc) == "ROSTER_RULE_BROKEN" and exc.value.details["rules"] == ["one_shift_per_day"]
    with pytest.raises(KefuError) as exc:
        actions.pick_up_shift(w.session, w.a2, opened.id, "a4", now=NOW)
    assert code(exc) == "FORBIDDEN"
    taken = actions.pick_up_shift(w.session, A4, opened.id, "a4", now=NOW)
    assert (taken.status, taken.taken_by, taken.taken_by_name) == ("taken", "a4", "A4")
    assert shift_of(w.session, "a4", D3) == "白班"
    with pytest.raises(KefuError) as exc:
        actions.pick_up_shift(w.session, w.a3, opened.id, "a3", now=NOW)
    assert code(exc) == "CONFLICT"
    assert actions.list_open_shifts(w.session, w.a1, now=NOW) == []
    assert [s.id for s in actions.list_open_shifts(w.session, w.sup, status=None, now=NOW)] == [opened.id]
