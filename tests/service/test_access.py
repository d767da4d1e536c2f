"""Service-level scope (kefu.service.access): what an agent may see and touch, whoever calls.

The API, the dashboard and the CLI share these checks, so they are tested here
without HTTP; tests/api/test_scope.py shows each one holds over HTTP too.
Shops s1 and s2; agents a1 and a2 serve s1, b1 serves s2, n1 has no shop (serves all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import SHOP_TZ
from kefu.service import access
from kefu.service.care import actions_books as books
from kefu.service.care import actions_surveys as surveys
from kefu.service.care import actions_tickets as tickets
from kefu.service.live import actions
from kefu.store.models.care import Survey
from kefu.store.models.live import Conversation, Handover
from kefu.store.models.org import Agent, Shop

T0 = datetime(2026, 11, 18, 10, tzinfo=SHOP_TZ)


@dataclass(frozen=True)
class Who:
    role: str
    agent_id: str | None = None


A1, A2, B1, N1 = Who("agent", "a1"), Who("agent", "a2"), Who("agent", "b1"), Who("agent", "n1")
UNLINKED, SUP = Who("agent", None), Who("supervisor")


@pytest.fixture
def db(session: Session) -> Session:
    session.add_all([Shop(id="s1", name="一店"), Shop(id="s2", name="二店")])
    session.flush()
    session.add_all([Agent(id="a1", name="a1", shop_id="s1", skills=["售前"], capacity=3),
                     Agent(id="a2", name="a2", shop_id="s1", skills=["售前"], capacity=3),
                     Agent(id="b1", name="b1", shop_id="s2", skills=["售前"], capacity=3),
                     Agent(id="n1", name="n1", shop_id=None, skills=["售前"], capacity=3)])
    session.flush()
    return session


def _denied(call: object, *args: object, **kwargs: object) -> None:
    with pytest.raises(KefuError) as exc:
        call(*args, **kwargs)  # type: ignore[operator]
    assert (exc.value.code, exc.value.http_status) == (ErrorCode.FORBIDDEN, 403)


def test_the_one_role_check() -> None:
    access.check_role("supervisor", access.STAFF_MANAGERS)
    with pytest.raises(KefuError) as refused:
        access.check_role("agent", access.STAFF_MANAGERS)
    assert (refused.value.code, refused.value.details) == (ErrorCode.FORBIDDEN, {"role": "agent"})
    assert access.ALL_ROLES == ("admin", "supervisor", "agent", "integration")
    assert access.MANAGER_ROLES == ("admin", "supervisor", "integration")
    with pytest.raises(ValueError, match="unknown role 'supervisr'"):
        access.check_roles_known(("admin", "supervisr"))


def test_own_agent_and_lists() -> None:
    assert access.own_agent(A1, None) == "a1"
    assert access.own_agent(A1, "a1") == "a1"
    _denied(access.own_agent, A1, "a2")
    _denied(access.own_agent, UNLINKED, None)
    assert access.own_agent(SUP, "a2") == "a2" and access.own_agent(SUP, None) is None
    assert access.own_agent(None, "a2") == "a2"  # the system itself
    assert [a for a in ("a1", "a2") if access.sees_agent(A1, a)] == ["a1"]
    assert not access.sees_agent(UNLINKED, None)
    assert access.sees_agent(SUP, "a2")


def test_shops_served(db: Session) -> None:
    assert access.serves(db, A1, "s1") and not access.serves(db, A1, "s2")
    assert access.serves(db, N1, "s2") and access.serves(db, SUP, "s2")
    access.require_shop(db, B1, "s2")
    _denied(access.require_shop, db, B1, "s1")
    _denied(access.require_shop, db, UNLINKED, "s1")


def test_own_conversation(db: Session) -> None:
    mine = Conversation(shop_id="s1", buyer="x", agent_id="a1", status="assigned", opened_at=T0)
    queued = Conversation(shop_id="s1", buyer="y", agent_id=None, status="queued", opened_at=T0)
    db.add_all([mine, queued])
    db.flush()
    access.own_conversation(db, A1, mine.id)
    access.own_conversation(db, SUP, queued.id)
    access.own_conversation(db, A1, 999_999)  # unknown: the use-case answers 404
    _denied(access.own_conversation, db, A2, mine.id)
    _denied(access.own_conversation, db, A1, queued.id)


def test_tickets_are_scoped_to_owner_and_shop(db: Session) -> None:
    own = tickets.create_ticket(db, shop_id="s1", buyer="b1", category="质量", viewer=A1)
    assert own["owner"] == "a1"  # an agent's ticket is its own
    other = tickets.create_ticket(db, shop_id="s1", buyer="b2", category="质量", owner="a2", viewer=SUP)
    elsewhere = tickets.create_ticket(db, shop_id="s2", buyer="b3", category="质量", owner="a1", viewer=SUP)
    _denied(tickets.create_ticket, db, shop_id="s2", buyer="b", category="质量", viewer=A1)  # not its shop
    _denied(tickets.create_ticket, db, shop_id="s1", buyer="b", category="质量", owner="a2", viewer=A1)
    with pytest.raises(KefuError) as exc:
        tickets.create_ticket(db, shop_id="nowhere", buyer="b", category="质量", viewer=SUP)
    assert (exc.value.code, exc.value.http_status) == (ErrorCode.NOT_FOUND, 404)
    assert [t["id"] for t in tickets.list_tickets(db, viewer=A1)] == [own["id"]]
    assert sorted(t["id"] for t in tickets.list_tickets(db, viewer=SUP)) == [own["id"], other["id"], elsewhere["id"]]
    _denied(tickets.list_tickets, db, viewer=UNLINKED)
    for ticket in (other, elsewhere):  # another agent's, and its own in a shop it does not serve
        _denied(tickets.get_ticket, db, ticket["id"], viewer=A1)
        _denied(tickets.respond_ticket, db, ticket["id"], text="x", by="a1", viewer=A1)
        _denied(tickets.escalate_ticket, db, ticket["id"], department="tech", note="x", by="a1", viewer=A1)
        _denied(tickets.resolve_ticket, db, ticket["id"], root_cause="x", by="a1", viewer=A1)
        _denied(tickets.close_ticket, db, ticket["id"], by="a1", viewer=A1)
    assert tickets.respond_ticket(db, own["id"], text="在的", by="a1", viewer=A1)["first_response_at"] is not None
    assert tickets.resolve_ticket(db, own["id"], root_cause="x", by="a1", viewer=A1)["status"] == "resolved"
    _denied(tickets.schedule_callback, db, other["id"], at=datetime(2030, 1, 1, tzinfo=SHOP_TZ), by="a1", viewer=A1)
    _denied(tickets.record_callback, db, other["id"], outcome="satisfied", by="a1", viewer=A1)
    assert tickets.get_ticket(db, other["id"], viewer=SUP)["owner"] == "a2"


def test_logbooks_and_handovers_are_the_agents_own(db: Session) -> None:
    day = date(2026, 11, 18)
    for who, author in ((A1, "a1"), (A2, "a2")):
        books.add_logbook_entry(db, shop_id="s1", book="handover", author=author, text=f"{author} 交接", day=day,
                               viewer=who)
    _denied(books.add_logbook_entry, db, shop_id="s2", book="issues", author="a1", text="x", viewer=A1)
    db.add_all([Handover(shop_id="s1", at=T0, from_agent="a1", to_agent="a2", items=[], note="给 a2"),
                Handover(shop_id="s1", at=T0, from_agent="a2", to_agent="n1", items=[], note="给 n1")])
    db.flush()
    mine = books.handover_log(db, shop_id="s1", day=day, agent_id=access.own_agent(A1, None))
    assert [n["author"] for n in mine["notes"]] == ["a1"]
    assert [h["note"] for h in mine["handovers"]] == ["给 a2"]
    theirs = books.handover_log(db, shop_id="s1", day=day, agent_id=access.own_agent(A2, None))
    assert [h["note"] for h in theirs["handovers"]] == ["给 a2", "给 n1"]  # received and given
    everything = books.handover_log(db, shop_id="s1", day=day, agent_id=access.own_agent(SUP, None))
    assert len(everything["notes"]) == 2 and len(everything["handovers"]) == 2


def _surveys(db: Session) -> list[tuple[int | None, str | None, str]]:
    return [tuple(r) for r in db.execute(select(Survey.conversation_id, Survey.agent_id, Survey.created_by)
                                         .order_by(Survey.id))]  # type: ignore[misc]


def test_closing_a_served_chat_invites_one_survey(db: Session) -> None:
    actions.set_agent_status(db, "a1", "online", T0)
    served = actions.open_conversation(db, "s1", "buyer-1", "售前", T0)
    assert (served["agent"], served["status"]) == ("a1", "assigned")
    actions.close_conversation(db, served["id"], T0)
    with pytest.raises(KefuError):
        actions.close_conversation(db, served["id"], T0)  # closed once: still one survey
    assert _surveys(db) == [(served["id"], "a1", "system")]
    actions.set_agent_status(db, "a1", "offline", T0)
    waiting = actions.open_conversation(db, "s1", "buyer-2", "售前", T0)
    assert waiting["status"] == "queued"
    actions.close_conversation(db, waiting["id"], T0)  # nobody served it: nobody to rate
    assert db.scalar(select(func.count()).select_from(Survey)) == 1
    with pytest.raises(KefuError) as exc:
        surveys.send_survey(db, conversation_id=served["id"])
    assert exc.value.code is ErrorCode.SURVEY_EXISTS
