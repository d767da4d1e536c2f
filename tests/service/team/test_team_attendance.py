"""Late and absent marks from presence against the roster: the worker's pass, a day recorded by hand, who sees them.

The world's Monday: a1 and a2 work 白班 09:00–16:30 (450 minutes, no meal break stored on the
cells), a3 晚班 16:00–22:30 (390); the shop allows 5 minutes' grace.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from team_world import NOW, World

from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.team import actions, schemas
from kefu.service.team.actions_attendance import sweep_attendance
from kefu.store.models.live import Event, PresenceInterval
from kefu.store.models.org import Shop

MON, TUE, SUN = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 8)


def at(hour: int, minute: int = 0, day: date = MON) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHOP_TZ)


def present(w: World, agent: str, start: datetime, end: datetime | None, status: str = "online") -> None:
    w.session.add(PresenceInterval(agent_id=agent, status=status, start=start, end=end))
    w.session.flush()


def rows(w: World) -> list[tuple[str | None, dict[str, object]]]:
    return [(a, d) for a, d in w.session.execute(select(Event.agent_id, Event.data).where(
        Event.kind == "attendance.marked").order_by(Event.id))]  # fmt: skip


def seen(marks: list[schemas.MarkOut]) -> list[tuple[str, date, str, int, bool]]:
    return [(m.agent_id, m.day, m.kind, m.minutes, m.final) for m in marks]


@pytest.fixture
def grace(world: World) -> World:
    world.session.get(Shop, "s1").settings = {"team": {"late_grace_minutes": 5}}
    return world


def test_the_worker_marks_late_at_once_then_absent_at_the_shift_end(grace: World) -> None:
    w = grace
    present(w, "a1", at(8, 50), at(9, 2), "away")  # away counts as present: on time
    present(w, "a1", at(9, 2), at(16, 30))
    assert sweep_attendance(w.session, at(9, 5)) == 0  # five minutes: inside the grace
    assert sweep_attendance(w.session, at(9, 6)) == 1  # a2 is not there: late so far
    assert sweep_attendance(w.session, at(9, 40)) == 0  # still missing: no new row every pass
    assert seen(actions.attendance_marks(w.session, w.a2, "a2", MON, MON)) == [("a2", MON, "late", 6, False)]
    present(w, "a3", at(16, 20), None)  # 晚班 starts 16:00; a3 comes 20 minutes late and stays
    assert sweep_attendance(w.session, at(16, 30)) == 2  # a2 never came: absent; a3 late, final
    assert sweep_attendance(w.session, at(16, 31)) == 0
    assert sweep_attendance(w.session, at(9, 0, TUE)) == 0  # the next morning: yesterday is settled
    assert rows(w) == [
        ("a2", {"day": "2026-03-02", "kind": "late", "minutes": 6, "final": False}),
        ("a2", {"day": "2026-03-02", "kind": "absent", "minutes": 450, "final": True}),
        ("a3", {"day": "2026-03-02", "kind": "late", "minutes": 20, "final": True}),
    ]
    assert seen(actions.team_marks(w.session, w.sup, MON, SUN)) == [
        ("a2", MON, "absent", 450, True), ("a3", MON, "late", 20, True)]
    assert actions.team_marks(w.session, w.other_sup, MON, SUN) == []  # team U's supervisor: not its team
    page = actions.my_page(w.session, w.a2, now=at(9, 0, TUE))
    assert seen(page.marks) == [("a2", MON, "absent", 450, True)]


def test_a_late_arrival_replaces_the_provisional_mark_with_the_minutes(grace: World) -> None:
    w = grace
    assert sweep_attendance(w.session, at(9, 10)) == 2  # a1 and a2 both missing
    present(w, "a1", at(9, 47), None)
    assert sweep_attendance(w.session, at(9, 50)) == 1
    assert seen(actions.team_marks(w.session, w.admin, MON, MON)) == [
        ("a1", MON, "late", 47, True), ("a2", MON, "late", 10, False)]


def test_leave_and_rest_days_carry_no_mark(grace: World) -> None:
    w = grace
    out = actions.request_leave(w.session, w.a2, schemas.LeaveIn(agent_id="a2", kind="病假", first_day=TUE, last_day=TUE),
                                now=NOW)  # fmt: skip
    actions.approve_leave(w.session, w.sup, out.id, now=NOW)
    present(w, "a1", at(9, 0, TUE), None)
    present(w, "a3", at(16, 0, TUE), None)
    assert sweep_attendance(w.session, at(23, 0, TUE)) == 3  # Monday's: nobody came (a2's leave is Tuesday)
    assert seen(actions.team_marks(w.session, w.admin, TUE, TUE)) == []  # a2 on sick leave, a1 and a3 there
    assert [m.agent_id for m in actions.team_marks(w.session, w.admin, MON, SUN)] == ["a1", "a2", "a3"]  # a4 rests


def test_a_finished_day_recorded_by_hand(world: World) -> None:
    w = world
    present(w, "a1", at(9, 7), at(16, 30))
    present(w, "a3", at(15, 55), at(22, 30))
    after = at(9, 0, TUE)
    with pytest.raises(KefuError) as exc:
        actions.record_attendance(w.session, w.a1, "s1", MON, now=after)
    assert exc.value.code == "FORBIDDEN"
    marks = actions.record_attendance(w.session, w.sup, "s1", MON, now=after)
    assert seen(marks) == [("a1", MON, "late", 7, True), ("a2", MON, "absent", 450, True)]
    assert seen(actions.record_attendance(w.session, w.sup, "s1", MON, now=after)) == seen(marks)  # again: the same
    assert len(rows(w)) == 2  # and nothing new written
    assert [(m.day, m.kind) for m in actions.attendance_marks(w.session, w.a1, "a1", MON, SUN)] == [(MON, "late")]
    with pytest.raises(KefuError) as exc:
        actions.attendance_marks(w.session, w.a1, "a2", MON, SUN)
    assert exc.value.code == "FORBIDDEN"
    with pytest.raises(KefuError) as exc:
        actions.record_attendance(w.session, w.sup, "s1", TUE, now=after)  # not over yet
    assert exc.value.code == "BAD_ARGUMENT"


def test_only_supervisors_list_the_team_marks_over_a_bounded_range(world: World) -> None:
    w = world
    with pytest.raises(KefuError) as exc:
        actions.team_marks(w.session, w.a1, MON, SUN)
    assert exc.value.code == "FORBIDDEN"
    with pytest.raises(KefuError) as exc:
        actions.team_marks(w.session, w.sup, SUN, MON)
    assert exc.value.code == "BAD_ARGUMENT"
    with pytest.raises(KefuError) as exc:
        actions.team_marks(w.session, w.sup, MON, date(2026, 6, 30))
    assert exc.value.code == "BAD_ARGUMENT"
