"""Issue 20 item 5: the FAQ bot in the buyer's chat.

Given a shop whose bot mode (set where the bot page saves it) gives chats to the bot, a
buyer's message on /chat gets the bot's answer in the chat, or the bot's hand-over line and
the chat routed to an agent or the queue; the agent then sees what the bot said, marked as
the bot's, and no figure counts the bot as an agent. What the bot answers is whatever its
public action answers (another area tunes the matcher): the tests compare with that action,
they do not pin its wording.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import SHOP_TZ, utc_now
from kefu.service.care import actions as care
from kefu.service.care import actions_bot
from kefu.service.credit import store as credit_store
from kefu.service.credit.actions_overview import day_details
from kefu.service.live import actions, actions_bot_chat, actions_webchat
from kefu.service.live import actions_reads as reads
from kefu.store.models.live import Conversation, Event, Message
from kefu.store.models.org import Agent, Shop

# Buyer questions any shop's FAQ bot is asked daily; the test uses the first its public action answers.
EVERYDAY = ("能便宜点吗", "什么时候发货", "可以开发票吗", "发什么快递", "支持七天无理由退货吗")
ASKS_FOR_A_PERSON = "转人工, 我要找真人客服"


@pytest.fixture
def shop(session: Session) -> Session:
    session.add(Shop(id="s1", name="店", settings={}))
    session.flush()
    session.add(Agent(id="a1", name="小美", shop_id="s1", skills=["售前", "售后"], capacity=5))
    session.flush()
    care.set_care_settings(session, "s1", bot_mode="bot_first")  # what the bot page's 保存设置 does
    session.flush()
    return session


def _send(session: Session, token: str, text: str, cid: int | None = None) -> int:
    return actions_webchat.send(session, token=token, address="203.0.113.9", shop="s1", name="小王", text=text,
                                conversation_id=cid, limits=actions_webchat.Limits.default()).conversation_id


def _answered(session: Session) -> tuple[str, str]:
    """A question the bot answers in bot_first mode, and its answer (as its public action gives it)."""
    for q in EVERYDAY:
        reply = actions_bot.bot_answer(session, q, "bot_first", shop_id="s1")
        if reply["action"] == "answer":
            return q, str(reply["answer"])
    raise AssertionError(f"the FAQ bot answers none of {EVERYDAY}")


def _thread(session: Session, cid: int) -> list[tuple[str, bool, str | None, str]]:
    rows = session.scalars(select(Message).where(Message.conversation_id == cid).order_by(Message.ts, Message.id))
    return [(m.direction, m.bot, m.agent_id, m.text) for m in rows]


def _kinds(session: Session, cid: int) -> list[str]:
    return list(session.scalars(select(Event.kind).where(Event.subject == f"conversation:{cid}").order_by(Event.id)))


def test_with_nobody_online_the_bot_answers_then_hands_over_to_the_queue(shop: Session) -> None:
    session = shop
    question, answer = _answered(session)
    token = actions_webchat.issue_token()
    cid = _send(session, token, question)
    assert session.get(Conversation, cid).status == "bot"
    assert _thread(session, cid) == [("in", False, None, question), ("out", True, None, answer)]

    _send(session, token, ASKS_FOR_A_PERSON, cid)
    session.expire_all()
    assert session.get(Conversation, cid).status == "queued"  # nobody online: it waits, and the buyer is told
    assert _thread(session, cid)[2:] == [("in", False, None, ASKS_FOR_A_PERSON),
                                         ("out", True, None, actions_bot_chat.HANDOVER_TO_QUEUE)]
    assert _kinds(session, cid) == ["conversation.bot", "conversation.bot_answered", "conversation.queued",
                                    "conversation.bot_handover"]
    handover = session.scalars(select(Event).where(Event.kind == "conversation.bot_handover")).one()
    assert (handover.actor, handover.data["reason"], handover.data["to"]) == ("bot", "asked_for_human", None)

    # waiting in the queue, the buyer still gets what the bot is sure of; nothing for the rest
    _send(session, token, question, cid)
    _send(session, token, "嗯嗯", cid)
    assert [(d, bot, text) for d, bot, _, text in _thread(session, cid)[4:]] == [
        ("in", False, question), ("out", True, answer), ("in", False, "嗯嗯")]

    # an agent comes online, takes the chat and sees what the bot said, marked as the bot's
    actions.set_agent_status(session, "a1", "online")
    view = actions.agent_view(session, "a1")
    assert [c.id for c in view.conversations] == [cid]
    assert [(m.direction, m.bot, m.agent) for m in view.conversations[0].messages] == [
        ("in", False, None), ("out", True, None), ("in", False, None), ("out", True, None),
        ("in", False, None), ("out", True, None), ("in", False, None)]
    _send(session, token, question, cid)  # now a person answers: the bot stays quiet
    assert _thread(session, cid)[-1] == ("in", False, "a1", question)


def test_with_an_agent_online_the_hand_over_goes_to_the_agent(shop: Session) -> None:
    session = shop
    actions.set_agent_status(session, "a1", "online")
    token = actions_webchat.issue_token()
    cid = _send(session, token, ASKS_FOR_A_PERSON)  # the first message already asks for a person
    session.expire_all()
    conv = session.get(Conversation, cid)
    assert (conv.status, conv.agent_id) == ("assigned", "a1")
    assert _thread(session, cid) == [("in", False, None, ASKS_FOR_A_PERSON),
                                     ("out", True, None, actions_bot_chat.HANDOVER_TO_AGENT)]
    assert actions.get_agent(session, "a1")["load"] == 1
    assert _kinds(session, cid) == ["conversation.bot", "conversation.assigned", "conversation.bot_handover"]


def test_the_shops_mode_decides_who_takes_the_chat(shop: Session) -> None:
    session = shop
    question, _ = _answered(session)
    actions.set_agent_status(session, "a1", "online")
    care.set_care_settings(session, "s1", bot_mode="human_first")
    cid = _send(session, actions_webchat.issue_token(), question)
    assert (session.get(Conversation, cid).status, [bot for _, bot, _, _ in _thread(session, cid)]) == (
        "assigned", [False])  # a person first: the bot says nothing
    assert _thread(session, cid)[0][2] == "a1"  # the buyer's first line is the serving agent's chat, not nobody's
    assert actions_bot_chat.bot_mode(session, "s1") == "human_first"

    care.set_care_settings(session, "s1", bot_mode="mixed", bot_share_percent=0)  # mixed, a share of 0: never
    assert session.get(Conversation, _send(session, actions_webchat.issue_token(), question)).status == "assigned"
    care.set_care_settings(session, "s1", bot_share_percent=100)  # …of 100: always
    assert session.get(Conversation, _send(session, actions_webchat.issue_token(), question)).status == "bot"
    assert actions_bot_chat.bot_mode(session, "s1") == "mixed"


def test_a_bad_share_is_refused_and_nothing_is_stored(shop: Session) -> None:
    session = shop
    with pytest.raises(KefuError) as err:
        care.set_care_settings(session, "s1", bot_mode="mixed", bot_share_percent=101)
    assert err.value.code is ErrorCode.BAD_ARGUMENT
    assert care.care_settings(session, "s1") == {"bot_mode": "bot_first"}


def test_the_bot_is_nobodys_reception_reply_or_leaderboard_row(shop: Session) -> None:
    session = shop
    question, _ = _answered(session)
    now = utc_now()
    token = actions_webchat.issue_token()
    cid = _send(session, token, question)
    _send(session, token, ASKS_FOR_A_PERSON, cid)
    actions.set_agent_status(session, "a1", "online")
    actions.post_message(session, cid, "out", "您好, 我是小美", agent_id="a1")
    session.flush()
    day = now.astimezone(SHOP_TZ).date()
    details = day_details(session, day)
    assert [(r.agent, r.conversations) for r in details.leaderboard] == [("a1", 1)]  # no blank row for the bot
    assert sum(details.response_buckets) == 1  # the agent's reply answered the buyer, not the bot's line
    rules = credit_store.shop_rules(session, "s1")
    m, _ = credit_store.load_frames(session, now - timedelta(days=1), now + timedelta(days=1), rules, "s1")
    bot_lines = m[(m["direction"] == "out") & (m["agent"] == "")]
    assert len(bot_lines) == 2 and set(bot_lines["auto"]) == {1}  # answers and hand-over: like auto-replies
    assert reads.conversation_messages(session, cid, buyer=actions_webchat.visitor_of(token))["messages"][1]["bot"] is True


def test_mixed_hands_over_what_it_is_unsure_of_with_its_suggestion(shop: Session) -> None:
    """Mixed mode's rule: the bot answers only above the mixed threshold; below, a person answers and the
    answer the bot would have given is kept with the hand-over (here: a threshold no answer reaches)."""
    session = shop
    question, answer = _answered(session)
    actions.set_agent_status(session, "a1", "online")
    care.set_care_settings(session, "s1", bot_mode="mixed", bot_share_percent=100, bot_mixed_threshold=1.0)
    cid = _send(session, actions_webchat.issue_token(), question)
    session.expire_all()
    assert (session.get(Conversation, cid).status, session.get(Conversation, cid).agent_id) == ("assigned", "a1")
    assert _thread(session, cid) == [("in", False, None, question),
                                     ("out", True, None, actions_bot_chat.HANDOVER_TO_AGENT)]
    handover = session.scalars(select(Event).where(Event.kind == "conversation.bot_handover")).one()
    assert (handover.data["reason"], handover.data["to"], handover.data["suggested"]) == ("mixed_unsure", "a1", answer)
