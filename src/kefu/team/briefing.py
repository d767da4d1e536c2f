"""Product briefings (seed 001 三): what agents must know before a product goes on sale.

A briefing holds the product's attributes, FAQ additions for the bot and a short
quiz. An agent acknowledges by passing the quiz; the briefing blocks nobody, but
the supervisor sees who has not acknowledged, and who was still missing at
launch, so the class can be repeated for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from kefu.domain.errors import bad_argument

PASS_SHARE = Decimal("0.8")  # share of quiz answers that must be right
MAX_ITEMS = 20


@dataclass(frozen=True)
class Question:
    text: str
    options: tuple[str, ...]
    answer: int  # index into options


def _text(value: Any, name: str, limit: int) -> str:
    text = str(value or "").strip()
    if not text or len(text) > limit:
        raise bad_argument(name, f"不能为空, 最多 {limit} 字", f"must be 1–{limit} characters")
    return text


def check_pairs(rows: Iterable[Mapping[str, Any]], first: str, second: str, what: str) -> list[tuple[str, str]]:
    """Attribute (name, value) or FAQ (question, answer) rows, each non-empty; at most ``MAX_ITEMS``."""
    out = [(_text(r.get(first), f"{what}.{first}", 200), _text(r.get(second), f"{what}.{second}", 1000))
           for r in rows]  # fmt: skip
    if len(out) > MAX_ITEMS:
        raise bad_argument(what, f"最多 {MAX_ITEMS} 条", f"at most {MAX_ITEMS} rows")
    return out


def check_quiz(rows: Iterable[Mapping[str, Any]]) -> list[Question]:
    """1–10 questions, each with 2–6 options and the index of the right one."""
    quiz = []
    for i, r in enumerate(rows, start=1):
        options = tuple(_text(o, f"quiz[{i}].options", 200) for o in (r.get("options") or []))
        if not 2 <= len(options) <= 6:
            raise bad_argument(f"quiz[{i}].options", "每题 2–6 个选项", "each question needs 2–6 options")
        answer = r.get("answer")
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(options):
            raise bad_argument(f"quiz[{i}].answer", "答案应为选项序号 (从 0 开始)", "answer must be an option index (from 0)")
        quiz.append(Question(_text(r.get("question"), f"quiz[{i}].question", 500), options, answer))
    if not 1 <= len(quiz) <= 10:
        raise bad_argument("quiz", "小测验须有 1–10 题", "the quiz needs 1–10 questions")
    return quiz


@dataclass(frozen=True)
class Grade:
    right: int
    total: int
    passed: bool
    wrong: tuple[int, ...]  # 0-based indexes of the questions answered wrongly


def grade(quiz: Sequence[Question], answers: Sequence[int]) -> Grade:
    """Mark the answers; passing needs ``PASS_SHARE`` of them right."""
    if len(answers) != len(quiz):
        raise bad_argument("answers", f"应回答全部 {len(quiz)} 题", f"answer all {len(quiz)} questions")
    wrong = tuple(i for i, (q, a) in enumerate(zip(quiz, answers, strict=True)) if q.answer != a)
    right = len(quiz) - len(wrong)
    return Grade(right, len(quiz), Decimal(right) >= PASS_SHARE * len(quiz), wrong)


@dataclass(frozen=True)
class AckRow:
    agent: str
    acknowledged_on: date | None
    state: str  # acknowledged | acknowledged_late | missing | missing_at_launch


def ack_rows(agents: Iterable[str], acked: Mapping[str, date], launch_on: date, today: date) -> list[AckRow]:
    """Each agent's state: acknowledged (late when after launch), missing, or still missing at launch."""
    out = []
    for agent in agents:
        day = acked.get(agent)
        if day is not None:
            out.append(AckRow(agent, day, "acknowledged_late" if day > launch_on else "acknowledged"))
        else:
            out.append(AckRow(agent, None, "missing_at_launch" if today >= launch_on else "missing"))
    return sorted(out, key=lambda r: (r.acknowledged_on is not None, r.agent))
