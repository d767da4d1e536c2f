"""Sound-based typo repair for the FAQ bot: 发或 → 发货, 顺风 → 顺丰.

Why so narrow (issue 21): repair that rewrites correct text does more harm than the slips it
fixes (下单是 → 下但是, 降价的话 → 降假的话). So a pair of characters is replaced only by a KB
word that sounds the same, only where the pair is not itself a KB word, never across a function
character, and a two-character dictionary word only when it is rare. The bot asks for repair
only when the message as typed matched nothing.

Pure: plain data in, plain data out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from kefu.care import bot_index as bi
from kefu.care import bot_text as bt

# A two-character dictionary word may be replaced only when it is this rare
# (顺风 148 → 顺丰), never a common one (那天 2224 stays 那天).
REPAIR_MAX_FREQ = 1000
# Characters too common to be half of a typo (款是 is 款 + 是, not a slip for 款式).
FUNCTION_CHARS = frozenset("是的了吗呢吧啊呀我你他她在有就都也和跟不没这那个")


class SoundRepair:
    """Replace sound-alike slips by the KB's most frequent word of the same pinyin."""

    def __init__(self, lexicon: bt.Lexicon, frequency: Mapping[str, int], pinyin: Mapping[str, str],
                 kb_words: Counter[str]) -> None:  # fmt: skip
        self.lexicon = lexicon
        self.frequency = frequency
        self.pinyin = pinyin
        self.kb_words = frozenset(kb_words)
        self.homophones: dict[str, str] = {}
        for word, _ in kb_words.most_common():  # the most frequent KB word wins its sound
            if len(word) == 2 and word not in bi.STOPWORDS and all(ch in pinyin for ch in word):
                self.homophones.setdefault(self._key(word), word)

    def __call__(self, text: str) -> str:
        """``text`` (space-separated chunks) with slips repaired inside each chunk."""
        return " ".join(self._chunk(chunk) for chunk in text.split())

    def _key(self, word: str) -> str:
        return "_".join(self.pinyin.get(ch, ch) for ch in word)

    def _chunk(self, chunk: str) -> str:
        words = self.lexicon.segment(chunk)
        out: list[str] = []
        i = 0
        while i < len(words):
            w, pair = words[i], None
            if len(w) == 2 and w not in self.kb_words:
                pair = w if self.frequency.get(w, 0) < REPAIR_MAX_FREQ else None
            elif len(w) == 1 and i + 1 < len(words) and len(words[i + 1]) == 1:
                pair = w + words[i + 1]
                if pair in self.kb_words or w in FUNCTION_CHARS or words[i + 1] in FUNCTION_CHARS:
                    pair = None
            target = self.homophones.get(self._key(pair)) if pair and _cjk(pair) else None
            if pair and target and target != pair:
                out.append(target)
                i += 2 if len(w) == 1 else 1
                continue
            out.append(w)
            i += 1
        return "".join(out)


def _cjk(s: str) -> bool:
    return all("\u3400" <= ch <= "\u9fff" for ch in s)
