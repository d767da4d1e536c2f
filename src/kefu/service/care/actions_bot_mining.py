"""Learn from the shop's chats: mine proposals, let the supervisor decide, measure the effect.

The reasoning is in :mod:`kefu.care.bot_mining`; this module reads the shop's messages,
stores proposals, and on approval turns a proposal into the shop's FAQ rows (``faq_pairs``) — or,
for a hand-over proposal, makes its wordings the intent's negatives in the shop's KB (read from the
approved proposals by ``store.handover_rows``) — and records the answer rate before and after: on the proposal's own mined messages and on
every buyer message mined in the same run (the "pool").

Mined wordings are shown to supervisors and may become the shop's FAQ rows, so they are read
through :func:`kefu.domain.privacy.mask_text` (no phone, ID number or address of a buyer is ever
proposed or stored with a proposal), and messages erased for privacy (``kefu privacy``) are skipped.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kefu.care import bot_mining as mining
from kefu.domain import privacy
from kefu.domain.errors import bad_argument, not_found
from kefu.domain.timeutil import utc_now
from kefu.service.care import store
from kefu.service.care.actions_bot import shop_bot
from kefu.service.care.schemas_bot import MineOut, ProposalOut
from kefu.service.org.actions_privacy import ERASED
from kefu.store.models.care import BotProposal, FaqPair
from kefu.store.models.org import Shop

# Messages read per mining run (the most recent ones): bounds time and memory on big shops.
MAX_MESSAGES = 200_000


def _view(p: BotProposal) -> ProposalOut:
    return ProposalOut(
        id=p.id, shop_id=p.shop_id, intent=p.intent, new_intent=p.new_intent, kind=p.kind, question=p.question,
        answer=p.answer,
        paraphrases=[str(x) for x in p.paraphrases], asked=len(p.members), status=p.status,
        answered_after=p.answered_after, pool_before=p.pool_before, pool_after=p.pool_after,
        created_at=p.created_at, decided_by=p.decided_by,
    )  # fmt: skip


def _pairs(session: Session, shop_id: str) -> list[mining.QaPair]:
    msgs = [mining.ChatMessage(c, d, privacy.mask_text(t), auto)
            for c, d, t, auto in store.recent_chat(session, shop_id, ERASED, MAX_MESSAGES)]
    return mining.qa_pairs(msgs)


def _rate(answered: int, total: int) -> str:
    return f"{answered / total:.3f}" if total else "0.000"


def mine_bot_proposals(session: Session, shop_id: str, *, min_count: int = mining.MIN_COUNT) -> MineOut:
    """Mine the shop's chats; replaces the shop's undecided proposals by the new ones."""
    if session.get(Shop, shop_id) is None:
        raise not_found("店铺 / shop", shop_id)
    if not 1 <= min_count <= 1000:
        raise bad_argument("min_count", "应在 1 到 1000 之间", "must be between 1 and 1000")
    matcher, threshold, _ = shop_bot(session, shop_id)
    pairs = _pairs(session, shop_id)
    pool = mining.answered_count(matcher, (p.question for p in pairs), threshold)
    handed = frozenset(q for _, q in store.handover_rows(session, shop_id))
    found = mining.mine(matcher, pairs, threshold, min_count=min_count, skip=handed)
    found += mining.mine_handovers(matcher, pairs, threshold, min_count=min_count)
    found.sort(key=lambda p: (-len(p.members), p.question))
    session.execute(
        delete(BotProposal).where(BotProposal.shop_id == shop_id, BotProposal.status == "proposed")
    )
    now = utc_now()
    rows = [
        BotProposal(
            shop_id=shop_id,
            intent=p.intent,
            new_intent=p.new_intent,
            kind=p.kind,
            question=p.question,
            answer=p.answer,
            paraphrases=list(p.paraphrases),
            members=list(p.members),
            status="proposed",
            pool_before=_rate(pool, len(pairs)),
            created_at=now,
        )  # fmt: skip
        for p in found
    ]
    session.add_all(rows)
    session.flush()
    return MineOut(
        pairs=len(pairs), pool_answer_rate=_rate(pool, len(pairs)), proposals=[_view(r) for r in rows]
    )


def list_bot_proposals(session: Session, shop_id: str, status: str | None = None) -> list[ProposalOut]:
    """The shop's proposals, most asked first (undecided ones only when ``status='proposed'``)."""
    if status is not None and status not in ("proposed", "approved", "rejected"):
        raise bad_argument("status", f"未知状态 {status}", f"unknown status {status}")
    q = select(BotProposal).where(BotProposal.shop_id == shop_id)
    if status:
        q = q.where(BotProposal.status == status)
    rows = list(session.scalars(q.order_by(BotProposal.id)))
    return [_view(r) for r in sorted(rows, key=lambda r: (-len(r.members), r.id))]


def decide_bot_proposal(session: Session, proposal_id: int, *, approve: bool, by: str,
                        answer: str | None = None) -> ProposalOut:  # fmt: skip
    """Approve (the proposal's wordings become the shop's FAQ rows, or for a hand-over proposal its
    intent's negatives; the effect is measured at once) or reject a proposal. A new intent needs an
    answer: the mined one or ``answer``."""
    p = session.get(BotProposal, proposal_id)
    if p is None:
        raise not_found("提议 / proposal", proposal_id)
    if p.status != "proposed":
        raise bad_argument("proposal", f"已处理 ({p.status})", f"already decided ({p.status})")
    p.decided_at, p.decided_by = utc_now(), by
    if not approve:
        p.status = "rejected"
        session.flush()
        return _view(p)
    text = (answer if answer is not None else p.answer).strip()
    if p.new_intent and not text:
        raise bad_argument("answer", "新意图需要答案", "a new intent needs an answer")
    if answer is not None:
        p.answer = text
    for q in p.paraphrases if p.kind == "faq" else ():
        session.add(
            FaqPair(shop_id=p.shop_id, intent=p.intent, question=str(q), answer=text if p.new_intent else "")
        )
    p.status = "approved"
    session.flush()
    matcher, threshold, _ = shop_bot(session, p.shop_id)
    p.answered_after = mining.answered_count(matcher, (str(m) for m in p.members), threshold)
    pairs = _pairs(session, p.shop_id)
    p.pool_after = _rate(mining.answered_count(matcher, (x.question for x in pairs), threshold), len(pairs))
    session.flush()
    return _view(p)
