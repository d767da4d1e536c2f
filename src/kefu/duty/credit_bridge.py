"""Attribution for the 核对地址 rule, taken from the credit engine's ``order_credit`` rows.

The address check goes to the 落实付款 agent, else the 落实下单 agent, and
to nobody for a fully silent order. Those are exactly the credit engine's
answers, so duty never re-implements attribution: the service layer runs
``kefu.credit.pipeline.run_credit`` (:mod:`kefu.service.duty.actions`) and this
module reads its ``order_credit`` as plain ``Attribution`` values, so the engine
can be tested and replayed without chat logs.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kefu.domain.errors import ErrorCode, KefuError
from kefu.duty.engine import Attribution


def _agent(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def attribution_from_frame(order_credit: pd.DataFrame) -> dict[str, Attribution]:
    """``order_credit`` rows (order_id, order_agent, payment_agent, …) as Attribution values."""
    missing = [c for c in ("order_id", "order_agent", "payment_agent") if c not in order_credit.columns]
    if missing:
        raise KefuError(ErrorCode.BAD_REQUEST, f"归属结果缺少列: {missing}",
                        f"attribution lacks columns: {missing}", {"missing": missing})
    out: dict[str, Attribution] = {}
    for order_id, order_agent, payment_agent in zip(
        order_credit["order_id"], order_credit["order_agent"], order_credit["payment_agent"], strict=True
    ):
        out[str(order_id)] = Attribution(_agent(order_agent), _agent(payment_agent))
    return out
