"""Credit API: order credit with its evidence, agent metrics per day and month, KPI and pay, imports.

Thin: validate, authorise, call :mod:`kefu.service.credit.actions` / :mod:`kefu.service.credit.actions_pay`.
Agents see only their own figures (:mod:`kefu.service.access`);
recomputing a month and importing files are for supervisors and admins.
"""

from __future__ import annotations

import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, UploadFile

from kefu.api.deps import STAFF_MANAGERS, CurrentCaller, DbSession, require_roles
from kefu.api.limits import MIB
from kefu.domain.errors import ROW_ERRORS_SHOWN, ErrorCode, KefuError
from kefu.domain.timeutil import SHOP_TZ, parse_day, utc_now
from kefu.service import access
from kefu.service.credit import actions as svc
from kefu.service.credit import actions_pay as pay_svc

router = APIRouter(prefix="/credit", tags=["credit"])

MANAGERS = require_roles(*STAFF_MANAGERS)
Month = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM (default: this month)")]
SchemeName = Annotated[str, Query(pattern=r"^[a-z_]{1,32}$")]
AgentId = Annotated[str, Path(min_length=1, max_length=64)]
OrderId = Annotated[str, Path(min_length=1, max_length=64)]


def _month(text: str | None) -> str:
    month = text or utc_now().astimezone(SHOP_TZ).strftime("%Y-%m")
    parse_day(f"{month}-01", "month")  # a real month within the bounded range
    return month


def _records(frame: Any) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        out.append({k: (None if v is None or v != v else str(v) if hasattr(v, "as_tuple") or hasattr(v, "isoformat") else v)
                    for k, v in row.items()})  # fmt: skip
    return out


@router.get("/leaderboard")
def leaderboard(session: DbSession, caller: CurrentCaller, month: Month = None) -> dict[str, Any]:
    """Monthly figures per agent, best sales first (an agent sees only their own row)."""
    m = _month(month)
    result = svc.run_month(session, m, store=False)
    monthly = pay_svc.monthly_metrics(result.agent_day, result)
    monthly = monthly[[access.sees_agent(caller, a) for a in monthly["agent"]]] if len(monthly) else monthly
    if len(monthly):
        monthly = monthly.sort_values(["sales_fen", "agent"], ascending=[False, True])
    shop = result.shop_day
    return {
        "month": m,
        "agents": _records(monthly),
        "shop_days": [] if access.is_agent(caller) else _records(shop),
    }


@router.get("/agents/{agent_id}/days")
def agent_days(
    agent_id: AgentId, session: DbSession, caller: CurrentCaller, month: Month = None
) -> dict[str, Any]:
    """One agent's daily metrics; provisional figures are listed with the moment they become final."""
    access.own_agent(caller, agent_id)
    m = _month(month)
    result = svc.run_month(session, m, store=False)
    days = result.agent_day[result.agent_day["agent"] == agent_id]
    return {
        "agent": agent_id,
        "month": m,
        "days": _records(days),
        "provisional": _records(result.provisional),
    }


@router.get("/agents/{agent_id}/orders")
def agent_orders(
    agent_id: AgentId, session: DbSession, caller: CurrentCaller, month: Month = None
) -> dict[str, Any]:
    """Orders credited to the agent, each with the session (end time) that earned it."""
    access.own_agent(caller, agent_id)
    m = _month(month)
    result = svc.run_month(session, m, store=False)
    ev = result.evidence.merge(result.order_credit.drop(columns=["credited_agent"]), on="order_id")
    mine = ev[
        (ev["credited_agent"] == agent_id)
        | (ev["order_agent"] == agent_id)
        | (ev["payment_agent"] == agent_id)
    ]
    return {"agent": agent_id, "month": m, "orders": _records(mine.drop(columns=["buyer"]))}


@router.get("/orders/{order_id}")
def order_credit(
    order_id: OrderId, session: DbSession, caller: CurrentCaller, month: Month = None
) -> dict[str, Any]:
    """Who got one order and why (the sessions behind 落实下单 / 落实付款)."""
    result = svc.run_month(session, _month(month), store=False)
    ev = result.evidence.merge(result.order_credit.drop(columns=["credited_agent"]), on="order_id")
    hit = ev[ev["order_id"] == order_id]
    if hit.empty:
        raise KefuError(ErrorCode.NOT_FOUND, f"未找到订单 {order_id}", f"order not found: {order_id}")
    row = _records(hit)[0]
    if not any(access.sees_agent(caller, row[k]) for k in ("credited_agent", "order_agent", "payment_agent")):
        raise access.forbidden("只能查看自己的订单", "agents may only see their own orders", order=order_id)
    row.pop("buyer", None)
    return row


@router.post("/run", dependencies=[MANAGERS])
def run(session: DbSession, month: Month = None) -> dict[str, Any]:
    """Recompute and store the month's order credit."""
    m = _month(month)
    result = svc.run_month(session, m, store=True)
    oc = result.order_credit
    return {"month": m, "orders": len(oc), "credited": int((oc["credited_agent"] != "").sum()),
            "silent": int(oc["silent"].sum())}  # fmt: skip


@router.get("/pay")
def pay(
    session: DbSession, caller: CurrentCaller, month: Month = None, scheme: SchemeName = "standard"
) -> dict[str, Any]:
    """Payslips with every line's evidence (an agent gets only their own)."""
    mp = pay_svc.month_pay(session, _month(month), scheme)
    slips = [
        {
            "agent": p.agent, "total_fen": p.total_fen, "excluded_from_kpi": p.excluded_from_kpi, "notes": list(p.notes),
            "lines": [{"kind": x.kind, "label": x.label, "amount_fen": x.amount_fen, "evidence": list(x.evidence)}
                      for x in p.lines],
        }
        for p in mp.payslips if access.sees_agent(caller, p.agent)
    ]  # fmt: skip
    grades = [{"agent": s.agent, "score": str(s.total), "grade": s.grade, "excluded": s.excluded}
              for s in mp.scores if access.sees_agent(caller, s.agent)]  # fmt: skip
    return {
        "month": mp.month,
        "scheme": mp.scheme.name,
        "version": mp.scheme.version,
        "payslips": slips,
        "grades": grades,
    }


@router.get("/claims", dependencies=[MANAGERS])
def claims(session: DbSession, month: Month = None) -> dict[str, Any]:
    """Orders whose memo claim (agent id + red flag) differs from the computed credit."""
    m = _month(month)
    return {"month": m, "mismatches": _records(svc.claims_report(session, m))}


@router.post("/import/{kind}", dependencies=[MANAGERS])
async def import_file(
    kind: Annotated[str, Path(pattern="^(orders|chats)$")],
    session: DbSession,
    file: Annotated[UploadFile, File()],
    skip_bad_rows: bool = False,
    shop: Annotated[str, Query(max_length=64)] = "",
) -> dict[str, Any]:
    """Upload a Taobao order export or chat records; bad rows → 422 with the first rows' reasons and the count.

    The body's size is bounded before it is read (kefu.api.limits); the file is
    copied to disk a megabyte at a time, never held whole in memory.
    """
    suffix = FsPath(file.filename or "upload.csv").suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx"):
        suffix = ".csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = FsPath(tmp) / f"{FsPath(file.filename or 'upload').stem[:60] or 'upload'}{suffix}"
        with path.open("wb") as out:
            while chunk := await file.read(MIB):
                out.write(chunk)
        fn = svc.import_orders if kind == "orders" else svc.import_chats
        report = fn(session, path, skip_bad_rows=skip_bad_rows, shop=shop)
    return {"file": report.file, "rows": report.rows, "inserted": report.inserted, "updated": report.updated,
            "unchanged": report.unchanged, "rejected": [r.as_dict() for r in report.rejected[:ROW_ERRORS_SHOWN]],
            "rejected_total": len(report.rejected)}  # fmt: skip
