"""``kefu credit reconcile``: our agent-day figures from imported data beside the platform's own, with the rule
that explains each difference.

Why: a shop trusts our figures only when every gap to 赤兔 / 生意参谋 has a reason it
recognises. Ours come from the same credit run as ``credit run --shop`` over the month;
theirs from the ``客服数据汇总-日数据`` sheet. A difference within the platform's printed
precision is none; any other is given the rule (from ``layouts/platform_daily.toml``,
filled with the shop's settings) that makes our figure lower or higher than theirs:
auto-replies, session gap, business hours, business day, credit window.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from kefu.credit.rules import CreditRules
from kefu.domain.errors import bad_rows
from kefu.domain.timeutil import month_bounds
from kefu.io.platform_daily import DailySheet, Figure, SheetLayout, SheetMetric, layout, read_daily_sheet
from kefu.service.credit.store import shop_rules
from kefu.service.imports import store
from kefu.service.imports.credit_run import shop_range_result

COLUMNS = ("agent", "day", "metric", "ours", "theirs", "diff", "reason")


@dataclass(frozen=True)
class ReconcileOut:
    file: Path
    rows: int  # agent × day × metric lines written
    differ: int  # lines whose figures differ beyond the platform's precision
    missing: int  # lines with a figure on one side only
    lines: list[list[str]]  # the file's lines without its header (a page shows them)


def reconcile(session: Session, shop_id: str, month: str, sheet_path: Path, out: Path) -> ReconcileOut:
    """Write ``out/reconcile.csv`` (agent,day,metric,ours,theirs,diff,reason); a sheet with bad rows is refused."""
    first, nxt = month_bounds(month)
    last = date.fromordinal(nxt.toordinal() - 1)
    sheet = read_daily_sheet(Path(sheet_path), first, last)
    if sheet.errors:
        raise bad_rows(sheet.name, sheet.errors)
    rules = shop_rules(session, shop_id)
    result, _ = shop_range_result(session, shop_id, first, last, rules)
    lay = layout()
    ours = _ours(result.agent_day, lay.metrics)
    theirs = _theirs(session, shop_id, sheet)
    worked = {(str(a), str(d)) for a, d in zip(result.agent_day["agent"], result.agent_day["day"], strict=True)}
    lines = _lines(ours, theirs, lay, _params(rules), worked)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "reconcile.csv"
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(lines)
    differ = sum(1 for r in lines if r[5] not in ("", "0") and r[3] != "" and r[4] != "")
    missing = sum(1 for r in lines if r[3] == "" or r[4] == "")
    return ReconcileOut(target, len(lines), differ, missing, lines)


Key = tuple[str, str, str]  # agent, day, metric


def _ours(agent_day: pd.DataFrame, metrics: tuple[SheetMetric, ...]) -> dict[Key, Decimal]:
    out: dict[Key, Decimal] = {}
    for row in agent_day[agent_day["agent"] != ""].to_dict("records"):
        for m in metrics:
            value = row.get(m.name)
            if value is not None and not (isinstance(value, float) and pd.isna(value)):
                out[(str(row["agent"]), str(row["day"]), m.name)] = Decimal(str(value))
    return out


def _theirs(session: Session, shop_id: str, sheet: DailySheet) -> dict[Key, Figure]:
    """The sheet's figures keyed by our agent id (a sub-account no agent stands for keeps the 旺旺 name)."""
    agents = store.agent_directory(session)
    out: dict[Key, Figure] = {}
    for row in sheet.rows:
        agent = agents.resolve(shop_id, row.sub_account) or agents.resolve(shop_id, row.account) or row.account
        for metric, figure in row.figures.items():
            out[(agent, row.day.isoformat(), metric)] = figure
    return out


def _params(rules: CreditRules) -> dict[str, Any]:
    return {"gap_min": rules.session_gap_s // 60, "window_h": rules.credit_window_s // 3600,
            "aftersale_days": rules.aftersale_days, "from_h": rules.fast_rate_from_hour,
            "to_h": rules.fast_rate_to_hour, "cut_h": rules.day_cut_hour}  # fmt: skip


def _lines(ours: dict[Key, Decimal], theirs: dict[Key, Figure], lay: SheetLayout, params: dict[str, Any],
           days_with_chats: set[tuple[str, str]]) -> list[list[str]]:  # fmt: skip
    """One line per (agent, day, metric) present on either side, in agent, day, metric order."""
    order = {m.name: i for i, m in enumerate(lay.metrics)}
    by_name = {m.name: m for m in lay.metrics}
    keys = sorted(set(ours) | set(theirs), key=lambda k: (k[0], k[1], order[k[2]]))
    seen = {(a, d) for a, d, _ in ours} | days_with_chats
    lines = []
    for key in keys:
        metric = by_name[key[2]]
        mine, platform = ours.get(key), theirs.get(key)
        if mine is None or platform is None:
            why = "no_theirs" if platform is None else "no_base" if (key[0], key[1]) in seen else "no_ours"
            reason = _reason(lay, why, params)
            lines.append([*key, _text(mine, metric.places), _text(platform), "", reason])
            continue
        diff = mine - platform.value
        tolerance = Decimal(5) * Decimal(10) ** -(platform.places + 1)
        if abs(diff) < tolerance:
            lines.append([*key, _text(mine, metric.places), _text(platform), "0", ""])
            continue
        rule = metric.lower if diff < 0 else metric.higher
        lines.append([*key, _text(mine, metric.places), _text(platform), _text(diff, metric.places),
                      _reason(lay, rule, params)])  # fmt: skip
    return lines


def _text(value: Decimal | Figure | None, places: int | None = None) -> str:
    if value is None:
        return ""
    number, places = (value.value, value.places) if isinstance(value, Figure) else (value, places or 0)
    return str(number.quantize(Decimal(10) ** -places)) if places else str(int(number.to_integral_value()))


def _reason(lay: SheetLayout, key: str, params: dict[str, Any]) -> str:
    zh, en = lay.reasons[key]
    return f"{key}: {zh.format(**params)} / {en.format(**params)}"
