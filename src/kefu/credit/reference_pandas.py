"""The pandas baseline: the same rules written the way an analyst would, with ``merge_asof``.

Why it lives in the package (not only in ``bench/``): the acceptance tests check that
the SQL engine and this independent implementation give identical credits on
simulator data, and the benchmark times it as the baseline — both import it from here.
It shares no code with the SQL engine except ``CreditRules``; it is deliberately
simple, not fast. It computes the credits and the core daily figures
(receptions, 落实下单/落实付款 counts, credited orders and sales).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kefu.credit.rules import CreditRules

PACK = 1 << 20


def _ns(col: pd.Series) -> pd.Series:
    """Any aware datetime column → datetime64[ns, UTC] so integer views are nanoseconds."""
    return pd.to_datetime(col, utc=True).dt.as_unit("ns")


def _sessions(messages: pd.DataFrame, rules: CreditRules) -> pd.DataFrame:
    m = messages[~messages["agent"].isin(rules.excluded_agents)].copy()
    m["out"] = m["direction"].eq("out")
    m["human"] = m["out"] & ~m["auto"].astype(bool)
    m = m.sort_values(["shop", "buyer", "agent", "ts", "out"], kind="stable")
    same = (
        m["shop"].eq(m["shop"].shift())
        & m["buyer"].eq(m["buyer"].shift())
        & m["agent"].eq(m["agent"].shift())
        & (m["ts"] - m["ts"].shift() < pd.Timedelta(seconds=rules.session_gap_s))
    )
    m["sid"] = (~same).cumsum()
    m["is_in"] = ~m["out"]
    return m.groupby("sid").agg(
        shop=("shop", "first"),
        buyer=("buyer", "first"),
        agent=("agent", "first"),
        start=("ts", "min"),
        end=("ts", "max"),
        served=("human", "any"),
        n_in=("is_in", "sum"),
    )


def _attribute(events: pd.DataFrame, serving: pd.DataFrame, rules: CreditRules) -> pd.Series:
    """Agent of the serving session that spans t, else ended last within the window; '' if none."""
    ev = events.dropna(subset=["t"]).sort_values("t")
    hit = pd.merge_asof(
        ev,
        serving[["shop", "buyer", "start", "best"]].sort_values("start"),
        left_on="t",
        right_on="start",
        by=["shop", "buyer"],
        direction="backward",
        allow_exact_matches=True,
    )
    limit = (hit["t"] - pd.Timedelta(seconds=rules.credit_window_s)).astype("int64") // 1_000_000
    best = hit["best"].astype("Int64")
    ok = (best.notna() & (best // PACK >= limit)).fillna(False).to_numpy(bool)
    agents = serving.attrs["agents"]
    code = (PACK - 1 - (best.fillna(0).astype("int64") % PACK)).clip(0, len(agents)).to_numpy()
    names = np.array([*agents, ""], dtype=object)[np.where(ok, code, len(agents))]
    return pd.Series(names, index=hit["order_id"].to_numpy())


def run_reference(
    messages: pd.DataFrame, orders: pd.DataFrame, rules: CreditRules | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(order_credit, agent_day core) for contract-format frames."""
    rules = rules or CreditRules()
    messages = messages.assign(ts=_ns(messages["ts"]))
    orders = orders.assign(created_at=_ns(orders["created_at"]), paid_at=_ns(orders["paid_at"]))
    s = _sessions(messages, rules)
    serving = s[s["served"]].copy()
    agents = sorted(s["agent"].unique().tolist())
    rank = {a: i for i, a in enumerate(agents)}
    end_ms = serving["end"].astype("int64") // 1_000_000
    serving["pk"] = end_ms * PACK + (PACK - 1 - serving["agent"].map(rank))
    serving = serving.sort_values(["shop", "buyer", "start"], kind="stable")
    serving["best"] = serving.groupby(["shop", "buyer"])["pk"].cummax()
    # a later session starting at the same moment is visible too: take the max over equal starts
    serving["best"] = serving.groupby(["shop", "buyer", "start"])["best"].transform("max").astype("Int64")
    serving.attrs["agents"] = agents
    o = orders.copy()
    created = _attribute(o.assign(t=o["created_at"]), serving, rules)
    paid = _attribute(o.assign(t=o["paid_at"]), serving, rules)
    o["order_agent"] = o["order_id"].map(created).fillna("")
    o["payment_agent"] = o["order_id"].map(paid).fillna("")
    is_paid = o["paid_at"].notna()
    if rules.rule == "order_first":
        cred = o["order_agent"].where(o["order_agent"] != "", o["payment_agent"])
    elif rules.rule == "by_order":
        cred = o["order_agent"]
    else:
        cred = o["payment_agent"]
    o["credited_agent"] = cred.where(is_paid, "")
    o["silent"] = ((o["order_agent"] == "") & (o["payment_agent"] == "")).astype("int64")
    credit = o[["order_id", "order_agent", "payment_agent", "credited_agent", "silent"]].reset_index(
        drop=True
    )

    def day(ts: pd.Series) -> pd.Series:
        local = ts.dt.tz_convert(rules.timezone) - pd.Timedelta(hours=rules.day_cut_hour)
        return local.dt.strftime("%Y-%m-%d")

    rec = s[s["served"] & (s["n_in"] > 0)] if rules.exclude_monologue else s[s["served"]]
    parts = [
        rec.assign(day=day(rec["start"])).groupby(["agent", "day"])["buyer"].nunique().rename("receptions"),
        o[o["order_agent"] != ""]
        .assign(day=day(o["created_at"]))
        .groupby(["order_agent", "day"])
        .size()
        .rename_axis(["agent", "day"])
        .rename("placed_orders"),
        o[o["payment_agent"] != ""]
        .assign(day=day(o["paid_at"]))
        .groupby(["payment_agent", "day"])
        .size()
        .rename_axis(["agent", "day"])
        .rename("paid_orders"),
    ]
    sold = o[o["credited_agent"] != ""].assign(day=day(o["paid_at"]))
    net = sold["amount_fen"] - sold["refund_fen"] if rules.refunds_reduce_sales else sold["amount_fen"]
    sold = (
        sold.assign(net=net)
        .groupby(["credited_agent", "day"])
        .agg(credited_orders=("order_id", "size"), sales_fen=("net", "sum"))
    )
    parts.append(sold.rename_axis(["agent", "day"]))
    agent_day = pd.concat(parts, axis=1).fillna(0).astype("int64").reset_index()
    return credit, agent_day.sort_values(["agent", "day"]).reset_index(drop=True)
