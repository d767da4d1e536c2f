"""KPI and pay for a month: monthly metrics from the credit run, scheme scoring, payslips with evidence.

A month still in progress (the shop's today falls in it) is scored to date: targets of figures that
add up over the month are prorated to the days gone by (:func:`kefu.credit.kpi.prorated`).

Attendance and overtime belong to other areas (live presence, overtime law); they come
in through hooks so this module never guesses them. By default the hooks read the live
floor's records (:mod:`kefu.service.credit.attendance`); a missing attendance figure (no
roster) scores 0 on its item and the report says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from kefu.credit import metrics as mx
from kefu.credit.kpi import AgentScore, Scheme, grade_all, prorated
from kefu.credit.pay import Ledger, Payslip, payslip
from kefu.credit.pipeline import CreditResult
from kefu.domain.timeutil import business_day, month_bounds, month_span, utc_now
from kefu.service import access
from kefu.service.credit import store
from kefu.service.credit.actions import month_or_now, run_month
from kefu.service.credit.actions_claims import claims_report
from kefu.service.credit.attendance import attendance_from_presence, overtime_from_bookings
from kefu.service.credit.schemas import GradeOut, PayLineOut, PayOut, PayslipOut
from kefu.service.credit.schemes import resolve_scheme
from kefu.service.imports.actions import PhoneFigures, phone_figures

ADDITIVE = frozenset(mx.SUMMED) - {"max_concurrent"}  # figures that add up over the month's days
OvertimeHook = Callable[[str, str], tuple[int, list[str]]]  # (agent, month) → (fen, evidence)
AttendanceHook = Callable[[str, str], float | None]  # (agent, month) → share of scheduled days worked


@dataclass(frozen=True)
class MonthPay:
    month: str
    scheme: Scheme
    credit: CreditResult
    monthly: pd.DataFrame  # one row per agent: summed counts + derived rates (+ csat, attendance, phone)
    scores: list[AgentScore]
    payslips: list[Payslip]
    elapsed: tuple[int, int] = (1, 1)  # (days gone by, days in the month): a month in progress is scored to date


def monthly_metrics(agent_day: pd.DataFrame, credit: CreditResult) -> pd.DataFrame:
    """Sum the daily counts per agent over the month and derive the rates from the sums."""
    if agent_day.empty:
        return pd.DataFrame(columns=["agent", *mx.SUMMED])
    summed = agent_day.groupby("agent", as_index=False)[[c for c in mx.SUMMED if c != "max_concurrent"]].sum()
    summed["max_concurrent"] = agent_day.groupby("agent")["max_concurrent"].max().to_numpy()
    return mx.derive(summed, credit.rules)


def with_phone(monthly: pd.DataFrame, figures: list[PhoneFigures]) -> pd.DataFrame:
    """Phone metrics (imported call records) beside the chat metrics, for schemes that weigh them.

    Columns phone_answered, phone_outbound, phone_talk_s, phone_answer_rate, phone_avg_talk_s
    (None where the agent took no calls, which a scheme scores as missing).
    """
    per = {f.agent: f for f in figures if f.agent}
    if not per:
        return monthly
    out = monthly.copy()
    found = [per.get(a) for a in out["agent"]]
    columns: dict[str, list[object]] = {
        "phone_answered": [f.answered if f else None for f in found],
        "phone_outbound": [f.outbound if f else None for f in found],
        "phone_talk_s": [f.talk_s if f else None for f in found],
        "phone_answer_rate": [f.answer_rate if f else None for f in found],
        "phone_avg_talk_s": [f.avg_talk_s if f else None for f in found],
    }
    for name, values in columns.items():
        out[name] = pd.Series(values, index=out.index, dtype=object)
    return out


def _csat(session: Session, start: datetime, end: datetime) -> dict[str, float]:
    """Share of answered surveys scoring 4–5, per agent."""
    rows = store.survey_scores(session, start, end)
    per: dict[str, list[int]] = {}
    for agent, score in rows:
        if agent:
            per.setdefault(agent, []).append(int(score or 0))
    return {a: sum(1 for s in v if s >= 4) / len(v) for a, v in per.items()}


def month_pay(
    session: Session,
    month: str,
    scheme: Scheme | str = "standard",
    shop_id: str | None = None,
    overtime: OvertimeHook | None = None,
    attendance: AttendanceHook | None = None,
) -> MonthPay:
    """The month's KPI and payslips. Overtime and attendance default to the live floor's records
    (:mod:`kefu.service.credit.attendance`); pass hooks to take them from elsewhere (e.g. an HR system)."""
    chosen = resolve_scheme(session, scheme, month) if isinstance(scheme, str) else scheme
    overtime = overtime or overtime_from_bookings(session, lambda a: chosen.base_fen_by_agent.get(a, chosen.base_fen))
    attendance = attendance or attendance_from_presence(session)
    credit = run_month(session, month, shop_id)
    first, nxt = month_bounds(month)
    start, end = month_span(month, credit.rules.tz)
    today = business_day(utc_now(), tz=credit.rules.tz)
    elapsed = ((today - first).days + 1 if first <= today < nxt else (nxt - first).days, (nxt - first).days)
    scheme = prorated(chosen, Decimal(elapsed[0]) / Decimal(elapsed[1]), ADDITIVE)
    monthly = monthly_metrics(credit.agent_day, credit)
    csat = _csat(session, start, end)
    monthly["csat"] = [round(csat[a], 4) if a in csat else None for a in monthly["agent"]]
    monthly["attendance"] = [attendance(a, month) for a in monthly["agent"]]
    monthly = with_phone(monthly, phone_figures(session, start, end, shop_id))
    probation = set(monthly["agent"]) & store.probation_agents(session)
    values = {r["agent"]: r for r in monthly.to_dict("records")}
    scores = grade_all(values, scheme, probation)
    by_agent = {s.agent: s for s in scores}
    ledger: dict[str, list[Ledger]] = {}
    for e in store.ledger_entries(session, first, nxt):
        ledger.setdefault(e.agent_id, []).append(Ledger(e.id, e.amount_fen, e.kind, e.reason, e.evidence))
    ev = credit.evidence
    days = {d.isoformat() for d in pd.date_range(first, date.fromordinal(nxt.toordinal() - 1)).date}
    paid_day = ev[ev["paid_day"].isin(days)]
    slips = []
    for agent in sorted(set(monthly["agent"]) | set(ledger)):
        if not agent:
            continue
        row = values.get(agent, {})
        sold = paid_day[paid_day["credited_agent"] == agent]
        orders = sold["order_id"].tolist()
        ot_fen, ot_ev = overtime(agent, month)
        slip = payslip(agent, month, scheme, by_agent.get(agent), int(row.get("sales_fen", 0) or 0), orders,
                       ledger.get(agent, []), ot_fen, ot_ev)  # fmt: skip
        slips.append(slip)
    return MonthPay(month, scheme, credit, monthly, scores, slips, elapsed)


def kpi_workbook(
    session: Session, month: str, path: Path, scheme: Scheme | str = "standard", shop_id: str | None = None
) -> tuple[Path, str]:
    """Compute the month and write the workbook; returns (path, one-line summary)."""
    from kefu.io.kpi_report import write_kpi_report  # local: openpyxl loads only for the workbook

    mp = month_pay(session, month, scheme, shop_id)
    score = {s.agent: s for s in mp.scores}
    pay = {p.agent: p.total_fen for p in mp.payslips}
    agents = mp.monthly.copy()
    agents["score"] = [score[a].total if a in score else None for a in agents["agent"]]
    agents["grade"] = [
        ("试用期" if score[a].excluded else score[a].grade) if a in score else "" for a in agents["agent"]
    ]
    agents["pay_fen"] = [pay.get(a) for a in agents["agent"]]
    first, nxt = month_bounds(month)
    ev = mp.credit.evidence.merge(mp.credit.order_credit.drop(columns=["credited_agent"]), on="order_id")
    in_month = ev["paid_day"].between(first.isoformat(), (nxt - timedelta(days=1)).isoformat())
    orders = ev[in_month | (ev["paid_day"] == "")][
        ["order_id", "shop", "buyer", "order_agent", "payment_agent", "credited_agent", "silent", "sale_fen",
         "paid_day", "order_session_end", "payment_session_end"]
    ]  # fmt: skip
    lines = pd.DataFrame(
        [
            {"agent": p.agent, "kind": line.kind, "label": line.label, "amount_fen": line.amount_fen,
             "evidence": _evidence_text(line.evidence)}
            for p in mp.payslips for line in p.lines
        ],
        columns=["agent", "kind", "label", "amount_fen", "evidence"],
    )  # fmt: skip
    claims = claims_report(session, month, mp.credit, shop_id=shop_id)
    out = write_kpi_report(
        path,
        month,
        agents,
        mp.credit.agent_day,
        orders,
        lines,
        claims,
        mp.credit.shop_day,
        mp.credit.provisional,
    )
    summary = f"{month}: {len(agents)} agents, {len(orders)} orders, {len(claims)} claim mismatches, scheme {mp.scheme.name}"
    if mp.elapsed[0] < mp.elapsed[1]:
        summary += f" (month in progress: monthly targets prorated to {mp.elapsed[0]}/{mp.elapsed[1]} days)"
    return out, summary


def pay_workbook(
    session: Session, month: str, path: Path, scheme: Scheme | str = "standard", shop_id: str | None = None
) -> tuple[Path, str]:
    """``kefu report pay`` and the performance page's 工资表 button: the month's payslips in 元 → ``path``."""
    from kefu.io.pay_report import write_pay_report  # local: openpyxl loads only for the workbook

    mp = month_pay(session, month, scheme, shop_id)
    names = store.agent_names(session)
    score = {s.agent: s for s in mp.scores}
    slips, lines = [], []
    for p in mp.payslips:
        s = score.get(p.agent)
        row: dict[str, object] = {"agent": p.agent, "name": names.get(p.agent, p.agent), "total_fen": p.total_fen,
                                  "grade": "" if s is None else "试用期" if s.excluded else s.grade,
                                  "score": None if s is None else float(s.total), "notes": " ".join(p.notes)}
        for line in p.lines:
            row[line.kind] = int(row.get(line.kind, 0) or 0) + line.amount_fen  # type: ignore[call-overload]
            lines.append({"agent": p.agent, "name": row["name"], "kind": line.kind, "label": line.label,
                          "amount_fen": line.amount_fen, "evidence": _evidence_text(line.evidence)})
        slips.append(row)
    out = write_pay_report(path, month, f"{mp.scheme.name} v{mp.scheme.version}", slips, lines)
    total = sum(p.total_fen for p in mp.payslips)
    return out, f"{month}: {len(slips)} payslips, total {total / 100:,.2f} yuan, scheme {mp.scheme.name}"


def _evidence_text(evidence: tuple[str, ...], shown: int = 50) -> str:
    """An Excel cell holds at most 32,767 characters: the first ``shown`` items and how many more."""
    more = len(evidence) - shown
    return " ".join(evidence[:shown]) + (f" … (+{more})" if more > 0 else "")


def pay(session: Session, viewer: access.Viewer, month: str | None, scheme: str = "standard") -> PayOut:
    """``GET /credit/pay``: payslips with every line's evidence and the grades (an agent gets only their own)."""
    mp = month_pay(session, month_or_now(month), scheme)
    slips = [
        PayslipOut(agent=p.agent, total_fen=p.total_fen, excluded_from_kpi=p.excluded_from_kpi, notes=list(p.notes),
                   lines=[PayLineOut(kind=x.kind, label=x.label, amount_fen=x.amount_fen, evidence=list(x.evidence))
                          for x in p.lines])
        for p in mp.payslips if access.sees_agent(viewer, p.agent)
    ]  # fmt: skip
    names = store.agent_names(session)
    grades = [GradeOut(agent=s.agent, name=names.get(s.agent, s.agent), score=str(s.total), grade=s.grade,
                       excluded=s.excluded)
              for s in mp.scores if access.sees_agent(viewer, s.agent)]  # fmt: skip
    return PayOut(month=mp.month, scheme=mp.scheme.name, version=mp.scheme.version, payslips=slips, grades=grades,
                  elapsed_days=mp.elapsed[0], month_days=mp.elapsed[1])
