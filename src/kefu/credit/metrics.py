"""Metric catalogue: name, Chinese label, delay; derived rates; provisional marking.

Why a catalogue: reports, the API and the KPI scheme refer to metrics by name, and
each figure for day D is only final once its delay has passed (询单 needs the next
day's orders, 最终付款 four days of payments). ``provisional`` says which are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from kefu.credit.rules import CreditRules


@dataclass(frozen=True)
class Metric:
    name: str
    zh: str
    delay_days: int  # figure for day D is final at local midnight starting D + delay_days
    kind: str = "count"  # count | fen | ms | rate | flag


CATALOGUE: tuple[Metric, ...] = (
    Metric("received", "接入人数", 1),
    Metric("receptions", "接待人数", 1),
    Metric("msgs_in", "买家消息数", 1),
    Metric("msgs_out", "客服回复数", 1),
    Metric("inquiries", "询单人数", 1),
    Metric("inq_ordered_same_day", "询单→当日下单人数", 1),
    Metric("inq_ordered_final", "询单→最终下单人数", 2),
    Metric("inq_paid_next_day", "询单→次日付款人数", 2),
    Metric("inq_paid_final", "询单→最终付款人数", 4),
    Metric("placed_orders", "落实下单数", 1),
    Metric("placed_fen", "落实下单金额", 1, "fen"),
    Metric("placed_paid", "落实下单已付款数", 4),
    Metric("paid_orders", "落实付款数", 1),
    Metric("paid_fen", "落实付款金额", 1, "fen"),
    Metric("credited_orders", "业绩订单数", 1),
    Metric("sales_fen", "销售额", 1, "fen"),
    Metric("paying_buyers", "付款人数", 1),
    Metric("items", "件数", 1),
    Metric("assists", "协助数", 1),
    Metric("rounds", "问答轮数", 1),
    Metric("answered", "已回复轮数", 1),
    Metric("resp_sum_ms", "响应时间合计(毫秒)", 1, "ms"),
    Metric("slow_rounds", "慢响应次数", 1),
    Metric("fast_base", "3分钟响应基数", 1),
    Metric("fast_rounds", "3分钟内响应轮数", 1),
    Metric("first_resp_n", "首次响应次数", 1),
    Metric("first_resp_sum_ms", "首次响应合计(毫秒)", 1, "ms"),
    Metric("max_concurrent", "最大同时接待", 1),
    # derived
    Metric("reply_rate", "回复率", 1, "rate"),
    Metric("inq_conv_same_day", "询单→当日下单转化率", 1, "rate"),
    Metric("inq_conv_order_final", "询单→最终下单转化率", 2, "rate"),
    Metric("inq_conv_pay_next_day", "询单→次日付款转化率", 2, "rate"),
    Metric("inq_conv_pay_final", "询单→最终付款转化率", 4, "rate"),
    Metric("order_to_pay", "下单→付款转化率", 4, "rate"),
    Metric("aov_fen", "客单价", 1, "fen"),
    Metric("items_per_buyer", "客件数", 1, "rate"),
    Metric("avg_resp_s", "平均响应时间(秒)", 1, "rate"),
    Metric("first_resp_s", "首次响应时间(秒)", 1, "rate"),
    Metric("answer_ratio", "答问比", 1, "rate"),
    Metric("fast_rate", "3分钟响应率", 1, "rate"),
    Metric("slow_response", "慢响应", 1, "flag"),
)
BY_NAME = {m.name: m for m in CATALOGUE}
SUMMED = [m.name for m in CATALOGUE if m.kind != "rate" and m.name not in ("aov_fen", "slow_response")]


def ratio(num: int, den: int, places: int = 4) -> Decimal | None:
    """num ÷ den rounded half-up; None when there is nothing to divide by."""
    if den == 0:
        return None
    q = Decimal(10) ** -places
    return (Decimal(int(num)) / Decimal(int(den))).quantize(q, rounding=ROUND_HALF_UP)


def ratios(num: object, den: object, places: int = 4) -> list[Decimal | None]:
    """Column-wise :func:`ratio`: exact integer half-up rounding in numpy, Decimal only at the end."""
    n = np.asarray(num, dtype=np.int64)
    d = np.asarray(den, dtype=np.int64)
    safe = np.where(d == 0, 1, d)
    scaled = np.abs(n) * (2 * 10**places)
    q = np.sign(n) * ((scaled + safe) // (2 * safe))
    # one Decimal per distinct value (a month of agent-days repeats the same few thousand rates)
    uniq, inverse = np.unique(q, return_inverse=True)
    values = np.empty(len(uniq) + 1, dtype=object)
    values[:-1] = [Decimal(v).scaleb(-places) for v in uniq.tolist()]
    out: list[Decimal | None] = values[np.where(d == 0, len(uniq), inverse)].tolist()
    return out


def derive(frame: pd.DataFrame, rules: CreditRules) -> pd.DataFrame:
    """Add the derived rates to summed counts (works for daily rows and monthly sums alike)."""
    f = frame.copy()
    c = {name: f[name].to_numpy(dtype=np.int64) for name in SUMMED if name in f.columns}
    f["reply_rate"] = ratios(c["receptions"], c["received"])
    f["inq_conv_same_day"] = ratios(c["inq_ordered_same_day"], c["inquiries"])
    f["inq_conv_order_final"] = ratios(c["inq_ordered_final"], c["inquiries"])
    f["inq_conv_pay_next_day"] = ratios(c["inq_paid_next_day"], c["inquiries"])
    f["inq_conv_pay_final"] = ratios(c["inq_paid_final"], c["inquiries"])
    f["order_to_pay"] = ratios(c["placed_paid"], c["placed_orders"])
    f["aov_fen"] = [None if v is None else int(v) for v in ratios(c["sales_fen"], c["paying_buyers"], 0)]
    f["items_per_buyer"] = ratios(c["items"], c["paying_buyers"], 2)
    f["avg_resp_s"] = ratios(c["resp_sum_ms"], c["answered"] * 1000, 1)
    f["first_resp_s"] = ratios(c["first_resp_sum_ms"], c["first_resp_n"] * 1000, 1)
    f["answer_ratio"] = ratios(c["msgs_out"], c["msgs_in"], 2)
    f["fast_rate"] = ratios(c["fast_rounds"], c["fast_base"])
    f["slow_response"] = (f["slow_rounds"] >= rules.slow_reply_times).astype("int64")
    return f


def final_after(day: date, metric: str, rules: CreditRules) -> datetime:
    """The moment the figure of ``metric`` for business ``day`` stops changing."""
    start = datetime.combine(day + timedelta(days=BY_NAME[metric].delay_days), datetime.min.time(), rules.tz)
    return start + timedelta(hours=rules.day_cut_hour)


def provisional(days: list[date], as_of: datetime, rules: CreditRules) -> pd.DataFrame:
    """One row per (day, metric) whose figure is not final at ``as_of``."""
    rows = [
        {"day": d.isoformat(), "metric": m.name, "final_after": final_after(d, m.name, rules).isoformat()}
        for d in sorted(set(days))
        for m in CATALOGUE
        if final_after(d, m.name, rules) > as_of
    ]
    return pd.DataFrame(rows, columns=["day", "metric", "final_after"])
