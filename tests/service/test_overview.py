"""Overview figures on a hand-built day: exact counts, shop-time hours, role scope, fen sums."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.money import yuan
from kefu.service.credit import actions_overview as svc
from kefu.service.live import actions_reads as reads
from kefu.store.models.commerce import Order, OrderCredit
from kefu.store.models.live import Conversation, Message
from kefu.store.models.org import Agent

DAY = date(2026, 11, 11)
NOW = datetime(2026, 11, 11, 8, 0, tzinfo=UTC)  # 16:00 Shanghai


def _utc(h: int, m: int = 0, d: int = 11) -> datetime:
    return datetime(2026, 11, d, h, m, tzinfo=UTC)


def _load(session: Session) -> None:
    session.add_all([
        Agent(id="a1", name="A1", team="A", status="online", capacity=3, load=1),
        Agent(id="a2", name="A2", team="A", status="away"),
        Agent(id="b1", name="B1", team="B", status="offline"),
    ])
    session.flush()
    # 10/11 16:30 UTC = 11/11 00:30 Shanghai (belongs to the day); 11/11 16:30 UTC = 11/12 00:30 (does not)
    for buyer, ts, agent in (("x", _utc(16, 30, 10), "a1"), ("x", _utc(2), "a1"), ("y", _utc(2, 10), "b1"),
                             ("z", _utc(16, 30), "a1")):
        session.add(Message(shop_id="s", buyer=buyer, ts=ts, direction="in", agent_id=agent, text="?"))
    session.add(Message(shop_id="s", buyer="x", ts=_utc(2, 1), direction="out", agent_id="a1", text="!"))
    session.add_all([
        Order(id="o1", shop_id="s", buyer="x", created_at=_utc(2, 5), paid_at=_utc(2, 6), amount_fen=12345,
              status="交易成功"),
        Order(id="o2", shop_id="s", buyer="y", created_at=_utc(3), paid_at=None, amount_fen=500,
              status="等待买家付款"),
        Order(id="o3", shop_id="s", buyer="w", created_at=_utc(1, d=10), paid_at=_utc(3, 30), amount_fen=1,
              status="交易成功"),
    ])
    session.flush()
    session.add(OrderCredit(order_id="o1", credited_agent="a1", computed_at=NOW))
    session.add_all([
        Conversation(shop_id="s", buyer="q1", status="queued", opened_at=_utc(7, 58)),
        Conversation(shop_id="s", buyer="q2", status="queued", opened_at=_utc(7, 59)),
        Conversation(shop_id="s", buyer="x", status="assigned", agent_id="a1", opened_at=_utc(2)),
    ])
    session.flush()


def test_overview_admin_counts(session: Session) -> None:
    _load(session)
    o = svc.overview(session, DAY, now=NOW, trend_days=3)
    assert (o.contacts, o.conversations, o.orders, o.paid_orders, o.paid_fen) == (2, 3, 2, 2, 12346)
    assert (o.agents_online, o.agents_total, o.queue, o.longest_wait_s) == (2, 3, 2, 120)
    assert o.by_status == {"online": 1, "away": 1, "break": 0, "offline": 1}
    assert o.hourly_contacts[0] == 1 and o.hourly_contacts[10] == 1 and sum(o.hourly_contacts) == 2
    assert o.hourly_orders[10] == 1 and o.hourly_orders[11] == 1
    assert o.trend_days == [date(2026, 11, 9), date(2026, 11, 10), DAY]
    assert o.trend_orders == [0, 1, 2]
    assert o.trend_contacts == [0, 0, 2]
    assert o.trend_paid_fen == [0, 0, 12346]
    assert yuan(o.paid_fen) == "123.46"


def test_overview_scopes(session: Session) -> None:
    _load(session)
    team = svc.overview(session, DAY, team="A", now=NOW, trend_days=1)
    assert (team.contacts, team.orders, team.paid_fen, team.agents_total, team.conversations) == (1, 1, 12345, 2, 1)
    mine = svc.overview(session, DAY, agent_id="b1", now=NOW, trend_days=1)
    assert (mine.contacts, mine.orders, mine.agents_total, mine.queue) == (1, 0, 1, 0)


def test_default_day_falls_back_to_latest_data(session: Session) -> None:
    _load(session)
    assert svc.default_day(session, now=datetime(2026, 11, 20, 4, tzinfo=UTC)) == date(2026, 11, 12)
    assert svc.default_day(session, now=NOW) == DAY


def test_conversation_messages_checks_buyer(session: Session) -> None:
    _load(session)
    conv = session.query(Conversation).filter_by(buyer="x").one()
    session.add(Message(conversation_id=conv.id, shop_id="s", buyer="x", ts=_utc(2, 1), direction="in", text="hi"))
    session.flush()
    got = reads.conversation_messages(session, conv.id, buyer="x")
    assert [m["text"] for m in got["messages"]] == ["hi"]
    with pytest.raises(KefuError) as info:
        reads.conversation_messages(session, conv.id, buyer="someone-else")
    assert info.value.code == ErrorCode.CONVERSATION_UNKNOWN


def test_yuan_formatting() -> None:
    assert [yuan(v) for v in (0, 5, 100, 123456789, -250)] == ["0.00", "0.05", "1.00", "1,234,567.89", "-2.50"]


def test_day_details_funnel_response_and_leaderboard(session: Session) -> None:
    _load(session)
    conv = session.query(Conversation).filter_by(buyer="x").one()
    b_conv = Conversation(shop_id="s", buyer="y", status="assigned", agent_id="b1", opened_at=_utc(2, 10))
    session.add(b_conv)
    session.flush()
    session.add_all([
        Message(conversation_id=conv.id, shop_id="s", buyer="x", ts=_utc(2), direction="in", text="在吗"),
        Message(conversation_id=conv.id, shop_id="s", buyer="x", ts=_utc(2, 2), direction="out", text="在",
                agent_id="a1"),  # 120 s → bucket 1–3 min
        Message(conversation_id=b_conv.id, shop_id="s", buyer="y", ts=_utc(2, 10), direction="in", text="?"),
        Message(conversation_id=b_conv.id, shop_id="s", buyer="y", ts=datetime(2026, 11, 11, 2, 10, 5, tzinfo=UTC), direction="out",
                text="自动回复", auto=True, agent_id="b1"),  # auto replies do not count as a response
    ])
    session.flush()
    d = svc.day_details(session, DAY)
    assert d.funnel == (2, 2, 1)  # x and y wrote; both ordered; only x paid
    assert d.response_buckets == [0, 0, 1, 0, 0]
    assert d.unanswered == 1
    assert [(r.agent, r.conversations, r.orders, r.paid_fen) for r in d.leaderboard] == [
        ("a1", 1, 1, 12345), ("b1", 1, 0, 0)]
    team_b = svc.day_details(session, DAY, team="B")
    assert team_b.funnel == (1, 1, 0)
    assert [r.agent for r in team_b.leaderboard] == ["b1"]


def test_buyer_orders_masks_personal_data_except_for_admin(session: Session) -> None:
    session.add(Order(id="p1", shop_id="s", buyer="x", created_at=_utc(1), amount_fen=100, status="交易成功",
                      phone="13812341234", address="浙江省杭州市西湖区文三路90号"))
    session.flush()
    agent_view = reads.buyer_orders(session, "s", "x", "agent")
    assert [(o.id, o.phone, o.address) for o in agent_view] == [
        ("p1", "138****1234", "浙江省杭州市西湖区****")]
    assert reads.buyer_orders(session, "s", "x", "supervisor")[0].phone == "138****1234"
    assert reads.buyer_orders(session, "s", "x", "admin")[0].phone == "13812341234"
    assert reads.buyer_orders(session, "other", "x", "admin") == []


def test_queued_in_groups(session: Session) -> None:
    _load(session)
    session.add(Conversation(shop_id="s", buyer="q3", group="售后", status="queued", opened_at=_utc(7)))
    session.flush()
    assert reads.queued_in_groups(session, ["售前"]) == 2
    assert reads.queued_in_groups(session, ["售前", "售后"]) == 3
    assert reads.queued_in_groups(session, []) == 0
