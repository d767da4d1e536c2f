"""Whether a buyer's message asks something, and which intents only ever answer questions.

Why (issue 21, fourth round): policy intents (是正品吗, 快递几天到, 发什么快递) answer questions;
problem intents (发错货了, 衣服有个洞, 显示签收了没收到) answer reports. A message that asks
nothing but lands on a policy intent is a statement — most often a complaint or an objection
(你们发的顺丰到付 我不想付钱, "it *is* fake"), which the policy answer does not serve. Which
intents are policy intents is read from the KB itself: the share of its questions that ask. So a
shop's own KB decides; no evaluation question is involved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# A question word or particle. (Also used to tell a clause that asks from context.)
ASKS = re.compile(
    r"吗|么|嘛|呢|什么|啥|怎|咋|多少|多久|多长|几|哪|谁|能不能|可不可以|是不是|有没有|会不会|要不要|行不行|不$|没$"
)
# Further ways to ask, for the whole-message test: A-not-A (发不发, 包邮不包邮), a choice (X还是Y),
# a tag seeking agreement (是吧, 对吧) or a request particle at the end of a clause (便宜点呗).
_ASKS_ALSO = re.compile(r"(\S{1,2})[不没]\1|还是|吧$|呗$")
# An intent whose KB questions ask at least this often answers questions only.
QUESTION_ONLY_SHARE = 0.9


def asks(prepared: str) -> bool:
    """Whether any clause (space-separated part of prepared text) of the message asks."""
    return any(ASKS.search(c) or _ASKS_ALSO.search(c) for c in prepared.split())


def question_only_intents(questions: Mapping[str, Iterable[str]]) -> list[str]:
    """Intents (prepared KB questions per intent) whose questions nearly all ask."""
    out = []
    for intent, qs in questions.items():
        flags = [asks(q) for q in qs]
        if flags and sum(flags) / len(flags) >= QUESTION_ONLY_SHARE:
            out.append(intent)
    return sorted(out)
