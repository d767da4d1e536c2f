"""Satisfaction surveys: created by the system when a chat closes, answered only by the buyer.

Why so strict: answered surveys feed pay (``kefu.service.credit.actions_pay``), so an agent
who could create or answer surveys could pay itself (issue 15, hole 3). Hence:

* the system creates one survey when a conversation an agent served closes
  (:func:`invite_on_close`, called by ``live.close_conversation``; on PostgreSQL
  the close statement itself inserts it), and a supervisor may create one for a
  conversation or ticket that has none (:func:`send_survey`). The agent credited
  is the conversation's agent or the ticket's owner — never a caller's choice;
* one survey per conversation and per ticket (unique columns): a second create
  is 409 ``SURVEY_EXISTS``;
* the buyer answers through a link carrying a signed token
  (:func:`survey_token`, HMAC of the survey id with the server's secret key,
  its own salt). The answer needs the token, not a login; a wrong token is
  403 ``SURVEY_TOKEN_INVALID`` and an answered survey refuses a second answer
  (409), so each link works once. No route answers by survey id.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.care import surveys as surv
from kefu.config import get_settings
from kefu.domain.errors import ErrorCode, KefuError, bad_argument, not_found
from kefu.domain.timeutil import local_midnight, utc_now
from kefu.service.care import store
from kefu.store.models.care import Survey, Ticket
from kefu.store.models.live import Conversation
from kefu.store.models.org import Shop

LINK_PATH = "/survey"
_SALT = "kefu.survey.v1"


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().secret_key, salt=_SALT)


def survey_token(survey_id: int) -> str:
    """The buyer's token for one survey (deterministic: the same link can be sent again)."""
    return str(_signer().dumps(survey_id))


def _survey_id(token: str) -> int:
    try:
        value = _signer().loads(token)
    except BadSignature as exc:
        raise _bad_token() from exc
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad_token()
    return value


def _bad_token() -> KefuError:
    return KefuError(ErrorCode.SURVEY_TOKEN_INVALID, "评价链接无效", "invalid survey link")


def _view(s: Survey) -> dict[str, Any]:
    return {"id": s.id, "shop_id": s.shop_id, "conversation_id": s.conversation_id, "ticket_id": s.ticket_id,
            "agent_id": s.agent_id, "sent_at": s.sent_at.isoformat(), "score": s.score,
            "level": surv.LEVELS.get(s.score) if s.score else None, "comment": s.comment,
            "answered_at": s.answered_at.isoformat() if s.answered_at else None, "created_by": s.created_by}


def _link(s: Survey) -> dict[str, Any]:
    token = survey_token(s.id)
    return {"survey": s.id, "token": token, "link": f"{LINK_PATH}?t={token}"}


def invite_on_close(session: Session, conversation_id: int, shop_id: str, agent_id: str | None,
                    now: datetime) -> None:
    """The system's survey for a conversation an agent served, written with its close."""
    if agent_id is None:  # a bot chat or a buyer who left the queue: nobody to rate
        return
    store.insert_survey_unless_exists(session, {"shop_id": shop_id, "conversation_id": conversation_id,
                                          "agent_id": agent_id, "sent_at": now, "comment": "",
                                          "created_by": "system"})


def send_survey(session: Session, *, conversation_id: int | None = None, ticket_id: int | None = None,
                by: str = "system", now: datetime | None = None) -> dict[str, Any]:
    """A supervisor's survey for one conversation or ticket, with the buyer's link (409 if it has one)."""
    if (conversation_id is None) == (ticket_id is None):
        raise bad_argument("survey", "需要会话或工单之一", "give exactly one of conversation_id or ticket_id")
    if conversation_id is not None:
        conv = session.get(Conversation, conversation_id)
        if conv is None:
            raise not_found("会话 / conversation", conversation_id)
        shop, agent, existing = conv.shop_id, conv.agent_id, Survey.conversation_id == conversation_id
    else:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise not_found("工单 / ticket", ticket_id)
        shop, agent, existing = ticket.shop_id, ticket.owner, Survey.ticket_id == ticket_id
    if session.scalar(select(Survey.id).where(existing)) is not None:
        raise KefuError(ErrorCode.SURVEY_EXISTS, "该会话或工单已有问卷", "this conversation or ticket already has a survey",
                        {"conversation_id": conversation_id, "ticket_id": ticket_id})
    s = Survey(shop_id=shop, conversation_id=conversation_id, ticket_id=ticket_id, agent_id=agent,
               sent_at=now or utc_now(), comment="", created_by=by[:64])
    session.add(s)
    session.flush()
    return {**_view(s), **_link(s)}


def survey_link(session: Session, *, conversation_id: int | None = None,
                ticket_id: int | None = None) -> dict[str, Any]:
    """The buyer's link of the survey of a conversation or ticket (to send through the buyer's channel)."""
    if (conversation_id is None) == (ticket_id is None):
        raise bad_argument("survey", "需要会话或工单之一", "give exactly one of conversation_id or ticket_id")
    where = Survey.conversation_id == conversation_id if conversation_id is not None else Survey.ticket_id == ticket_id
    s = session.scalar(select(Survey).where(where))
    if s is None:
        raise not_found("问卷 / survey", conversation_id if conversation_id is not None else ticket_id)
    return _link(s)


def _by_token(session: Session, token: str, *, lock: bool) -> Survey:
    s = session.get(Survey, _survey_id(token), with_for_update=lock)
    if s is None:  # signed by us, but the survey is gone (database replaced): as good as a wrong link
        raise _bad_token()
    return s


def survey_for_buyer(session: Session, token: str) -> dict[str, Any]:
    """What the buyer's page shows: the shop's name and whether it was answered (no agent, no ids)."""
    s = _by_token(session, token, lock=False)
    shop = session.get(Shop, s.shop_id)
    return {"shop": shop.name if shop is not None else s.shop_id, "answered": s.score is not None,
            "levels": {str(k): v for k, v in surv.LEVELS.items()}}


def answer_survey(session: Session, token: str, score: int | str, comment: str = "",
                  now: datetime | None = None) -> dict[str, Any]:
    """The buyer's 1–5 answer, once per link; a second answer is SURVEY_ALREADY_ANSWERED (409)."""
    value = surv.parse_score(score)
    s = _by_token(session, token, lock=True)
    if s.score is not None:
        raise KefuError(ErrorCode.SURVEY_ALREADY_ANSWERED, "该问卷已回答", "survey already answered",
                        {"survey": s.id})
    s.score, s.comment, s.answered_at = value, comment[:2000], now or utc_now()
    return {"answered": True, "score": value, "level": surv.LEVELS[value]}


def survey_stats(
    session: Session, start: date, end: date, *, shop_id: str | None = None, agent_id: str | None = None
) -> dict[str, Any]:
    """Response rate and five-level distribution of surveys sent on days [start, end]."""
    q = select(Survey).where(
        Survey.sent_at >= local_midnight(start), Survey.sent_at < local_midnight(end + timedelta(days=1))
    )
    if shop_id:
        q = q.where(Survey.shop_id == shop_id)
    if agent_id:
        q = q.where(Survey.agent_id == agent_id)
    stats = surv.survey_stats(surv.SurveyFact(s.sent_at, s.score, s.agent_id) for s in session.scalars(q))
    return {
        k: (str(v) if v is not None and k in ("response_rate", "satisfied_rate", "mean_score") else v)
        for k, v in stats.items()
    }
