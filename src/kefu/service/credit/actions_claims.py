"""Claims: an agent written in 订单备注 by the shop's own convention, checked against the computed credit.

Why a convention per shop: memos carry many notes ("kf07 已核对地址", "送赠品"); an agent id
anywhere in one is not a claim. A shop that has claims writes them one way — a prefix such as
``认领:`` before the agent's id or name, often with a flag colour — and that is what it sets
(``Shop.settings["claims"]`` = ``{"prefix": "认领:", "flag": "red"}``). A shop without a
convention has no claims, so the report lists none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from kefu.credit.pipeline import CreditResult
from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import month_span
from kefu.service.credit import events, store
from kefu.service.credit.actions import month_or_now, run_month
from kefu.service.credit.schemas import ClaimConventionOut, ClaimOut, ClaimsOut

COLUMNS = ["order_id", "memo", "claimed_agent", "credited_agent", "order_agent", "payment_agent", "amount_fen",
           "agrees"]  # fmt: skip
FLAGS = ("", "red", "yellow", "green", "blue", "purple", "gray")


@dataclass(frozen=True)
class Convention:
    prefix: str  # the text before the agent's id or name, e.g. "认领:"
    flag: str = ""  # only memos with this flag colour ('' = any)


def conventions(session: Session) -> dict[str, Convention]:
    """Shop id → its claim convention, for the shops that have one."""
    out = {}
    for shop_id, settings in store.shop_settings(session):
        raw = (settings or {}).get("claims") or {}
        if raw.get("prefix"):
            out[shop_id] = Convention(str(raw["prefix"]), str(raw.get("flag", "")))
    return out


def claimed_agent(memo: str, prefix: str, agents: dict[str, str]) -> str:
    """The agent a memo claims by ``prefix`` + id or name (``agents``: id or name → id), or ''.

    The longest id or name right after the prefix wins, and it must end there (``kf01x`` is not ``kf01``).
    """
    for found in re.finditer(re.escape(prefix) + r"\s*", memo):
        rest = memo[found.end():]
        for token in sorted(agents, key=len, reverse=True):
            if rest.startswith(token) and not re.match(r"\w", rest[len(token):len(token) + 1]):
                return agents[token]
    return ""


def claims_report(session: Session, month: str, result: CreditResult | None = None,
                  shop_id: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Orders whose memo claims an agent by their shop's convention where the claim differs from the credit."""
    by_shop = conventions(session)
    if shop_id:
        by_shop = {k: v for k, v in by_shop.items() if k == shop_id}
    if not by_shop:
        return pd.DataFrame(columns=COLUMNS)
    result = result or run_month(session, month, shop_id, store_credit=False)
    start, end = month_span(month, result.rules.tz)
    names = store.agent_names(session)
    agents = {**{n: a for a, n in names.items()}, **{a: a for a in names}}  # an id wins over a same-named name
    credit = result.order_credit.set_index("order_id")
    rows = []
    for o in store.memo_orders(session, start, end):
        rule = by_shop.get(o.shop_id)
        if rule is None or (rule.flag and o.flag != rule.flag):
            continue
        claimed = claimed_agent(o.memo, rule.prefix, agents)
        if not claimed:
            continue
        c = credit.loc[o.id] if o.id in credit.index else None
        got = {k: "" if c is None else str(c[k]) for k in ("credited_agent", "order_agent", "payment_agent")}
        rows.append({"order_id": o.id, "memo": o.memo, "claimed_agent": claimed, **got,
                     "amount_fen": o.amount_fen, "agrees": claimed == got["credited_agent"]})  # fmt: skip
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame[~frame["agrees"]].reset_index(drop=True)


def claims(session: Session, month: str | None) -> ClaimsOut:
    """``GET /credit/claims``: the month's orders whose memo claim differs from the computed credit."""
    m = month_or_now(month)
    return ClaimsOut(month=m, mismatches=[ClaimOut(**r) for r in claims_report(session, m).to_dict("records")])


def claim_convention(session: Session, shop_id: str) -> ClaimConventionOut:
    """The shop's claim convention (an empty prefix: the shop has none, no claims are read)."""
    rule = conventions(session).get(store.require_shop(session, shop_id).id)
    return ClaimConventionOut(shop=shop_id, prefix=rule.prefix if rule else "", flag=rule.flag if rule else "")


def set_claim_convention(session: Session, shop_id: str, prefix: str, flag: str, *, by: str) -> ClaimConventionOut:
    """Set how the shop writes claims in 订单备注 (prefix '' = no claims), with a ``claims.convention_set`` event."""
    prefix, flag = prefix.strip(), flag.strip()
    if len(prefix) > 32 or any(ch in prefix for ch in "\n\r\t"):
        raise bad_argument("prefix", "认领前缀最多 32 个字符, 不能换行", "the claim prefix is at most 32 characters, one line")
    if flag not in FLAGS:
        raise bad_argument("flag", f"旗帜必须是 {'/'.join(f or '无' for f in FLAGS)}",
                           f"flag must be one of {', '.join(f or '(none)' for f in FLAGS)}")  # fmt: skip
    shop = store.require_shop(session, shop_id)
    shop.settings = {**(shop.settings or {}), "claims": {"prefix": prefix, "flag": flag} if prefix else {}}
    events.claim_convention_set(session, shop_id=shop_id, prefix=prefix, flag=flag, by=by)
    session.flush()
    return ClaimConventionOut(shop=shop_id, prefix=prefix, flag=flag)
