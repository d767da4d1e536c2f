"""Seed 001's three record books and the fines/rewards ledger, as computations.

* 问题登记本 (issue register): agents log problems and ideas as they happen; the
  supervisor gets a weekly summary instead of collecting paper notebooks.
* 服务统计本 (service statistics): served, converted and conversion rate are
  *computed* from conversations and credited orders — typed numbers drift.
* 交接记录本 (handover log): entries plus the live handover rows, shown together.
* Fines and rewards: signed integer fen with a reason and evidence; pay reads them.
  Seed 001's ladder for playing games or chatting on duty is 10 元, then 30 元,
  then dismissal (``escalating_fine``).

Pure: plain data in, plain data out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from kefu.domain.errors import bad_argument

BOOKS = ("issues", "handover", "stats")
KINDS = ("problem", "idea", "note")
LEDGER_KINDS = ("fine", "reward")
FINE_LADDER_FEN = (1000, 3000)  # 1st and 2nd violation; the 3rd means dismissal


@dataclass(frozen=True)
class IssueFact:
    day: date
    author: str
    kind: str
    text: str


def check_entry(book: str, kind: str, text: str) -> None:
    if book not in BOOKS:
        raise bad_argument("book", f"未知记录本 {book}", f"unknown book {book}", allowed=list(BOOKS))
    if kind not in KINDS:
        raise bad_argument("kind", f"未知类型 {kind}", f"unknown kind {kind}", allowed=list(KINDS))
    if not text.strip():
        raise bad_argument("text", "内容不能为空", "text must not be empty")


def week_start(day: date) -> date:
    """Monday of the week containing ``day`` (the supervisor collects books weekly)."""
    return day - timedelta(days=day.weekday())


def weekly_issue_summary(entries: Iterable[IssueFact], monday: date) -> dict[str, object]:
    """Problems and ideas logged Monday–Sunday of one week, per author and in total."""
    if monday.weekday() != 0:
        raise bad_argument(
            "week", "周汇总应从周一开始", "week must start on a Monday", monday=monday.isoformat()
        )
    end = monday + timedelta(days=7)
    per_author: dict[str, dict[str, int]] = defaultdict(lambda: {k: 0 for k in KINDS})
    problems: list[dict[str, str]] = []
    ideas: list[dict[str, str]] = []
    for e in sorted(entries, key=lambda x: (x.day, x.author)):
        if not monday <= e.day < end:
            continue
        per_author[e.author][e.kind] += 1
        item = {"day": e.day.isoformat(), "author": e.author, "text": e.text}
        if e.kind == "problem":
            problems.append(item)
        elif e.kind == "idea":
            ideas.append(item)
    return {
        "week_start": monday.isoformat(),
        "week_end": (end - timedelta(days=1)).isoformat(),
        "problems": problems,
        "ideas": ideas,
        "per_author": {a: dict(c) for a, c in sorted(per_author.items())},
        "total": sum(sum(c.values()) for c in per_author.values()),
    }


@dataclass(frozen=True)
class ServedFact:
    """One buyer an agent talked to on the day."""

    agent_id: str
    buyer: str


@dataclass(frozen=True)
class CreditFact:
    """One paid order credited to an agent (落实下单/落实付款 per the credit engine)."""

    agent_id: str
    buyer: str
    order_id: str
    amount_fen: int


def service_stats(served: Iterable[ServedFact], credits: Iterable[CreditFact]) -> list[dict[str, object]]:
    """Per agent: distinct buyers served, distinct served buyers with a credited paid order,
    conversion rate (Decimal, 4 places), order count and amount. Orders credited to an
    agent who did not talk to that buyer that day count as orders but not as conversions."""
    buyers: dict[str, set[str]] = defaultdict(set)
    for s in served:
        buyers[s.agent_id].add(s.buyer)
    converted: dict[str, set[str]] = defaultdict(set)
    orders: dict[str, set[str]] = defaultdict(set)
    amount: dict[str, int] = defaultdict(int)
    for c in credits:
        if c.order_id not in orders[c.agent_id]:
            orders[c.agent_id].add(c.order_id)
            amount[c.agent_id] += c.amount_fen
        if c.buyer in buyers.get(c.agent_id, set()):
            converted[c.agent_id].add(c.buyer)
    rows: list[dict[str, object]] = []
    for agent in sorted(set(buyers) | set(orders)):
        n_served, n_conv = len(buyers.get(agent, set())), len(converted.get(agent, set()))
        rate = (
            (Decimal(n_conv) / Decimal(n_served)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
            if n_served
            else None
        )
        rows.append(
            {
                "agent_id": agent,
                "served": n_served,
                "converted": n_conv,
                "conversion_rate": rate,
                "orders": len(orders.get(agent, set())),
                "amount_fen": amount.get(agent, 0),
            }
        )
    return rows


def check_ledger_entry(kind: str, amount_fen: int, reason: str) -> None:
    """Fines are negative, rewards positive, never zero, always with a reason."""
    if kind not in LEDGER_KINDS:
        raise bad_argument("kind", f"未知类型 {kind}", f"unknown kind {kind}", allowed=list(LEDGER_KINDS))
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool):
        raise bad_argument("amount_fen", "金额必须是整数分", "amount must be integer fen")
    if kind == "fine" and amount_fen >= 0:
        raise bad_argument("amount_fen", "罚款金额应为负数(分)", "a fine must be negative fen")
    if kind == "reward" and amount_fen <= 0:
        raise bad_argument("amount_fen", "奖励金额应为正数(分)", "a reward must be positive fen")
    if not reason.strip():
        raise bad_argument("reason", "必须填写原因", "a reason is required")


def escalating_fine(previous_violations: int) -> int | None:
    """Seed 001: first violation −10 元, second −30 元; ``None`` = third, dismissal (a supervisor decision)."""
    if previous_violations < 0:
        raise bad_argument("previous_violations", "不能为负", "must not be negative")
    if previous_violations < len(FINE_LADDER_FEN):
        return -FINE_LADDER_FEN[previous_violations]
    return None
