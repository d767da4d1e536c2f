"""Overtime pay and attendance for the pay run, from booked overtime, the roster and presence."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from kefu.credit.kpi import parse_scheme
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.credit.actions_pay import month_pay
from kefu.service.credit.attendance import attendance_from_presence, overtime_from_bookings
from kefu.service.live import actions, actions_presence
from kefu.store.models.live import Message
from kefu.store.models.org import Shop
from kefu.store.models.plan import RosterEntry, ShiftTemplate

SCHEME = parse_scheme("""
name: test
items:
  - {metric: attendance, weight: 100, target: "1"}
grades: {by: thresholds, thresholds: [[100, A], [0, B]]}
pay: {base_fen: 300000, point_fen: 100, commission: "0"}
""")


def at(d: date, h: int) -> datetime:
    return datetime(d.year, d.month, d.day, h, tzinfo=SHOP_TZ)


def _seed(session: Session) -> None:
    """kf01 rostered Sat 14 (09–17) and Mon 16 Nov; online Sat 10–18 (1 h past the shift) and Sun 15 10–11."""
    sat, sun, mon = date(2026, 11, 14), date(2026, 11, 15), date(2026, 11, 16)
    session.add(Shop(id="s1", name="s1"))
    session.add(ShiftTemplate(shop_id="s1", code="白", start="09:00", end="17:00"))
    actions.register_agent(session, "kf01", "一号", ["售前"], 3, shop="s1", now=at(sat, 8))
    session.flush()
    session.add_all([RosterEntry(shop_id="s1", agent_id="kf01", day=sat, shift_code="白"),
                     RosterEntry(shop_id="s1", agent_id="kf01", day=mon, shift_code="白"),
                     RosterEntry(shop_id="s1", agent_id="kf01", day=sun, shift_code="")])  # rest day: not counted
    session.flush()
    for day, start, end in ((sat, 10, 18), (sun, 10, 11)):
        actions.set_agent_status(session, "kf01", "online", at(day, start))
        actions.set_agent_status(session, "kf01", "offline", at(day, end))
    session.add_all([Message(shop_id="s1", buyer="甲", agent_id="kf01", ts=at(sat, 11), direction="in", text="在吗"),
                     Message(shop_id="s1", buyer="甲", agent_id="kf01", ts=at(sat, 11).replace(minute=1),
                             direction="out", text="在")])
    session.flush()


def test_paid_overtime_is_priced_at_its_legal_rate(session: Session) -> None:
    with session.begin():
        _seed(session)
        booked = actions_presence.record_overtime(session, "kf01", date(2026, 11, 14), now=at(date(2026, 11, 14), 20))
    assert (booked.minutes, booked.kind, booked.comp_leave) == (60, "rest", False)  # a Saturday
    with session.begin():  # Sunday's rest-day overtime became 调休: not paid
        actions_presence.record_overtime(session, "kf01", date(2026, 11, 15), comp_leave=True, now=at(date(2026, 11, 15), 20))
    hook = overtime_from_bookings(session, lambda agent: 300000)
    # 300000 fen / 21.75 / 8 = 1724.1379 fen an hour; 1 h at 200 % = 3448.28 → 3448
    assert hook("kf01", "2026-11") == (3448, ["overtime:2026-11-14:60min×2"])
    assert hook("kf01", "2026-12") == (0, [])


def test_attendance_is_worked_rostered_days(session: Session) -> None:
    with session.begin():
        _seed(session)
    hook = attendance_from_presence(session)
    assert hook("kf01", "2026-11") == 0.5  # Saturday worked, Monday not; Sunday is a rest day
    assert hook("kf01", "2026-10") is None  # no roster that month: no figure


def test_month_pay_uses_the_floor_by_default(session: Session) -> None:
    with session.begin():
        _seed(session)
        actions_presence.record_overtime(session, "kf01", date(2026, 11, 15), now=at(date(2026, 11, 15), 20))
        actions_presence.record_overtime(session, "kf01", date(2026, 11, 14), now=at(date(2026, 11, 14), 20))
    mp = month_pay(session, "2026-11", SCHEME)
    assert mp.monthly.set_index("agent").loc["kf01", "attendance"] == 0.5
    slip = {p.agent: p for p in mp.payslips}["kf01"]
    lines = {line.kind: line for line in slip.lines}
    # two rest-day hours at 200 %: 2 × 3448.28 = 6896.55 → 6897 (rounded once, on the month's sum)
    assert lines["overtime"].amount_fen == 6897
    assert lines["overtime"].evidence == ("overtime:2026-11-15:60min×2", "overtime:2026-11-14:60min×2")
    assert lines["points"].amount_fen == 5000  # attendance 0.5 of target 1 → 50 points × 100 fen
