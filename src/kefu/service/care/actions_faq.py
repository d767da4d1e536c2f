"""The shop's own FAQ entries added by other areas (a product briefing's FAQ additions, issue 22).

The bot answers from the shipped knowledge base plus the shop's FAQ rows
(:func:`kefu.service.care.store.faq_rows`); a row of an intent the knowledge base does
not know creates that intent. So each entry added here is an intent of its own,
named ``<source>#<n>``, with its wordings as the questions and its answer: the bot
answers it from the next message on (the shop's index is rebuilt for the new
content). Adding the same source again adds nothing (an approval retried, a
briefing republished).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument, not_found
from kefu.store.models.care import FaqPair
from kefu.store.models.org import Shop

INTENT_CHARS = 64  # faq_pairs.intent


def add_faq_entries(session: Session, shop_id: str, entries: Sequence[tuple[Sequence[str], str]], *,
                    source: str) -> int:  # fmt: skip
    """Add ``(wordings, answer)`` entries to the shop's bot knowledge; the rows added (0 when ``source`` has some)."""
    if session.get(Shop, shop_id) is None:
        raise not_found("店铺 / shop", shop_id)
    if not source or len(f"{source}#{len(entries)}") > INTENT_CHARS:
        raise bad_argument("source", "来源名称无效", "invalid source name", source=source)
    known = session.scalar(select(FaqPair.id).where(FaqPair.shop_id == shop_id, FaqPair.intent.startswith(f"{source}#", autoescape=True))
                           .limit(1))  # fmt: skip
    if known is not None:
        return 0
    added = 0
    for n, (wordings, answer) in enumerate(entries, start=1):
        for question in dict.fromkeys(w.strip() for w in wordings if w.strip()):
            session.add(FaqPair(shop_id=shop_id, intent=f"{source}#{n}", question=question, answer=answer.strip()))
            added += 1
    session.flush()
    return added
