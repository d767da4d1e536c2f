"""Care use-cases: tickets, callbacks, surveys, templates, FAQ bot, logbooks, fines and rewards.

One function per use-case, each taking a Session; API, CLI and dashboard call
these. The engines in :mod:`kefu.care` do the reasoning; this module maps rows
to plain facts and back, and writes an ``Event`` for every ticket lifecycle change.
Per-shop settings live in ``Shop.settings["care"]``:
``{"open": "09:00", "close": "22:30", "open_on_rest_days": true,
"open_on_statutory": false, "calendar_overrides": {"2027-02-16": "rest"},
"sla": {"high": [60, 480]}, "bot_mode": "bot_first", "bot_threshold": 0.45}``
(SLA pairs are business minutes to first response and to resolution).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.care import bot as botlib
from kefu.care import surveys as surv
from kefu.care import tickets as tk
from kefu.domain import privacy
from kefu.domain.errors import ErrorCode, KefuError, bad_argument, not_found
from kefu.domain.timeutil import local_midnight, utc_now

# Record books and the ledger (care_books) and reply templates (care_templates) are re-exported so callers use one module.
from kefu.service.care_books import add_ledger_entry as add_ledger_entry
from kefu.service.care_books import add_logbook_entry as add_logbook_entry
from kefu.service.care_books import handover_log as handover_log
from kefu.service.care_books import list_ledger as list_ledger
from kefu.service.care_books import list_logbook as list_logbook
from kefu.service.care_books import service_stats as service_stats
from kefu.service.care_books import weekly_issue_summary as weekly_issue_summary
from kefu.service.care_templates import create_template as create_template
from kefu.service.care_templates import render_template as render_template
from kefu.service.care_templates import search_templates as search_templates
from kefu.service.care_templates import seed_templates as seed_templates
from kefu.store.models.care import FaqPair, Survey, Ticket
from kefu.store.models.live import Event
from kefu.store.models.org import Agent, Shop

# ----------------------------------------------------------------- settings


def shop_ids(session: Session) -> list[str]:
    """Shops to pick from in the dashboard."""
    return [str(s) for s in session.scalars(select(Shop.id).order_by(Shop.id))]


def care_settings(session: Session, shop_id: str | None) -> dict[str, Any]:
    shop = session.get(Shop, shop_id) if shop_id else None
    raw = (shop.settings or {}).get("care", {}) if shop is not None else {}
    return dict(raw) if isinstance(raw, dict) else {}


def _hhmm(value: Any, default: time) -> time:
    try:
        return time.fromisoformat(str(value)) if value else default
    except ValueError as exc:
        raise bad_argument(
            "business_hours", f"时间格式应为 HH:MM: {value}", f"time must be HH:MM: {value}"
        ) from exc


def _hours_from(s: dict[str, Any]) -> tk.BusinessHours:
    overrides = s.get("calendar_overrides") or {}
    if not isinstance(overrides, dict):
        raise bad_argument("calendar_overrides", "应为 日期: 类型 的映射", "must map dates to day kinds")
    return tk.BusinessHours(
        open=_hhmm(s.get("open"), time(9, 0)),
        close=_hhmm(s.get("close"), time(22, 30)),
        open_on_rest_days=bool(s.get("open_on_rest_days", True)),
        open_on_statutory=bool(s.get("open_on_statutory", False)),
        calendar=tk.calendar_with_overrides(overrides),
    )


def business_hours(session: Session, shop_id: str | None) -> tk.BusinessHours:
    """The shop's service window and calendar, in which ticket SLA clocks run."""
    return _hours_from(care_settings(session, shop_id))


def set_care_settings(session: Session, shop_id: str, **values: Any) -> dict[str, Any]:
    """Merge care settings into the shop (business hours, bot mode/threshold); validated first."""
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise not_found("店铺 / shop", shop_id)
    merged = {**care_settings(session, shop_id), **{k: v for k, v in values.items() if v is not None}}
    if "bot_mode" in merged and merged["bot_mode"] not in {m.value for m in botlib.BotMode}:
        allowed = [m.value for m in botlib.BotMode]
        raise bad_argument(
            "bot_mode",
            f"未知模式 {merged['bot_mode']}",
            f"unknown mode {merged['bot_mode']}",
            allowed=allowed,
        )
    if "bot_threshold" in merged and not 0.0 <= float(merged["bot_threshold"]) <= 1.0:
        raise bad_argument("bot_threshold", "阈值应在 0 到 1 之间", "threshold must be between 0 and 1")
    _hours_from(merged)  # raises on a bad window or calendar override before anything is stored
    tk.SlaPolicy.from_settings(merged.get("sla"))
    shop.settings = {**(shop.settings or {}), "care": merged}
    session.flush()
    return merged


# ----------------------------------------------------------------- tickets


def _facts(t: Ticket) -> tk.TicketFacts:
    return tk.TicketFacts(
        t.id, t.category, t.severity, t.status, t.created_at, t.first_response_at, t.resolved_at,
        t.department, t.root_cause, t.callback_at, t.callback_outcome,
    )  # fmt: skip


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def ticket_view(session: Session, t: Ticket, now: datetime | None = None, *, role: str = "agent") -> dict[str, Any]:
    """A ticket as ``role`` may see it: the summary and notes masked (PIPL) unless the role sees whole."""
    policy = tk.SlaPolicy.from_settings(care_settings(session, t.shop_id).get("sla"))
    rep = tk.sla_report(_facts(t), now or utc_now(), business_hours(session, t.shop_id), policy)
    iso = _iso
    return {
        "id": t.id, "shop_id": t.shop_id, "buyer": t.buyer, "order_id": t.order_id, "category": t.category,
        "severity": t.severity, "status": t.status, "department": t.department, "owner": t.owner,
        "summary": privacy.text_for(role, t.summary), "root_cause": t.root_cause, "created_at": iso(t.created_at),
        "first_response_at": iso(t.first_response_at), "resolved_at": iso(t.resolved_at),
        "callback_at": iso(t.callback_at), "callback_outcome": t.callback_outcome,
        "notes": [{**n, "text": privacy.text_for(role, str(n.get("text", "")))} for n in (t.notes or [])],
        "sla": {"first_response_due": iso(rep.first_response_due), "resolution_due": iso(rep.resolution_due),
                "first_response": rep.first_response, "resolution": rep.resolution,
                "first_response_minutes": rep.first_response_minutes, "resolution_minutes": rep.resolution_minutes},
    }  # fmt: skip


def _ticket(session: Session, ticket_id: int) -> Ticket:
    t = session.get(Ticket, ticket_id, with_for_update=True)
    if t is None:
        raise not_found("工单 / ticket", ticket_id)
    return t


def _event(session: Session, t: Ticket, kind: str, by: str, when: datetime, **data: Any) -> None:
    session.add(Event(ts=when, kind=f"ticket.{kind}", shop_id=t.shop_id, agent_id=t.owner,
                      subject=f"ticket:{t.id}", data=data, actor=by[:64]))  # fmt: skip


def _note(t: Ticket, kind: str, by: str, when: datetime, text: str, **extra: Any) -> None:
    t.notes = [*(t.notes or []), {"at": when.isoformat(), "by": by, "kind": kind, "text": text, **extra}]


def create_ticket(
    session: Session, *, shop_id: str, buyer: str, category: str, severity: str = "normal", summary: str = "",
    order_id: str | None = None, owner: str | None = None, by: str = "system", now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Log a complaint or after-sales case; the SLA clock starts now."""
    tk.check_new_ticket(category, severity)
    if not buyer.strip() or len(buyer) > 128 or not shop_id or len(shop_id) > 64 or len(order_id or "") > 64:
        raise bad_argument(
            "ticket",
            "买家(≤128)、店铺(≤64)必填, 订单号≤64",
            "buyer (≤128) and shop (≤64) required, order ≤64",
        )
    if owner is not None and session.get(Agent, owner) is None:
        raise KefuError(ErrorCode.AGENT_UNKNOWN, f"未知客服 {owner}", f"unknown agent {owner}")
    when = now or utc_now()
    t = Ticket(shop_id=shop_id, buyer=buyer, order_id=order_id, category=category, severity=severity,
               status="open", department="", owner=owner, summary=summary, root_cause="", created_at=when,
               callback_outcome="", notes=[])  # fmt: skip
    session.add(t)
    session.flush()
    _event(session, t, "created", by, when, category=category, severity=severity)
    return ticket_view(session, t, when)


def respond_ticket(
    session: Session, ticket_id: int, *, text: str, by: str, now: datetime | None = None
) -> dict[str, Any]:
    """Record a reply to the buyer; the first one stops the first-response clock."""
    t, when = _ticket(session, ticket_id), now or utc_now()
    if t.status == "closed":
        tk.check_transition("closed", "open")
    if t.first_response_at is None:
        t.first_response_at = when
    _note(t, "response", by, when, text)
    _event(session, t, "responded", by, when)
    return ticket_view(session, t, when)


def escalate_ticket(
    session: Session, ticket_id: int, *, department: str, note: str, by: str, now: datetime | None = None
) -> dict[str, Any]:
    """Hand the case to logistics / tech / marketing with a note; the ticket stays ours to close."""
    tk.check_department(department)
    if not note.strip():
        raise bad_argument("note", "升级必须写明情况", "an escalation needs a note")
    t, when = _ticket(session, ticket_id), now or utc_now()
    tk.check_transition(t.status, "escalated")
    t.status, t.department = "escalated", department
    _note(t, "escalation", by, when, note, department=department)
    _event(session, t, "escalated", by, when, department=department)
    return ticket_view(session, t, when)


def resolve_ticket(
    session: Session, ticket_id: int, *, root_cause: str, note: str = "", by: str, now: datetime | None = None
) -> dict[str, Any]:
    """Close the case with its root cause (feeds the monthly summary)."""
    if not root_cause.strip():
        raise bad_argument("root_cause", "必须填写根因", "a root cause is required")
    t, when = _ticket(session, ticket_id), now or utc_now()
    tk.check_transition(t.status, "resolved")
    t.status, t.resolved_at, t.root_cause = "resolved", when, root_cause.strip()[:64]
    t.first_response_at = t.first_response_at or when
    _note(t, "resolution", by, when, note or root_cause)
    _event(session, t, "resolved", by, when, root_cause=t.root_cause)
    return ticket_view(session, t, when)


def close_ticket(session: Session, ticket_id: int, *, by: str, now: datetime | None = None) -> dict[str, Any]:
    t, when = _ticket(session, ticket_id), now or utc_now()
    tk.check_transition(t.status, "closed")
    t.status = "closed"
    _event(session, t, "closed", by, when)
    return ticket_view(session, t, when)


def schedule_callback(
    session: Session, ticket_id: int, *, at: datetime, by: str, now: datetime | None = None
) -> dict[str, Any]:
    """Plan the 回访 after resolution (seed 002: ask the buyer whether the fix satisfied them)."""
    t, when = _ticket(session, ticket_id), now or utc_now()
    if t.status != "resolved" or t.resolved_at is None:
        raise tk_error(t.status, "callback")
    if at.tzinfo is None or at < t.resolved_at:
        raise bad_argument(
            "at",
            "回访时间必须带时区且不早于解决时间",
            "callback time must be aware and not before resolution",
        )
    t.callback_at, t.callback_outcome = at, ""
    _event(session, t, "callback_scheduled", by, when, at=at.isoformat())
    return ticket_view(session, t, when)


def record_callback(
    session: Session, ticket_id: int, *, outcome: str, note: str = "", by: str, now: datetime | None = None
) -> dict[str, Any]:
    """Store the callback's outcome; ``reopened`` sends the ticket back to open."""
    tk.check_callback_outcome(outcome)
    t, when = _ticket(session, ticket_id), now or utc_now()
    if t.callback_at is None:
        raise bad_argument("callback", "尚未安排回访", "no callback was scheduled")
    if t.status != "resolved":
        raise tk_error(t.status, "callback")
    t.callback_outcome = outcome
    _note(t, "callback", by, when, note, outcome=outcome)
    if outcome == "reopened":
        t.status, t.resolved_at = "open", None
    _event(session, t, "callback_done", by, when, outcome=outcome)
    return ticket_view(session, t, when)


def tk_error(status: str, action: str) -> KefuError:
    return KefuError(ErrorCode.TICKET_BAD_TRANSITION, f"工单状态 {status} 不能{action}", f"cannot {action} a ticket in status {status}",
                     {"from": status, "to": action})  # fmt: skip


def get_ticket(session: Session, ticket_id: int, *, role: str = "agent") -> dict[str, Any]:
    t = session.get(Ticket, ticket_id)
    if t is None:
        raise not_found("工单 / ticket", ticket_id)
    return ticket_view(session, t, role=role)


def list_tickets(
    session: Session, *, shop_id: str | None = None, status: str | None = None, limit: int = 200,
    role: str = "agent",
) -> list[dict[str, Any]]:
    q = select(Ticket).order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
    if shop_id:
        q = q.where(Ticket.shop_id == shop_id)
    if status:
        q = q.where(Ticket.status == status)
    now = utc_now()
    return [ticket_view(session, t, now, role=role) for t in session.scalars(q)]


def root_cause_summary(
    session: Session, month: str, *, shop_id: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The month's tickets by category, root cause, department; SLA breaches; callback outcomes."""
    start, end = tk.month_bounds(month)
    q = select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
    if shop_id:
        q = q.where(Ticket.shop_id == shop_id)
    rows = list(session.scalars(q))
    hours = business_hours(session, shop_id)
    policy = tk.SlaPolicy.from_settings(care_settings(session, shop_id).get("sla"))
    out = tk.root_cause_summary([_facts(t) for t in rows], now or utc_now(), hours, policy)
    avg = out["avg_resolution_business_hours"]
    return {"month": month, **out, "avg_resolution_business_hours": str(avg) if avg is not None else None}


# ----------------------------------------------------------------- surveys


def send_survey(session: Session, *, shop_id: str, conversation_id: int | None = None, ticket_id: int | None = None,
                agent_id: str | None = None, now: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    if conversation_id is None and ticket_id is None:
        raise bad_argument("survey", "需要会话或工单", "a conversation or ticket is required")
    s = Survey(shop_id=shop_id, conversation_id=conversation_id, ticket_id=ticket_id, agent_id=agent_id,
               sent_at=now or utc_now(), comment="")  # fmt: skip
    session.add(s)
    session.flush()
    return _survey_view(s)


def _survey_view(s: Survey) -> dict[str, Any]:
    return {"id": s.id, "shop_id": s.shop_id, "conversation_id": s.conversation_id, "ticket_id": s.ticket_id,
            "agent_id": s.agent_id, "sent_at": s.sent_at.isoformat(), "score": s.score,
            "level": surv.LEVELS.get(s.score) if s.score else None, "comment": s.comment,
            "answered_at": s.answered_at.isoformat() if s.answered_at else None}  # fmt: skip


def answer_survey(
    session: Session, survey_id: int, score: int | str, comment: str = "", now: datetime | None = None
) -> dict[str, Any]:
    """Store the buyer's 1–5 answer once; a second answer is SURVEY_ALREADY_ANSWERED."""
    value = surv.parse_score(score)
    s = session.get(Survey, survey_id, with_for_update=True)
    if s is None:
        raise not_found("问卷 / survey", survey_id)
    if s.score is not None:
        raise KefuError(
            ErrorCode.SURVEY_ALREADY_ANSWERED,
            "该问卷已回答",
            "survey already answered",
            {"survey": survey_id},
        )
    s.score, s.comment, s.answered_at = value, comment[:2000], now or utc_now()
    return _survey_view(s)


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


# ----------------------------------------------------------------- FAQ bot


@lru_cache(maxsize=16)
def _matcher(extra: tuple[tuple[str, str, str], ...]) -> botlib.FaqMatcher:
    """Shipped KB plus the shop's FaqPair rows (intent, question, answer); built once per content."""
    kb = botlib.load_knowledge_base()
    intents = {i.intent: i for i in kb.intents}
    for intent, question, answer in extra:
        old = intents.get(intent)
        paraphrases = (*(old.paraphrases if old else ()), question)
        intents[intent] = botlib.FaqIntent(
            intent, old.question if old else question, answer or (old.answer if old else ""), paraphrases
        )
    return botlib.FaqMatcher(
        botlib.KnowledgeBase(tuple(intents.values()), kb.synonyms, kb.handover_phrases, kb.words)
    )


def bot_answer(
    session: Session, question: str, mode: str | None = None, *, shop_id: str | None = None
) -> dict[str, Any]:
    """What the bot does with one buyer message: answer, suggest to the agent, or hand over.
    ``mode`` defaults to the shop's setting (``bot_first`` when unset)."""
    settings = care_settings(session, shop_id)
    rows = session.execute(select(FaqPair.intent, FaqPair.question, FaqPair.answer).where(
        FaqPair.shop_id.is_(None) | (FaqPair.shop_id == shop_id)).order_by(FaqPair.id)).all()  # fmt: skip
    matcher = _matcher(tuple((str(a), str(b), str(c)) for a, b, c in rows))
    reply = matcher.reply(
        question,
        mode or settings.get("bot_mode", botlib.BotMode.BOT_FIRST),
        threshold=float(settings.get("bot_threshold", botlib.DEFAULT_THRESHOLD)),
        mixed_threshold=float(settings.get("bot_mixed_threshold", botlib.DEFAULT_MIXED_THRESHOLD)),
    )
    return {"action": reply.action.value, "reason": reply.reason, "intent": reply.intent, "answer": reply.answer,
            "confidence": round(reply.confidence, 4), "matched_question": reply.matched_question}  # fmt: skip


def warm_bot() -> None:
    """Build the shipped FAQ index at startup (api.app's lifespan): the first buyer question used to
    build jieba's dictionary and the index on the request path, 3 s idle and past a client's 10 s
    timeout on a loaded machine (schemathesis: "failed on the first call but not on a subsequent one")."""
    _matcher(())
