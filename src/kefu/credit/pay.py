"""Payslips: base + points × rate + commission + overtime − fines + rewards, each line with its evidence.

Why lines with evidence: an agent who questions a payslip must be able to click from
the commission to the orders that earned it, and from a fine to the ledger entry.
All money is integer fen; rates are Decimal; rounding is half-up to the fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from kefu.credit.kpi import AgentScore, Scheme


@dataclass(frozen=True)
class Ledger:
    """A fine (negative) or reward (positive) from the ledger, as plain data."""

    id: int
    amount_fen: int
    kind: str  # fine | reward
    reason: str
    evidence: str = ""


@dataclass(frozen=True)
class PayLine:
    kind: str  # base | points | commission | overtime | fine | reward
    label: str
    amount_fen: int
    evidence: tuple[str, ...] = ()  # "order:…", "ledger:…", "kpi:metric", "overtime:…"


@dataclass(frozen=True)
class Payslip:
    agent: str
    month: str
    lines: tuple[PayLine, ...]
    excluded_from_kpi: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)


def fen(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def payslip(
    agent: str,
    month: str,
    scheme: Scheme,
    score: AgentScore | None,
    sales_fen: int,
    sales_orders: Sequence[str],
    ledger: Sequence[Ledger] = (),
    overtime_fen: int = 0,
    overtime_evidence: Sequence[str] = (),
) -> Payslip:
    """One agent's month. Agents on probation get no points bonus (seed 003: KPI starts after 转正)."""
    notes: list[str] = []
    base = scheme.base_fen_by_agent.get(agent, scheme.base_fen)
    lines = [PayLine("base", "底薪", base, (f"scheme:{scheme.name}@{scheme.version}",))]
    if score is None or score.excluded:
        notes.append("试用期不参与绩效积分 / on probation: no KPI points")
        points_fen = 0
        points_ev: tuple[str, ...] = ()
    else:
        points_fen = fen(score.total * scheme.point_fen)
        points_ev = tuple(f"kpi:{i.metric}={i.points}" for i in score.items)
    lines.append(
        PayLine("points", f"积分奖金 ({'0' if score is None else score.total} 分)", points_fen, points_ev)
    )
    lines.append(PayLine("commission", "销售提成", fen(Decimal(sales_fen) * scheme.commission),
                         tuple(f"order:{o}" for o in sales_orders)))  # fmt: skip
    lines.append(PayLine("overtime", "加班费", overtime_fen, tuple(overtime_evidence)))
    for entry in ledger:
        kind = "fine" if entry.amount_fen < 0 else "reward"
        label = ("罚款: " if kind == "fine" else "奖励: ") + entry.reason
        evidence = (f"ledger:{entry.id}",) + ((entry.evidence,) if entry.evidence else ())
        lines.append(PayLine(kind, label, entry.amount_fen, evidence))
    return Payslip(agent, month, tuple(lines), score is None or score.excluded, tuple(notes))
