"""Learn from the shop's own chats: frequent buyer questions the bot cannot answer yet.

What 店小蜜 does from 聊天记录, in the open: pair every buyer message with the agent's
next human reply, keep the messages the bot hands over, group wordings that say the same
thing (character-bigram Jaccard over the bot's own reading, greedy leader clustering from
the most frequent wording down), and propose per frequent group either new paraphrases of
an existing intent (when the bot already ranks one intent first for most of the group) or a
new intent whose answer is the agents' most common reply. The other way round, messages the
bot *does* answer but agents answered by hand with something else (赠品没收到: the gift policy,
against "我帮您查一下 马上补发") are grouped the same way and proposed as **hand-over examples** of
the intent the bot answers them with (issue 21, sixth round): once approved they are that
intent's negatives in the shop's KB, which both the index (they win as out-of-scope) and the
"needs a person" gate (it trains on every negative) learn from. The supervisor approves or
rejects each proposal; the service measures the answer rate before and after. Pure.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kefu.care import bot_text as bt
from kefu.care.bot import OUT_OF_SCOPE, BotMode, FaqMatcher

# Two wordings belong together when their bigram sets overlap this much (Jaccard).
SIMILARITY = 0.45
# A group is worth a proposal when it was asked at least this often.
MIN_COUNT = 3
# Paraphrases proposed per group (the most frequent distinct wordings).
MAX_PARAPHRASES = 5
# The bot's first-ranked intent is proposed as the home of a group when it ranks first for at
# least this share of the group's messages.
INTENT_SHARE = 0.6
# An agent's reply "says the bot's answer" when at least this share of its character bigrams occur in
# the answer; below it the agent answered something else, by hand.
REPLY_CONTAINED = 0.3


@dataclass(frozen=True)
class ChatMessage:
    conversation: int
    direction: str  # in (buyer) | out (agent or bot)
    text: str
    automatic: bool = False  # auto-reply or bot message: not an agent's answer


@dataclass(frozen=True)
class QaPair:
    question: str
    answer: str  # the agent's next human reply ("" when none came)


@dataclass(frozen=True)
class Proposal:
    intent: str
    new_intent: bool
    question: str
    answer: str
    paraphrases: tuple[str, ...]
    members: tuple[str, ...]  # every buyer message of the group (with repeats); none answered now
    kind: str = "faq"  # faq (answer these) | handover (the bot answers these; agents did otherwise)


def qa_pairs(messages: Iterable[ChatMessage]) -> list[QaPair]:
    """Buyer message → the next human agent message in the same conversation (messages in time order)."""
    by_conv: dict[int, list[ChatMessage]] = {}
    for m in messages:
        by_conv.setdefault(m.conversation, []).append(m)
    pairs: list[QaPair] = []
    for msgs in by_conv.values():
        for i, m in enumerate(msgs):
            if m.direction != "in" or not m.text.strip():
                continue
            reply = next((n.text for n in msgs[i + 1 :] if n.direction == "out" and not n.automatic), "")
            pairs.append(QaPair(m.text.strip(), reply.strip()))
    return pairs


def _grams(matcher: FaqMatcher, text: str) -> frozenset[str]:
    fields = matcher.reader.fields(bt.prepare(text).text)
    return frozenset(fields["c"]) | frozenset(fields["w"])


def mine(matcher: FaqMatcher, pairs: Sequence[QaPair], threshold: float, *, min_count: int = MIN_COUNT,
         similarity: float = SIMILARITY, skip: frozenset[str] = frozenset()) -> list[Proposal]:  # fmt: skip
    """Proposals for frequent groups of buyer messages the bot hands over, most asked first; never a
    wording in ``skip`` (the shop's approved hand-over wordings: the supervisor wants them handed over)."""
    answered: dict[str, bool] = {}
    for p in pairs:
        if p.question not in answered:
            answered[p.question] = matcher.reply(p.question, BotMode.BOT_FIRST, threshold=threshold).answered
    missed = [p for p in pairs if not answered[p.question] and p.question not in skip]
    counts = Counter(p.question for p in missed)
    replies = _replies(missed)
    out: list[Proposal] = []
    for leader, wordings, total in _groups(matcher, counts, similarity, min_count):
        members = tuple(m for w in wordings for m in [w] * counts[w])
        firsts = Counter(
            r[0].intent for w in wordings for r in [matcher.rank(w, top=1)] if r for _ in range(counts[w])
        )
        intent, n = firsts.most_common(1)[0] if firsts else ("", 0)
        top_answer = _top_reply(replies, wordings)
        paraphrases = tuple(sorted(wordings, key=lambda w: (-counts[w], w))[:MAX_PARAPHRASES])
        if intent and intent != OUT_OF_SCOPE and n / total >= INTENT_SHARE:
            out.append(Proposal(intent, False, leader, "", paraphrases, members))
        elif top_answer:
            new_id = "mined_" + hashlib.sha1(leader.encode("utf-8")).hexdigest()[:8]
            out.append(Proposal(new_id, True, leader, top_answer, paraphrases, members))
    out.sort(key=lambda p: (-len(p.members), p.question))
    return out


def mine_handovers(matcher: FaqMatcher, pairs: Sequence[QaPair], threshold: float, *,
                   min_count: int = MIN_COUNT, similarity: float = SIMILARITY) -> list[Proposal]:  # fmt: skip
    """Hand-over proposals: frequent groups of buyer messages the bot answers with one intent while the
    agent's reply does not say that intent's answer (it answered the case by hand), most asked first."""
    by_hand: dict[str, str] = {}  # wording → the intent the bot answers it with
    kept: list[QaPair] = []
    for p in pairs:
        if not p.answer:
            continue
        r = matcher.reply(p.question, BotMode.BOT_FIRST, threshold=threshold)
        if r.answered and r.intent and "+" not in r.intent and not _says(p.answer, r.answer or ""):
            by_hand[p.question] = r.intent
            kept.append(p)
    counts = Counter(p.question for p in kept)
    replies = _replies(kept)
    out: list[Proposal] = []
    for leader, wordings, _ in _groups(matcher, counts, similarity, min_count):
        intents = Counter(by_hand[w] for w in wordings for _ in range(counts[w]))
        intent = intents.most_common(1)[0][0]
        own = tuple(w for w in wordings if by_hand[w] == intent)  # an intent's negatives are its own
        paraphrases = tuple(sorted(own, key=lambda w: (-counts[w], w))[:MAX_PARAPHRASES])
        members = tuple(m for w in own for m in [w] * counts[w])
        out.append(Proposal(intent, False, leader, _top_reply(replies, own), paraphrases, members, "handover"))
    out.sort(key=lambda p: (-len(p.members), p.question))
    return out


def _says(reply: str, answer: str) -> bool:
    """Whether the agent's reply says the bot's answer: enough of its character bigrams (as the bot reads
    text: slots in place, punctuation out) occur in the answer. A reply too short to tell (好的) says it."""
    r, a = (bt.prepare(x).text.replace(" ", "") for x in (reply, answer))
    grams = {r[i : i + 2] for i in range(len(r) - 1)}
    return len(grams) < 2 or sum(g in a for g in grams) / len(grams) >= REPLY_CONTAINED


def _groups(matcher: FaqMatcher, counts: Counter[str], similarity: float,
            min_count: int) -> list[tuple[str, tuple[str, ...], int]]:  # fmt: skip
    """Greedy leader clustering of the wordings, most frequent first: (leader, wordings, messages), only the
    groups asked at least ``min_count`` times."""
    leaders: list[tuple[str, frozenset[str], list[str]]] = []
    for q, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        g = _grams(matcher, q)
        if not g:
            continue
        for _, lg, group in leaders:
            if len(g & lg) / len(g | lg) >= similarity:
                group.append(q)
                break
        else:
            leaders.append((q, g, [q]))
    totals = [(leader, tuple(group), sum(counts[w] for w in group)) for leader, _, group in leaders]
    return [g for g in totals if g[2] >= min_count]


def _replies(pairs: Iterable[QaPair]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for p in pairs:
        if p.answer:
            out.setdefault(p.question, Counter())[p.answer] += 1
    return out


def _top_reply(replies: Mapping[str, Counter[str]], wordings: Iterable[str]) -> str:
    """The agents' most common reply to a group's wordings ("" when none)."""
    answer = sum((replies.get(w, Counter()) for w in wordings), Counter())
    return answer.most_common(1)[0][0] if answer else ""


def answered_count(matcher: FaqMatcher, questions: Iterable[str], threshold: float) -> int:
    """How many of the messages the bot answers (bot_first) — the before/after measure of a proposal."""
    cache: dict[str, bool] = {}
    n = 0
    for q in questions:
        if q not in cache:
            cache[q] = matcher.reply(q, BotMode.BOT_FIRST, threshold=threshold).answered
        n += cache[q]
    return n
