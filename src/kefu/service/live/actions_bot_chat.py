"""The FAQ bot in the buyer's chat: it answers there, or says it hands over and routes the chat to people.

Which chats the bot takes is the shop's bot mode (``bot_first``: every new chat; ``mixed``: a
stable share of them; ``human_first``: none), routed by :func:`kefu.live.router.route`; such a
chat stays ``bot`` while the bot can answer. Each buyer message there goes to the bot's one
public action (:func:`kefu.service.care.actions_bot.bot_answer`, in the shop's mode):

- an answer is stored as the bot's message (``bot`` set, no agent: it is nobody's reception,
  reply or sale) with a ``conversation.bot_answered`` event;
- a hand-over (low confidence, ambiguous, the buyer asks for a person; in mixed mode also an
  answer it is unsure of) routes the chat like a new one (:func:`actions.bot_handover`: an agent
  or the queue) and the bot says so in the chat, the line telling a queued buyer that they wait,
  with a ``conversation.bot_handover`` event.

While a handed-over chat waits in the queue, the bot still answers what it is sure of, so a
buyer with nobody online is never left silent; it stays quiet on the rest (its hand-over line
already told them). Once an agent has the chat the bot is silent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from kefu.domain.timeutil import utc_now
from kefu.live.model import DEFAULT_MIXED_SHARE, BotMode
from kefu.service.care import actions_bot
from kefu.service.live import actions, events, store
from kefu.store.models.live import Message

__all__ = ["DEFAULT_MIXED_SHARE", "HANDOVER_TO_AGENT", "HANDOVER_TO_QUEUE", "BotTurn", "bot_mode", "bot_turn"]
BOT_TURN_STATUSES = ("bot", "queued")  # the chats a buyer message may get the bot's turn in (no agent has them)
HANDOVER_TO_AGENT = "正在为您转接人工客服…"
HANDOVER_TO_QUEUE = "正在为您转接人工客服… 客服暂时不在或正忙, 您已在排队, 客服接入后会第一时间回复您。"


@dataclass(frozen=True)
class BotTurn:
    """What the bot did with one buyer message: ``answered`` or ``handed_over``, and what it said."""

    action: str
    text: str
    status: str  # the conversation's status afterwards (bot | assigned | queued)


def bot_mode(session: Session, shop: str) -> str:
    """The mode the shop's chats run in (the bot page shows it; unset means ``human_first``)."""
    return store.policy(session, shop).bot_mode.value


def bot_turn(session: Session, conversation_id: int, text: str, now: datetime | None = None) -> BotTurn | None:
    """The bot's turn after a buyer message (already stored); None when the bot has nothing to do here."""
    now = now or utc_now()
    conv = store.lock_conversation(session, conversation_id)
    if conv is None or conv.status not in BOT_TURN_STATUSES:
        return None
    if conv.status == "queued":
        return _while_queued(session, conv, text, now)
    mode = store.policy(session, conv.shop_id).bot_mode
    if mode is BotMode.HUMAN_FIRST:  # the shop switched to people while the bot had this chat
        reply: dict[str, Any] = {"action": "handover", "reason": "human_first", "answer": None}
    else:
        reply = actions_bot.bot_answer(session, text, mode.value, shop_id=conv.shop_id)
    if reply["action"] == "answer":
        _answer(session, conv, reply, now)
        return BotTurn("answered", str(reply["answer"]), "bot")
    routed = actions.bot_handover(session, conversation_id, now)
    line = HANDOVER_TO_AGENT if routed.agent else HANDOVER_TO_QUEUE
    _say(session, conv, line, now)
    events.bot_handed_over(session, ts=now, conversation_id=conversation_id, shop=conv.shop_id, reason=str(reply["reason"]),
                           agent_id=routed.agent, suggested=str(reply["answer"] or ""))
    return BotTurn("handed_over", line, routed.status)


def _while_queued(session: Session, conv: Any, text: str, now: datetime) -> BotTurn | None:
    """A handed-over chat waiting for a person: the bot answers only what it is sure of."""
    had_bot = session.scalar(select(exists().where(Message.conversation_id == conv.id, Message.bot.is_(True))))
    if not had_bot:  # a chat the bot never had (human_first, or outside mixed mode's share)
        return None
    reply = actions_bot.bot_answer(session, text, BotMode.BOT_FIRST.value, shop_id=conv.shop_id)
    if reply["action"] != "answer":
        return None
    _answer(session, conv, reply, now)
    return BotTurn("answered", str(reply["answer"]), "queued")


def _answer(session: Session, conv: Any, reply: dict[str, Any], now: datetime) -> None:
    mid = _say(session, conv, str(reply["answer"]), now)
    events.bot_answered(session, ts=now, conversation_id=conv.id, shop=conv.shop_id,
                        message_id=mid, intent=str(reply["intent"] or ""), confidence=float(reply["confidence"]),
                        reason=str(reply["reason"]))


def _say(session: Session, conv: Any, text: str, now: datetime) -> int:
    """One bot message in the chat: ``bot`` set and no agent, so no leaderboard, credit or response time counts it."""
    return int(session.execute(insert(Message).values(
        conversation_id=conv.id, shop_id=conv.shop_id, buyer=conv.buyer,
        agent_id=None, ts=now, direction="out", bot=True, text=text).returning(Message.id)).scalar_one())
