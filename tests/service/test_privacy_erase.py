"""Hole 13: ``kefu privacy erase --buyer`` and the retention sweep anonymise a buyer everywhere.

Checked from the database after the command: texts erased, phone/address emptied, the
nickname gone from every table (messages, conversations, orders, tickets, surveys,
logbooks, handovers, tasks, outbox, event data), one event row per shop without the
nickname, the month's credit unchanged (the pseudonym joins messages to orders), and
other buyers untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kefu.cli import app
from kefu.config import get_settings
from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.credit.actions import run_month
from kefu.service.org import actions_privacy as privacy
from kefu.store.db import make_engine, session_factory
from kefu.store.migrate import upgrade
from kefu.store.models.care import LogbookEntry, Survey, Ticket
from kefu.store.models.commerce import Order, OrderCredit
from kefu.store.models.duty import OutboxMessage, Task
from kefu.store.models.live import Conversation, Event, Handover, Message
from kefu.store.models.org import Agent, Shop

T0 = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 10:00 shop time
NICK, OTHER = "张三的店铺小号", "李四"
PHONE, ADDRESS = "13812341234", "浙江省杭州市西湖区文三路90号"


def seed(s: Session, buyer: str = NICK, shop: str = "s1", at: datetime = T0, n: int = 1) -> str:
    """One conversation with a personal message, an order, a ticket, a survey, a task, an SMS, notes;
    returns the order id."""
    oid = f"o-{shop}-{'b' if buyer == OTHER else 'a'}{n}"
    if s.get(Shop, shop) is None:
        s.add(Shop(id=shop, name=shop, settings={}))
        s.flush()
    if s.get(Agent, "a1") is None:
        s.add(Agent(id="a1", name="A1", shop_id=shop))
        s.flush()
    conv = Conversation(shop_id=shop, buyer=buyer, status="closed", agent_id="a1", opened_at=at, closed_at=at)
    s.add(conv)
    s.flush()
    s.add_all([
        Message(conversation_id=conv.id, shop_id=shop, buyer=buyer, agent_id="a1", ts=at, direction="in",
                text=f"手机{PHONE}, 送到{ADDRESS}"),
        Message(conversation_id=conv.id, shop_id=shop, buyer=buyer, agent_id="a1", ts=at + timedelta(minutes=1),
                direction="out", text="好的"),
        Order(id=oid, shop_id=shop, buyer=buyer, created_at=at + timedelta(minutes=30),
              paid_at=at + timedelta(minutes=40), amount_fen=12850, status="交易成功", phone=PHONE, address=ADDRESS,
              memo=f"客服a1 跟进, 买家电话{PHONE}"),
        Event(ts=at, kind="conversation.assigned", shop_id=shop, subject=f"conversation:{conv.id}",
              data={"buyer": buyer, "group": "售前"}),
    ])  # fmt: skip
    ticket = Ticket(shop_id=shop, buyer=buyer, category="物流", summary=f"{buyer} 说 {PHONE}", created_at=at,
                    status="closed", notes=[{"at": at.isoformat(), "by": "a1", "kind": "respond", "text": PHONE}])
    s.add(ticket)
    s.flush()
    s.add_all([
        Survey(shop_id=shop, conversation_id=conv.id, agent_id="a1", sent_at=at, score=5, comment=f"好评 {PHONE}"),
        Task(shop_id=shop, task_type="address_check", order_id=oid, created_at=at,
             note=f"地址 {ADDRESS}"),
        OutboxMessage(channel="sms", dedupe_key=f"pay_sms:{oid}", next_attempt_at=at, created_at=at,
                      payload={"phone": PHONE, "text": f"亲 {PHONE}", "order_id": oid,
                               "shop_id": shop}),
        LogbookEntry(shop_id=shop, book="issues", day=at.date(), author="a1", kind="problem",
                     text=f"{buyer} 投诉, 电话 {PHONE}", created_at=at),
        Handover(shop_id=shop, at=at, from_agent="a1", to_agent="a2", items=[], note=f"{buyer} 待回电 {PHONE}"),
    ])  # fmt: skip
    s.flush()
    return oid


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'kefu.db'}"
    monkeypatch.setenv("KEFU_DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    get_settings.cache_clear()


def everything(s: Session) -> str:
    """Every stored text of every table the buyer's data lives in, as one string to search."""
    rows: list[object] = []
    for model in (Message, Conversation, Order, Ticket, Survey, Task, OutboxMessage, LogbookEntry, Handover, Event):
        for row in s.scalars(select(model)):
            rows.append({c.key: getattr(row, c.key) for c in model.__mapper__.column_attrs})
    return repr(rows)


def test_erase_from_the_command_line_anonymises_the_buyer_everywhere(db: Engine) -> None:
    with session_factory(db)() as s, s.begin():
        seed(s)
        seed(s, OTHER)
        seed(s, NICK, shop="s2")
    with session_factory(db)() as s, s.begin():
        credit_before = {c.order_id: c.credited_agent for c in _credit(s)}
    result = CliRunner().invoke(app, ["privacy", "erase", "--buyer", NICK, "--shop", "s1"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("erased shops=s1:匿名-")
    assert result.output.strip().endswith(
        "messages=2 conversations=1 orders=1 tickets=1 surveys=1 events=1 logbook=1 handovers=1 tasks=1 outbox=1")
    with session_factory(db)() as s, s.begin():
        s1 = [m for m in s.scalars(select(Message).where(Message.shop_id == "s1", Message.buyer != OTHER))]
        pseudonym = s1[0].buyer
        assert pseudonym.startswith("匿名-") and {m.buyer for m in s1} == {pseudonym}
        assert {m.text for m in s1} == {privacy.ERASED}
        order = s.get(Order, "o-s1-a1")
        assert order is not None
        assert (order.buyer, order.phone, order.address, order.memo) == (pseudonym, "", "", "客服a1 跟进, 买家电话138****1234")
        assert NICK in everything(s)  # shop s2 keeps its data (--shop s1)
        (erased,) = s.scalars(select(Event).where(Event.kind == "privacy.erased")).all()
        assert (erased.shop_id, erased.subject, erased.actor) == ("s1", f"buyer:{pseudonym}", "cli")
        assert NICK not in repr(erased.data)
        credit_after = {c.order_id: c.credited_agent for c in _credit(s)}
    assert credit_after == credit_before  # the pseudonym still joins the messages to the order

    result = CliRunner().invoke(app, ["privacy", "erase", "--buyer", NICK])  # the rest: shop s2
    assert result.exit_code == 0, result.output
    with session_factory(db)() as s, s.begin():
        erased = everything(s)
        seed(s, OTHER, n=9)  # one more of 李四's: the phone count it adds is what one buyer's rows hold
        per_buyer = everything(s).count(PHONE) - erased.count(PHONE)
    assert NICK not in erased
    assert per_buyer == 10 and erased.count(PHONE) == per_buyer  # only 李四's first rows keep the number


def _credit(s: Session) -> list[OrderCredit]:
    run_month(s, "2026-11")
    return list(s.scalars(select(OrderCredit).order_by(OrderCredit.order_id)))


def test_erase_refuses_unknown_and_empty_buyers(db: Engine) -> None:
    with session_factory(db)() as s, s.begin():
        seed(s)
    with session_factory(db)() as s, s.begin(), pytest.raises(KefuError) as err:
        privacy.erase_buyer(s, "nobody")
    assert err.value.code == ErrorCode.NOT_FOUND
    result = CliRunner().invoke(app, ["privacy", "erase", "--buyer", NICK, "--shop", "elsewhere"])
    assert isinstance(result.exception, KefuError) and result.exception.code == ErrorCode.NOT_FOUND
    with session_factory(db)() as s, s.begin(), pytest.raises(KefuError) as err:
        privacy.erase_buyer(s, "  ")
    assert err.value.code == ErrorCode.BAD_ARGUMENT


def test_retention_sweep_anonymises_only_what_is_older(db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime(2026, 12, 20, 4, 0, tzinfo=UTC)  # noon shop time
    with session_factory(db)() as s, s.begin():
        seed(s, NICK, at=now - timedelta(days=40), n=1)  # older than 30 days: anonymised
        seed(s, NICK, at=now - timedelta(days=3), n=2)  # recent: kept
    result = CliRunner().invoke(app, ["privacy", "retention", "--shop", "s1", "--days", "30"])
    assert (result.exit_code, result.output.strip()) == (0, "global=keep s1=30")
    with session_factory(db)() as s, s.begin():
        assert privacy.sweep_if_due(s, now) is not None
        assert privacy.sweep_if_due(s, now + timedelta(hours=3)) is None  # once per shop day
        assert privacy.sweep_if_due(s, now + timedelta(days=1)) is not None  # the next day again
    with session_factory(db)() as s:
        old, new = s.get(Order, "o-s1-a1"), s.get(Order, "o-s1-a2")
        assert old is not None and new is not None
        assert (old.buyer.startswith("匿名-"), old.phone, old.address) == (True, "", "")
        assert (new.buyer, new.phone, new.address) == (NICK, PHONE, ADDRESS)
        texts = {m.text for m in s.scalars(select(Message).where(Message.buyer == NICK))}
        assert texts == {f"手机{PHONE}, 送到{ADDRESS}", "好的"}
        logbook = [e.text for e in s.scalars(select(LogbookEntry).order_by(LogbookEntry.day))]
        assert logbook[1] == f"{NICK} 投诉, 电话 {PHONE}"
        assert logbook[0].startswith("匿名-") and logbook[0].endswith(" 投诉, 电话 138****1234")
        swept = [e.data for e in s.scalars(select(Event).where(Event.kind == "privacy.retention_swept")
                                           .order_by(Event.id))]
    assert swept[0]["before"] == "2026-11-20T00:00:00+08:00" and swept[0]["buyers"] == 1
    assert swept[0]["orders"] == 1 and swept[0]["messages"] == 2 and swept[1]["orders"] == 0
    result = CliRunner().invoke(app, ["privacy", "retention", "--shop", "s1", "--days", "0"])
    assert isinstance(result.exception, KefuError) and result.exception.code == ErrorCode.BAD_ARGUMENT
    assert date(2026, 11, 20) == datetime.fromisoformat(swept[0]["before"]).date()


def test_global_retention_from_settings(db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_RETENTION_DAYS", "30")
    get_settings.cache_clear()
    with session_factory(db)() as s, s.begin():
        seed(s, NICK, at=datetime(2026, 1, 1, tzinfo=UTC))
    result = CliRunner().invoke(app, ["privacy", "sweep"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("before=*<") and " buyers=1 " in result.output
    with session_factory(db)() as s:
        assert NICK not in everything(s)
