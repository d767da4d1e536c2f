"""FAQ bot use-cases: answer a message, evaluate a file, the shop's facts; the cached index.

Why a cache on disk: building the index reads jieba's dictionary and pypinyin (seconds);
answering needs neither. The index state is written once per KB content (shipped KB +
the shop's FAQ rows) as JSON under ``<data_dir>/bot/`` and read back by every later
process, so the first answer after start-up takes well under a second and ``kefu care
bot-ask`` no longer rebuilds per call (issue 21). JSON, not pickle: a cache file is data,
never code. In a process the matcher is kept per content key.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import threading
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kefu.care import bot as botlib
from kefu.care import bot_gate, bot_index
from kefu.care.bot_facts import ShopFacts
from kefu.config import get_settings
from kefu.domain.errors import RowError, bad_argument, bad_rows, not_found

if TYPE_CHECKING:  # the database side is imported where it is used: `kefu care bot-ask` needs none of it
    from sqlalchemy.orm import Session

    from kefu.service.care.schemas_bot import BotEvalOut, BotFactsIn, BotFactsOut

_lock = threading.Lock()
_matchers: dict[str, botlib.FaqMatcher] = {}
Extra = tuple[tuple[str, str, str], ...]  # the shop's FAQ rows: (intent, question, answer)
Negatives = tuple[tuple[str, str], ...]  # the shop's approved hand-over wordings: (intent, wording)


def _key(extra: Extra, negatives: Negatives = ()) -> str:
    h = hashlib.sha256(f"v{bot_index.STATE_VERSION}\n".encode())
    h.update(botlib.shipped_kb_text().encode("utf-8"))
    h.update(bot_gate.shipped_rows_text().encode("utf-8"))  # the gate is trained on them at build
    h.update(json.dumps(extra, ensure_ascii=False).encode("utf-8"))
    if negatives:  # (an empty list keeps the key every cache file already has)
        h.update(json.dumps(negatives, ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()[:24]


def _knowledge_base(extra: Extra, negatives: Negatives = ()) -> botlib.KnowledgeBase:
    """Shipped KB plus the shop's rows: a row of a known intent adds a paraphrase (and replaces the
    answer when it has one); a row of a new intent creates it. The shop's hand-over wordings join their
    intent's negatives (an intent the KB no longer has is skipped)."""
    kb = botlib.load_knowledge_base()
    intents = {i.intent: i for i in kb.intents}
    for intent, question, answer in extra:
        old = intents.get(intent)
        intents[intent] = botlib.FaqIntent(
            intent, old.question if old else question, answer or (old.answer if old else ""),
            (*(old.paraphrases if old else ()), question), old.negatives if old else (),
        )  # fmt: skip
    for intent, wording in negatives:
        if intent in intents:
            intents[intent] = replace(intents[intent], negatives=(*intents[intent].negatives, wording))
    return replace(kb, intents=tuple(intents.values()))


def bot_matcher(extra: Extra = (), negatives: Negatives = ()) -> botlib.FaqMatcher:
    """The matcher for the shipped KB plus ``extra`` rows and hand-over ``negatives``: from memory, else
    from the cache file, else built (and the cache file written; an unwritable data dir only costs the
    next start-up)."""
    key = _key(extra, negatives)
    found = _matchers.get(key)
    if found is not None:
        return found
    with _lock:
        if key in _matchers:
            return _matchers[key]
        path = get_settings().data_dir / "bot" / f"index-{key}.json"
        matcher = None
        if path.is_file():
            try:
                state = json.loads(path.read_text(encoding="utf-8"))
                if state.get("version") == bot_index.STATE_VERSION:
                    matcher = botlib.FaqMatcher.from_state(state)
            except (OSError, ValueError, KeyError, TypeError):
                matcher = None  # a damaged cache file is rebuilt below
        if matcher is None:
            matcher = botlib.FaqMatcher(_knowledge_base(extra, negatives))
            _write_cache(path, matcher.state())
        _matchers[key] = matcher
        return matcher


def _write_cache(path: Path, state: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # read-only data dir: the index is simply built again next start-up


def shop_bot(session: Session, shop_id: str | None) -> tuple[botlib.FaqMatcher, float, dict[str, str]]:
    """The shop's matcher, its bot_first threshold and the facts its answers are filled with."""
    from kefu.service.care import store
    from kefu.service.care.actions import care_settings

    threshold = float(care_settings(session, shop_id).get("bot_threshold", botlib.DEFAULT_THRESHOLD))
    matcher = bot_matcher(store.faq_rows(session, shop_id), store.handover_rows(session, shop_id))
    return matcher, threshold, _facts(session, shop_id).values()


def _reply_view(reply: botlib.BotReply) -> dict[str, Any]:
    return {"action": reply.action.value, "reason": reply.reason, "intent": reply.intent, "answer": reply.answer,
            "confidence": round(reply.confidence, 4), "matched_question": reply.matched_question}  # fmt: skip


def bot_answer(
    session: Session, question: str, mode: str | None = None, *, shop_id: str | None = None
) -> dict[str, Any]:
    """What the bot does with one buyer message: answer, suggest to the agent, or hand over.
    ``mode`` defaults to the shop's setting (``bot_first`` when unset)."""
    from kefu.service.care.actions import care_settings

    settings = care_settings(session, shop_id)
    matcher, threshold, facts = shop_bot(session, shop_id)
    reply = matcher.reply(
        question,
        mode or settings.get("bot_mode", botlib.BotMode.BOT_FIRST),
        threshold=threshold,
        mixed_threshold=float(settings.get("bot_mixed_threshold", botlib.DEFAULT_MIXED_THRESHOLD)),
        facts=facts,
    )
    return _reply_view(reply)


def bot_ask(question: str, mode: str = "bot_first") -> dict[str, Any]:
    """The shipped KB's reply to one message, without a database (``kefu care bot-ask``)."""
    return _reply_view(bot_matcher().reply(question, mode))


def warm_bot() -> None:
    """Load (or build) the shipped FAQ index at startup (``api.app``'s lifespan): the first buyer
    question used to pay for it on the request path, past a client's 10 s timeout on a loaded
    machine (schemathesis: "failed on the first call but not on a subsequent one")."""
    bot_matcher(())


def bot_eval_csv(questions_csv: Path, out_csv: Path, *, session: Session | None = None,
                 shop_id: str | None = None) -> BotEvalOut:  # fmt: skip
    """The evaluation contract: QUESTIONS.csv (``question`` column, UTF-8) → ANSWERS.csv
    (``question,action,intent,confidence,reason``) in bot_first mode, one process, one index."""
    from kefu.service.care.schemas_bot import BotEvalOut

    try:
        raw = questions_csv.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise bad_argument(
            "questions", f"无法读取 UTF-8 文件: {exc}", f"cannot read a UTF-8 file: {exc}"
        ) from exc
    reader = csv.DictReader(io.StringIO(raw))
    if not reader.fieldnames or "question" not in reader.fieldnames:
        raise bad_rows(
            questions_csv.name, [RowError(1, "question", "缺少 question 列", "missing column question")]
        )
    if session is not None:
        matcher, threshold, facts = shop_bot(session, shop_id)
    else:
        matcher, threshold, facts = bot_matcher(), botlib.DEFAULT_THRESHOLD, None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["question", "action", "intent", "confidence", "reason"])
    answered = n = 0
    for row in reader:
        q = row.get("question") or ""
        r = matcher.reply(q, botlib.BotMode.BOT_FIRST, threshold=threshold, facts=facts)
        writer.writerow([q, r.action.value, r.intent or "", f"{r.confidence:.4f}", r.reason])
        answered += r.answered
        n += 1
    out_csv.write_text(out.getvalue(), encoding="utf-8")
    return BotEvalOut(questions=n, answered=answered, handed_over=n - answered)


# ----------------------------------------------------------------- shop facts


_FACT_NAMES = [f.name for f in fields(ShopFacts)]


def _facts(session: Session, shop_id: str | None) -> ShopFacts:
    from kefu.store.models.care import BotShopFacts

    row = session.get(BotShopFacts, shop_id) if shop_id else None
    return ShopFacts(**{n: getattr(row, n) for n in _FACT_NAMES}) if row is not None else ShopFacts()


def get_bot_facts(session: Session, shop_id: str) -> BotFactsOut:
    """The shop's facts (the shipped defaults until the supervisor saves some)."""
    from kefu.service.care.schemas_bot import BotFactsOut
    from kefu.store.models.org import Shop

    if session.get(Shop, shop_id) is None:
        raise not_found("店铺 / shop", shop_id)
    return BotFactsOut(shop_id=shop_id, **asdict(_facts(session, shop_id)))


def set_bot_facts(session: Session, shop_id: str, body: BotFactsIn) -> BotFactsOut:
    """Save the shop's facts; the bot's answers use them from the next message on."""
    from kefu.domain.timeutil import utc_now
    from kefu.store.models.care import BotShopFacts
    from kefu.store.models.org import Shop

    if session.get(Shop, shop_id) is None:
        raise not_found("店铺 / shop", shop_id)
    merged = {**asdict(_facts(session, shop_id)), **body.model_dump(exclude_none=True)}
    row = session.get(BotShopFacts, shop_id)
    if row is None:
        row = BotShopFacts(shop_id=shop_id, updated_at=utc_now())
        session.add(row)
    for name in _FACT_NAMES:
        setattr(row, name, merged[name])
    row.updated_at = utc_now()
    session.flush()
    return get_bot_facts(session, shop_id)
