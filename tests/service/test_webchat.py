"""Hole 14: a web-chat visitor is who the server's signed token says, not the name they type.

A visitor typing a real buyer's nickname used to become that buyer (their order in the
agent's view, sticky to their agent). Now the buyer key is the token's ``web-…`` id, the
name is display only, and the public chat is rate-limited per token and per address.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.live import actions, actions_webchat
from kefu.service.live import actions_reads as reads
from kefu.store.models.commerce import Order
from kefu.store.models.live import Conversation, Message
from kefu.store.models.org import Agent, Shop

REAL = "tb_zhang"  # a real buyer of the shop, with an order and a usual agent


@pytest.fixture
def shop(session: Session) -> Session:
    session.add(Shop(id="s1", name="店", settings={}))
    session.flush()
    session.add_all([Agent(id="a1", name="A1", shop_id="s1", skills=["售前", "售后"], capacity=5),
                     Agent(id="a2", name="A2", shop_id="s1", skills=["售前", "售后"], capacity=5)])
    session.add(Order(id="o1", shop_id="s1", buyer=REAL, created_at=datetime(2026, 11, 1, tzinfo=UTC),
                      amount_fen=9900, status="卖家已发货", phone="13812341234", address="北京市朝阳区建国路1号"))
    session.flush()
    actions.set_agent_status(session, "a1", "online")
    actions.set_agent_status(session, "a2", "online")
    first = actions.open_conversation(session, "s1", REAL, text="我的快递到哪了")  # the real buyer, with a1 or a2
    actions.close_conversation(session, first["id"])
    session.flush()
    return session


def test_tokens_are_issued_by_the_server_and_checked() -> None:
    token = actions_webchat.issue_token()
    visitor = actions_webchat.visitor_of(token)
    assert visitor is not None and visitor.startswith("web-") and len(visitor) == 20
    assert actions_webchat.visitor_of(actions_webchat.issue_token()) != visitor  # a new id per first visit
    assert actions_webchat.token_or_new(token) == token
    forged = URLSafeSerializer("not-the-server-key", salt="kefu-webchat").dumps({"v": visitor[4:]})
    for bad in (None, "", token[:-2] + "xx", forged, REAL):
        assert actions_webchat.visitor_of(bad) is None
        assert actions_webchat.token_or_new(bad) != bad


def test_a_visitor_typing_a_real_buyers_name_is_not_that_buyer(shop: Session) -> None:
    session = shop
    token = actions_webchat.issue_token()
    sent = actions_webchat.send(session, token=token, address="203.0.113.9", shop="s1", name=REAL, text="我的订单呢?",
                        conversation_id=None, limits=actions_webchat.Limits.default())
    conv = session.get(Conversation, sent.conversation_id)
    assert conv is not None
    assert conv.buyer == actions_webchat.visitor_of(token) != REAL
    assert conv.buyer_name == REAL  # shown to the agent as a name, marked as a web visitor by the page
    assert reads.buyer_orders(session, "s1", conv.buyer, "agent") == []  # no order from a self-declared name
    assert conv.group == "售前"  # not routed as the real buyer's after-sales case
    assert session.scalar(select(Message.buyer).where(Message.conversation_id == conv.id)) == conv.buyer
    view = actions.agent_view(session, str(conv.agent_id))
    assert [(c.buyer, c.buyer_name) for c in view.conversations] == [(conv.buyer, REAL)]
    # the same visitor continues the same conversation; another visitor cannot read it
    again = actions_webchat.send(session, token=token, address="203.0.113.9", shop="s1", name="", text="在吗",
                         conversation_id=sent.conversation_id, limits=actions_webchat.Limits.default())
    assert again == actions_webchat.Sent(sent.conversation_id, False)
    mine = actions_webchat.thread(session, token=token, conversation_id=sent.conversation_id)
    assert mine is not None and [m["text"] for m in mine["messages"]] == ["我的订单呢?", "在吗"]
    assert actions_webchat.thread(session, token=actions_webchat.issue_token(), conversation_id=sent.conversation_id) is None
    assert actions_webchat.thread(session, token=None, conversation_id=sent.conversation_id) is None
    other = actions_webchat.send(session, token=actions_webchat.issue_token(), address="203.0.113.9", shop="s1", name="x",
                         text="hi", conversation_id=sent.conversation_id, limits=actions_webchat.Limits.default())
    assert other.opened and other.conversation_id != sent.conversation_id  # someone else's id opens a new one


def test_forged_token_and_bad_text_are_refused(shop: Session) -> None:
    for token, text, code in (("forged", "hi", ErrorCode.UNAUTHORIZED),
                              (actions_webchat.issue_token(), "  ", ErrorCode.BAD_ARGUMENT),
                              (actions_webchat.issue_token(), "x" * 2001, ErrorCode.BAD_ARGUMENT)):  # fmt: skip
        with pytest.raises(KefuError) as err:
            actions_webchat.send(shop, token=token, address="a", shop="s1", name="", text=text, conversation_id=None,
                         limits=actions_webchat.Limits.default())
        assert err.value.code == code
    assert shop.scalar(select(Conversation.id).where(Conversation.buyer.startswith("web-"))) is None


def test_rate_limits_per_token_and_per_address(shop: Session) -> None:
    limits = actions_webchat.Limits.default()
    token = actions_webchat.issue_token()
    first = actions_webchat.send(shop, token=token, address="198.51.100.1", shop="s1", name="", text="1",
                         conversation_id=None, limits=limits)
    for i in range(19):
        actions_webchat.send(shop, token=token, address="198.51.100.1", shop="s1", name="", text=str(i),
                     conversation_id=first.conversation_id, limits=limits)
    with pytest.raises(KefuError) as err:  # the 21st message within a minute from one visitor
        actions_webchat.send(shop, token=token, address="198.51.100.1", shop="s1", name="", text="more",
                     conversation_id=first.conversation_id, limits=limits)
    assert err.value.code == ErrorCode.RATE_LIMITED
    assert len(list(shop.scalars(select(Message.id).where(Message.conversation_id == first.conversation_id)))) == 20
    # one address, many fresh tokens: new conversations stop at the address's limit (30 per 10 minutes)
    opened = 0
    with pytest.raises(KefuError) as err:
        for _ in range(100):
            actions_webchat.send(shop, token=actions_webchat.issue_token(), address="198.51.100.2", shop="s1", name="", text="hi",
                         conversation_id=None, limits=limits)
            opened += 1
    assert (err.value.code, opened) == (ErrorCode.RATE_LIMITED, 30)


def test_sliding_window_forgets_old_events() -> None:
    window = actions_webchat.SlidingWindow(2, 60.0)
    assert [window.allow("k", now=t) for t in (0.0, 1.0, 2.0, 59.9, 60.0, 61.0, 61.5)] == [
        True, True, False, False, True, True, False]
    assert window.allow("other", now=61.5)
