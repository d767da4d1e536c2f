"""Leave: every transition and every refusal, the roster change, balances, scope."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from team_world import NOW, World, shift_of

from kefu.domain.errors import KefuError
from kefu.service.live import actions_presence as presence
from kefu.service.team import actions, schemas
from kefu.store.models.duty import OutboxMessage
from kefu.store.models.live import Event
from kefu.store.models.org import Shop

D3, D4, D5 = date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)


def ask(w: World, kind: str = "事假", first: date = D3, last: date = D4, who: str = "a1", by: actions.Actor | None = None,
        reason: str = "家里有事") -> schemas.LeaveOut:  # fmt: skip
    return actions.request_leave(w.session, by or getattr(w, who), schemas.LeaveIn(
        agent_id=who, kind=kind, first_day=first, last_day=last, reason=reason), now=NOW)


def code(exc: pytest.ExceptionInfo[KefuError]) -> str:
    return str(exc.value.code)


def kinds(w: World) -> list[tuple[str, str, str | None]]:
    rows = w.session.execute(select(Event.kind, Event.subject, Event.agent_id).order_by(Event.id)).all()
    return [(k, s, a) for k, s, a in rows if not k.startswith("comp_leave")]


def test_request_then_approve_without_a_forecast_frees_and_offers(world: World) -> None:
    w = world
    out = ask(w)
    assert (out.status, out.kind, out.kind_label, out.days, out.minutes, out.reason) == ("pending", "personal", "事假", 2, 0, "家里有事")
    approved = actions.approve_leave(w.session, w.sup, out.id, "注意交接", now=NOW)
    assert approved.status == "approved" and approved.decided_by == "sup" and approved.decision_note == "注意交接"
    assert [(c.day, c.before, c.after, c.skill) for c in approved.roster_changes] == [
        (D3, "白班", "", "售前"), (D4, "白班", "", "售前")]
    assert [shift_of(w.session, "a1", d) for d in (D3, D4, D5)] == ["", "", "白班"]
    assert [shift_of(w.session, "a2", d) for d in (D3, D4)] == ["白班", "白班"]  # nobody else moves
    assert kinds(w) == [("leave.requested", f"leave:{out.id}", "a1"), ("shift.opened", "open_shift:1", None),
                        ("shift.opened", "open_shift:2", None), ("leave.approved", f"leave:{out.id}", "a1")]
    offered = actions.list_open_shifts(w.session, w.a2, now=NOW)  # the gaps, for a peer to pick up
    assert [(o.day, o.shift_code, o.skill, o.source) for o in offered] == [
        (D3, "白班", "售前", f"leave:{out.id}"), (D4, "白班", "售前", f"leave:{out.id}")]
    assert actions.list_open_shifts(w.session, w.a1, now=NOW) == []  # not offered back to the agent on leave
    # the shop has no chat history: no forecast asks for the shifts, so nobody is moved; the gaps are offered
    why = ("没有同事能在不违反规则的前提下补班, 或预测不需要这些班次",
           "nobody can take these shifts within the rules, or the forecast does not need them")
    assert approved.replan == schemas.ReplanOut(outcome="freed", reason=why[0], reason_en=why[1], open_shifts=[1, 2])
    data = w.session.scalars(select(Event.data).where(Event.kind == "leave.approved")).one()
    assert data == {"note": "注意交接", "roster_changes": [
        {"agent": "a1", "day": "2026-03-03", "before": "白班", "skill": "售前", "after": ""},
        {"agent": "a1", "day": "2026-03-04", "before": "白班", "skill": "售前", "after": ""}],
        "replan": {"outcome": "freed", "reason": why[0], "reason_en": why[1]}}
    assert w.session.scalars(select(OutboxMessage)).all() == []  # no robot configured: nothing queued


def test_approval_is_posted_to_the_configured_robots(world: World) -> None:
    w = world
    w.session.get(Shop, "s1").settings = {"notify": {"dingtalk": {"webhook": "http://127.0.0.1:9/robot"}}}
    out = ask(w)
    actions.approve_leave(w.session, w.sup, out.id, now=NOW)
    keys = w.session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.channel == "dingtalk")).all()
    assert sorted(keys) == [f"team:leave.approved:leave:{out.id}:a1", "team:shift.opened:open_shift:1:",
                            "team:shift.opened:open_shift:2:"]
    msg = w.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("team:leave"))).one()
    assert msg.payload["text"] == "A1 的事假 2026-03-03~2026-03-04 已批准 (审批 sup); 排班改为休息: 03-03、03-04; 空出的班次已开放领取"


def test_reject_needs_a_note_and_leaves_the_roster(world: World) -> None:
    w = world
    out = ask(w)
    with pytest.raises(KefuError) as exc:
        actions.reject_leave(w.session, w.sup, out.id, "  ", now=NOW)
    assert code(exc) == "BAD_ARGUMENT"
    rejected = actions.reject_leave(w.session, w.sup, out.id, "大促期间不批事假", now=NOW)
    assert (rejected.status, rejected.decision_note, rejected.roster_changes) == ("rejected", "大促期间不批事假", [])
    assert shift_of(w.session, "a1", D3) == "白班"
    with pytest.raises(KefuError) as exc:
        actions.approve_leave(w.session, w.sup, out.id, now=NOW)
    assert code(exc) == "REQUEST_BAD_TRANSITION"
    assert "已驳回" in exc.value.message


def test_cancel_only_own_and_only_while_pending(world: World) -> None:
    w = world
    out = ask(w)
    with pytest.raises(KefuError) as exc:
        actions.cancel_leave(w.session, w.a2, out.id, now=NOW)
    assert code(exc) == "FORBIDDEN"
    assert actions.cancel_leave(w.session, w.a1, out.id, now=NOW).status == "cancelled"
    again = ask(w)  # the dates are free again
    actions.approve_leave(w.session, w.sup, again.id, now=NOW)
    with pytest.raises(KefuError) as exc:
        actions.cancel_leave(w.session, w.a1, again.id, now=NOW)
    assert code(exc) == "REQUEST_BAD_TRANSITION"
    with pytest.raises(KefuError) as exc:
        actions.approve_leave(w.session, w.sup, again.id, now=NOW)
    assert code(exc) == "REQUEST_BAD_TRANSITION"


def test_who_may_decide(world: World) -> None:
    w = world
    out = ask(w)
    for actor in (w.a1, w.a2, w.other_sup, actions.Actor("erp", "integration")):
        with pytest.raises(KefuError) as exc:
            actions.approve_leave(w.session, actor, out.id, now=NOW)
        assert code(exc) == "FORBIDDEN", actor
    assert actions.approve_leave(w.session, w.admin, out.id, now=NOW).status == "approved"
    with pytest.raises(KefuError) as exc:
        actions.approve_leave(w.session, w.sup, 999, now=NOW)
    assert code(exc) == "NOT_FOUND"


def test_agents_file_only_for_themselves_supervisors_for_their_team(world: World) -> None:
    w = world
    with pytest.raises(KefuError) as exc:
        ask(w, who="a2", by=w.a1)
    assert code(exc) == "FORBIDDEN"
    assert ask(w, who="a2", by=w.sup).agent_id == "a2"
    with pytest.raises(KefuError) as exc:
        ask(w, who="a3", by=w.other_sup)
    assert code(exc) == "FORBIDDEN"
    with pytest.raises(KefuError) as exc:
        ask(w, who="zz", by=w.sup)
    assert code(exc) == "AGENT_UNKNOWN"


@pytest.mark.parametrize(("kind", "first", "last", "error"), [
    ("事假", date(2026, 3, 1), date(2026, 3, 1), "BAD_ARGUMENT"),  # not in advance (today)
    ("年假", date(2026, 2, 27), date(2026, 3, 2), "BAD_ARGUMENT"),
    ("病假", date(2026, 2, 21), date(2026, 2, 23), "BAD_ARGUMENT"),  # more than 7 days back
    ("事假", D4, D3, "BAD_ARGUMENT"),  # reversed
    ("事假", date(2026, 3, 8), date(2026, 3, 8), "BAD_ARGUMENT"),  # a Sunday off: nothing to take
    ("事假", D3, date(2026, 4, 10), "BAD_ARGUMENT"),  # longer than a month
    ("婚假", D3, D3, "BAD_ARGUMENT"),
    ("事假", date(2030, 1, 1), date(2030, 1, 2), "BAD_ARGUMENT"),  # beyond the coming year
])  # fmt: skip
def test_refused_dates_and_kinds(world: World, kind: str, first: date, last: date, error: str) -> None:
    with pytest.raises(KefuError) as exc:
        ask(world, kind, first, last)
    assert code(exc) == error
    assert kinds(world) == []


def test_sick_leave_may_be_filed_afterwards(world: World) -> None:
    out = ask(world, "病假", date(2026, 2, 26), date(2026, 3, 2))
    # February has no roster rows: calendar workdays count, and 02-28 is a Saturday made a workday (春节调休);
    # 03-01 is a rostered Sunday off, 03-02 a rostered 白班
    assert (out.kind, out.days, out.status) == ("sick", 4, "pending")


def test_overlap_is_refused(world: World) -> None:
    ask(world)
    with pytest.raises(KefuError) as exc:
        ask(world, "年假", D4, D5)
    assert code(exc) == "CONFLICT"


def test_annual_balance(world: World) -> None:
    w = world
    with pytest.raises(KefuError) as exc:
        ask(w, "年假", date(2026, 3, 2), date(2026, 3, 7))  # six rostered days, five a year
    assert code(exc) == "CONFLICT" and exc.value.details == {"kind": "annual", "need": 6, "remaining": 5}
    ask(w, "年假", date(2026, 3, 9), date(2026, 3, 11))
    with pytest.raises(KefuError) as exc:
        ask(w, "年假", date(2026, 3, 16), date(2026, 3, 18))  # the pending three count
    assert exc.value.details == {"kind": "annual", "need": 3, "remaining": 2}
    balances = {b.kind: b for b in actions.leave_balances(w.session, w.a1, "a1", now=NOW)}
    assert balances["annual"].model_dump() == {"kind": "annual", "label": "年假", "unit": "day", "entitled": 5, "used": 0,
                                               "pending": 3, "remaining": 2}  # fmt: skip
    assert balances["sick"].remaining is None


def test_comp_leave_draws_on_the_ledger(world: World) -> None:
    w = world
    with pytest.raises(KefuError) as exc:
        ask(w, "调休")
    assert exc.value.details == {"kind": "comp", "need": 840, "remaining": 0}
    w.session.add(Event(ts=NOW, kind="comp_leave", subject="comp_leave:a1", agent_id="a1",
                        data={"minutes": 900, "day": "2026-02-28", "reason": "rest-day overtime"}))
    w.session.flush()
    out = ask(w, "调休")
    assert (out.days, out.minutes) == (2, 840)  # 白班 09:00–16:30 less the 30-minute meal = 420 a day
    actions.approve_leave(w.session, w.sup, out.id, now=NOW)
    assert presence.comp_leave_balance(w.session, "a1") == 60
    balances = {b.kind: b for b in actions.leave_balances(w.session, w.a1, "a1", now=NOW)}
    assert (balances["comp"].entitled, balances["comp"].used, balances["comp"].remaining) == (60, 840, 60)


def test_lists_are_scoped(world: World) -> None:
    w = world
    mine = ask(w)
    theirs = ask(w, who="a2", by=w.a2)
    assert [r.id for r in actions.list_leave(w.session, w.a1)] == [mine.id]
    assert [r.id for r in actions.list_leave(w.session, w.a1, agent_id="a2")] == [mine.id]
    assert [r.id for r in actions.list_leave(w.session, w.sup)] == [theirs.id, mine.id]
    assert actions.list_leave(w.session, w.other_sup) == []
    assert [r.id for r in actions.list_leave(w.session, w.admin, status="pending")] == [theirs.id, mine.id]
    with pytest.raises(KefuError) as exc:
        actions.leave_balances(w.session, w.a1, "a2", now=NOW)
    assert code(exc) == "FORBIDDEN"
