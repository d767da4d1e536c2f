"""Overtime arranged in advance and booked afterwards."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from team_world import NOW, World

from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.live import actions_presence as presence
from kefu.service.team import actions, schemas
from kefu.store.models.live import Event, PresenceInterval

MON, SUN, MAY1 = date(2026, 3, 2), date(2026, 3, 8), date(2026, 5, 1)


def ot(w: World, who: actions.Actor, day: date, minutes: int, comp: str = "pay", agent: str = "a1",
       order: bool = False) -> schemas.OvertimeOut:  # fmt: skip
    body = schemas.OvertimeIn(agent_id=agent, day=day, minutes=minutes, reason="双11", compensation=comp)
    use = actions.order_overtime if order else actions.request_overtime
    return use(w.session, who, body, now=NOW)


def code(exc: pytest.ExceptionInfo[KefuError]) -> str:
    return str(exc.value.code)


def online(w: World, agent: str, start: datetime, end: datetime) -> None:
    w.session.add(PresenceInterval(agent_id=agent, status="online", start=start, end=end))
    w.session.flush()


def test_requested_approved_and_rates_by_the_calendar(world: World) -> None:
    w = world
    out = ot(w, w.a1, MON, 120)
    assert (out.status, out.origin, out.day_kind, out.rate, out.compensation) == ("pending", "requested", "workday", "1.5", "pay")
    with pytest.raises(KefuError) as exc:
        actions.approve_overtime(w.session, w.a1, out.id, now=NOW)
    assert code(exc) == "FORBIDDEN"
    assert actions.approve_overtime(w.session, w.sup, out.id, now=NOW).status == "approved"
    assert (ot(w, w.a1, SUN, 240, "comp_leave").rate, ot(w, w.a1, MAY1, 240).rate) == ("2", "3")  # 劳动节 is statutory
    with pytest.raises(KefuError) as exc:
        ot(w, w.a1, date(2026, 3, 3), 60, "comp_leave")
    assert code(exc) == "BAD_ARGUMENT"  # workday overtime is paid, never 调休


def test_reject_and_cancel(world: World) -> None:
    w = world
    first, second = ot(w, w.a1, MON, 60), ot(w, w.a1, date(2026, 3, 3), 60)
    with pytest.raises(KefuError) as exc:
        actions.reject_overtime(w.session, w.sup, first.id, " ", now=NOW)
    assert code(exc) == "BAD_ARGUMENT"
    assert actions.reject_overtime(w.session, w.sup, first.id, "人够了", now=NOW).decision_note == "人够了"
    with pytest.raises(KefuError) as exc:
        actions.cancel_overtime(w.session, w.a2, second.id, now=NOW)
    assert code(exc) == "FORBIDDEN"
    assert actions.cancel_overtime(w.session, w.a1, second.id, now=NOW).status == "cancelled"
    with pytest.raises(KefuError) as exc:
        actions.approve_overtime(w.session, w.sup, second.id, now=NOW)
    assert code(exc) == "REQUEST_BAD_TRANSITION"
    kinds = [k for (k,) in w.session.execute(select(Event.kind).order_by(Event.id))]
    assert kinds == ["overtime.requested", "overtime.requested", "overtime.rejected", "overtime.cancelled"]


def test_month_limit_counts_pending_and_approved(world: World) -> None:
    w = world
    for day in (SUN, date(2026, 3, 15), date(2026, 3, 22)):
        ot(w, w.a1, day, 720)
    with pytest.raises(KefuError) as exc:
        ot(w, w.a1, date(2026, 3, 29), 60)
    assert code(exc) == "CONFLICT" and "36" in exc.value.message
    assert ot(w, w.a1, date(2026, 4, 5), 60).status == "pending"  # a new month


def test_ordered_by_the_supervisor(world: World) -> None:
    w = world
    with pytest.raises(KefuError) as exc:
        ot(w, w.a1, MON, 60, order=True)
    assert code(exc) == "FORBIDDEN"
    with pytest.raises(KefuError) as exc:
        ot(w, w.other_sup, MON, 60, order=True)
    assert code(exc) == "FORBIDDEN"
    out = ot(w, w.sup, MON, 60, order=True)
    assert (out.status, out.origin, out.decided_by) == ("approved", "ordered", "sup")
    assert [o.id for o in actions.list_overtime(w.session, w.a1)] == [out.id]
    assert actions.list_overtime(w.session, w.a2) == []


def test_booked_after_the_day_as_comp_leave(world: World) -> None:
    w = world
    out = ot(w, w.sup, SUN, 240, "comp_leave", order=True)
    with pytest.raises(KefuError) as exc:
        actions.book_overtime(w.session, w.sup, out.id, now=NOW)
    assert code(exc) == "BAD_ARGUMENT"  # the day has not come
    online(w, "a1", datetime(2026, 3, 8, 10, tzinfo=SHOP_TZ), datetime(2026, 3, 8, 14, tzinfo=SHOP_TZ))
    later = datetime(2026, 3, 9, 9, tzinfo=SHOP_TZ)
    booked = actions.book_overtime(w.session, w.sup, out.id, now=later)
    assert (booked.status, booked.booked_minutes) == ("booked", 240)
    assert presence.comp_leave_balance(w.session, "a1") == 240
    with pytest.raises(KefuError) as exc:
        actions.book_overtime(w.session, w.sup, out.id, now=later)
    assert code(exc) == "REQUEST_BAD_TRANSITION"
    pending = ot(w, w.a1, date(2026, 3, 15), 60)
    with pytest.raises(KefuError) as exc:
        actions.book_overtime(w.session, w.sup, pending.id, now=later + timedelta(days=7))
    assert code(exc) == "REQUEST_BAD_TRANSITION"  # never approved

