"""Care use-cases: tickets, callbacks, surveys, templates, FAQ bot, logbooks, fines and rewards.

One function per use-case, each taking a Session; API, CLI and dashboard call
these. The engines in :mod:`kefu.care` do the reasoning; this module maps rows
to plain facts and back. The use-cases live in the ``care_*`` modules named
below and are re-exported here; this module keeps the FAQ bot. Who may see
which ticket, survey or record is decided there (``kefu.service.access``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.care import bot as botlib

# Settings (care_hours), tickets (care_tickets), surveys (care_surveys), record books and the ledger
# (care_books) and reply templates (care_templates) are re-exported so callers use one module.
from kefu.service.care_books import add_ledger_entry as add_ledger_entry
from kefu.service.care_books import add_logbook_entry as add_logbook_entry
from kefu.service.care_books import handover_log as handover_log
from kefu.service.care_books import list_ledger as list_ledger
from kefu.service.care_books import list_logbook as list_logbook
from kefu.service.care_books import service_stats as service_stats
from kefu.service.care_books import weekly_issue_summary as weekly_issue_summary
from kefu.service.care_hours import care_settings as care_settings
from kefu.service.care_hours import set_care_settings as set_care_settings
from kefu.service.care_hours import shop_ids as shop_ids
from kefu.service.care_surveys import answer_survey as answer_survey
from kefu.service.care_surveys import send_survey as send_survey
from kefu.service.care_surveys import survey_for_buyer as survey_for_buyer
from kefu.service.care_surveys import survey_link as survey_link
from kefu.service.care_surveys import survey_stats as survey_stats
from kefu.service.care_templates import create_template as create_template
from kefu.service.care_templates import render_template as render_template
from kefu.service.care_templates import search_templates as search_templates
from kefu.service.care_templates import seed_templates as seed_templates
from kefu.service.care_tickets import close_ticket as close_ticket
from kefu.service.care_tickets import create_ticket as create_ticket
from kefu.service.care_tickets import escalate_ticket as escalate_ticket
from kefu.service.care_tickets import get_ticket as get_ticket
from kefu.service.care_tickets import list_tickets as list_tickets
from kefu.service.care_tickets import record_callback as record_callback
from kefu.service.care_tickets import resolve_ticket as resolve_ticket
from kefu.service.care_tickets import respond_ticket as respond_ticket
from kefu.service.care_tickets import root_cause_summary as root_cause_summary
from kefu.service.care_tickets import schedule_callback as schedule_callback
from kefu.store.models.care import FaqPair

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
