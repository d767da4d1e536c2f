"""Worked time from stored rows (presence intervals, roster, conversations) and the comp-leave ledger."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.live import actions, actions_presence
from kefu.store.models.live import PresenceInterval
from kefu.store.models.org import Shop
from kefu.store.models.plan import RosterEntry, ShiftTemplate


def at(d: date, h: int, m: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, h, m, tzinfo=SHOP_TZ)


def test_intervals_roster_and_overtime(session: Session) -> None:
    d = date(2026, 11, 11)
    with session.begin():
        session.add(Shop(id="s", name="s"))
        session.add(ShiftTemplate(shop_id="s", code="白班", start="09:00", end="16:30"))
        session.flush()
        session.add(RosterEntry(shop_id="s", agent_id=actions.register_agent(session, "a", "a", ["售前"], 2,
                                                                          shop="s", now=at(d, 8))["id"],
                                day=d, shift_code="白班"))
        actions.set_agent_status(session, "a", "online", at(d, 9, 5))
        cid = actions.open_conversation(session, "s", "b", "售前", at(d, 16, 0))["id"]
        with pytest.raises(KefuError):  # not offline with an open chat
            actions.set_agent_status(session, "a", "offline", at(d, 16, 30))
        # after shift end the agent gets no new conversations
        assert actions.open_conversation(session, "s", "b2", "售前", at(d, 16, 31))["status"] == "queued"
        actions.close_conversation(session, cid, at(d, 17, 2))
        actions.set_agent_status(session, "a", "offline", at(d, 17, 5))
    rows = session.execute(select(PresenceInterval.status, PresenceInterval.start, PresenceInterval.end)
                           .order_by(PresenceInterval.id)).all()
    assert [(r.status, r.end is None) for r in rows] == [("online", False), ("offline", True)]
    got = actions_presence.worked_time(session, "a", d, now=at(d, 23))
    assert (got.scheduled_minutes, got.online_minutes, got.late_start_minutes) == (450, 480, 5)
    assert (got.overtime_minutes, got.overtime_kind, got.overtime_rate) == (30, "workday", "1.5")
    with pytest.raises(KefuError) as err:
        actions_presence.worked_time(session, "ghost", d)
    assert err.value.code is ErrorCode.AGENT_UNKNOWN


def test_comp_leave_ledger(session: Session) -> None:
    saturday = date(2026, 11, 14)
    with session.begin():
        actions.register_agent(session, "a", "a", ["售前"], 2, now=at(saturday, 8))
        actions.set_agent_status(session, "a", "online", at(saturday, 10))
        actions.set_agent_status(session, "a", "offline", at(saturday, 14))
        booked = actions_presence.record_overtime(session, "a", saturday, comp_leave=True, now=at(saturday, 20))
    assert (booked.minutes, booked.kind, booked.balance) == (240, "rest", 240)
    with session.begin(), pytest.raises(KefuError) as err:
        actions_presence.record_overtime(session, "a", saturday, now=at(saturday, 21))
    assert err.value.code is ErrorCode.CONFLICT
    with session.begin():
        assert actions_presence.take_comp_leave(session, "a", 180, date(2026, 11, 20)) == 60
    with session.begin(), pytest.raises(KefuError) as err:
        actions_presence.take_comp_leave(session, "a", 61, date(2026, 11, 21))
    assert err.value.code is ErrorCode.CONFLICT
    assert actions_presence.comp_leave_balance(session, "a") == 60
    session.rollback()
    holiday = date(2026, 10, 1)  # statutory: paid 300%, never comp leave
    with session.begin():
        actions.set_agent_status(session, "a", "online", at(holiday, 10))
        actions.set_agent_status(session, "a", "offline", at(holiday, 11))
    with session.begin(), pytest.raises(KefuError) as err:
        actions_presence.record_overtime(session, "a", holiday, comp_leave=True, now=at(holiday, 20))
    assert err.value.code is ErrorCode.BAD_ARGUMENT
