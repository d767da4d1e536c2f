"""Topics the answering intent never speaks of: hand such a message over instead of answering it.

Why (issue 21, fourth round): the calibrated confidence scores what a message *shares* with an
intent; it does not ask what the message says that the intent does not. Unseen questions the KB
cannot answer mostly share a frame with an answerable one (这个裙子有内衬吗 reads like a fabric
question, 能用花呗分期吗 like a payment-time one) and name one thing the intent's questions and
answer never mention. So, after the matcher has chosen, a message is handed over when it holds a
**foreign topic** for the answering intents — a word of two or more characters that

* none of the answering intents' KB questions uses and their answers do not contain, and
* names a thing (not a verb, adverb, numeral …: 看看, 好像, 两次 are context), and
* is either a word the KB uses *only* in questions it hands over (its negatives and out-of-scope
  examples: 会员, 直播, 香港, ¬拒收 — "not refused", from a look-alike), or a dictionary noun the
  KB never uses at all that is not an everyday word (内衬, 信用卡, 驿站; 地方, 中心 are everyday).

Both lists come from the KB and jieba's dictionary, not from evaluation questions: a shop that
adds a paraphrase using 内衬 to an intent makes 内衬 that intent's word.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from kefu.care import bot_index as bi
from kefu.care import bot_text as bt

# A dictionary noun this common is an everyday word (地方, 中心, 时间), not a topic of its own.
EVERYDAY_FREQ = 20000


class ScopeGuard:
    """Finds the foreign topic of a message for the intents that would answer it."""

    def __init__(
        self,
        index: bi.Index,
        answers: Mapping[str, str],
        counts: Mapping[str, int],
        plain: Iterable[str],
        out_of_scope: str,
    ) -> None:
        owners: dict[str, set[str]] = defaultdict(set)
        for d in index.docs:
            for w in d.fields["w"]:
                owners[w].add(d.intent)
        self._handover_words = frozenset(w for w, s in owners.items() if s == {out_of_scope})
        self._kb_words = frozenset(owners)
        self._vocab = index.vocab
        self._answers = answers
        self._counts = counts
        self._plain = frozenset(plain)

    def foreign(self, words: Iterable[str], intents: Sequence[str]) -> str | None:
        """The first foreign topic among the message's words (BM25 word field), or None."""
        for w in words:
            base = w.removeprefix(bt.NEG)
            if len(base) < 2 or base in bt.SLOTS or base in bi.STOPWORDS:
                continue
            if any(w in self._vocab[i]["w"] or base in self._vocab[i]["w"] or base in self._answers.get(i, "")
                   for i in intents):  # fmt: skip
                continue
            if w in self._handover_words and (w != base or base not in self._plain):
                return w
            if base not in self._kb_words and self._is_rare_noun(base):
                return w
        return None

    def _is_rare_noun(self, word: str) -> bool:
        n = self._counts.get(word, 0)
        return 0 < n < EVERYDAY_FREQ and word not in self._plain
