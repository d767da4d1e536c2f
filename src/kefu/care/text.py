"""Chinese text features shared by the FAQ bot and the template search.

Buyers type on phones with pinyin input methods: homophone slips (发或 for
发货, 顺风 for 顺丰), emoji, full-width punctuation and pasted order numbers
are normal. The features here are chosen so that such noise still matches:

* ``normalise`` folds width and case (NFKC), drops long digit runs (order and
  tracking numbers carry no intent) and everything that is not a letter or digit;
* ``words`` segments with jieba (one lazily built, private tokenizer so that the
  shop's own words never leak into other areas' use of jieba, and its log stays quiet);
* ``char_bigrams`` survive segmentation differences between buyer text and KB text;
* ``pinyin_key`` lets the bot repair homophone typos (发或 → 发货);
* ``pinyin_initials`` power "wl" → 物流 search in the template library.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import jieba
from pypinyin import Style, lazy_pinyin

_CJK = re.compile(r"[\u3400-\u9fff]+")
_LONG_DIGITS = re.compile(r"\d{6,}")
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")

_lock = threading.Lock()
_tokenizer: Any = None
_added_words: set[str] = set()


def _jieba() -> Any:
    """The one private jieba tokenizer, built on first use (building costs ~1 s)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                _tokenizer = tok
    return _tokenizer


def add_words(words: Iterable[str]) -> None:
    """Teach the tokenizer shop vocabulary (运费险, 七天无理由 …); idempotent."""
    tok = _jieba()
    with _lock:
        for word in words:
            if word and word not in _added_words:
                tok.add_word(word, freq=20000)
                _added_words.add(word)


def word_freq(word: str) -> int:
    """jieba's dictionary frequency of a word (0 when unknown): how "real" a word is."""
    return int(_jieba().FREQ.get(word) or 0)


def cjk_runs(text: str) -> list[str]:
    return _CJK.findall(text)


def normalise(text: str) -> str:
    """Width/case-folded text with order numbers, emoji and punctuation replaced by spaces."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = _LONG_DIGITS.sub(" ", folded)
    return _NOT_WORD.sub(" ", folded).strip()


def words(text: str) -> list[str]:
    """jieba words of already-normalised text, without spaces.

    HMM new-word discovery is off: it glues unknown pairs such as 有券 or 改发
    into one token that no KB question contains; single characters match better.
    """
    tok = _jieba()
    return [w for w in tok.lcut(text, HMM=False) if w.strip()]


def char_bigrams(text: str) -> list[str]:
    """Adjacent character pairs inside each run of Chinese characters (a lone char counts as itself)."""
    grams: list[str] = []
    for run in _CJK.findall(text):
        if len(run) == 1:
            grams.append(run)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


@lru_cache(maxsize=8192)
def _run_pinyin(run: str) -> tuple[str, ...]:
    return tuple(str(p) for p in lazy_pinyin(run))


def pinyin_key(chars: str) -> str:
    """Toneless syllables joined by ``_`` ("发货" → "fa_huo"): the key homophones share."""
    return "_".join(_run_pinyin(chars))


@lru_cache(maxsize=8192)
def pinyin_initials(text: str) -> str:
    """First letter of each syllable ("物流" → "wl"); latin letters and digits are kept as they are."""
    parts = lazy_pinyin(normalise(text), style=Style.FIRST_LETTER)
    return "".join(str(p) for p in parts).replace(" ", "")


@lru_cache(maxsize=8192)
def pinyin_full(text: str) -> str:
    """Toneless syllables run together ("物流" → "wuliu"), for full-pinyin search."""
    return "".join(str(p) for p in lazy_pinyin(normalise(text))).replace(" ", "")
