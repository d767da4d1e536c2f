"""The life of a request (leave, swap, overtime) as a table of allowed moves.

One table per request type says which action may move a request from which
status to which; anything else is refused with the current status named in both
languages, so an agent who cancels an approved leave or a supervisor who
approves twice learns why nothing happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kefu.domain.errors import ErrorCode, KefuError

STATUS_TEXT = {
    "pending": "待审批", "requested": "待对方接受", "accepted": "待主管审批", "approved": "已批准",
    "rejected": "已驳回", "declined": "对方已拒绝", "cancelled": "已撤回", "booked": "已登记",
}  # fmt: skip


@dataclass(frozen=True)
class Flow:
    """Allowed moves of one request type: (status, action) → new status."""

    name: str  # "leave", "swap", "overtime"
    moves: Mapping[tuple[str, str], str]

    def next(self, status: str, action: str) -> str:
        """The status after ``action``, or a REQUEST_BAD_TRANSITION error naming the current status."""
        target = self.moves.get((status, action))
        if target is None:
            raise KefuError(
                ErrorCode.REQUEST_BAD_TRANSITION,
                f"申请当前为「{STATUS_TEXT.get(status, status)}」, 不能{ACTION_TEXT.get(action, action)}",
                f"the request is {status}; it cannot be {ACTION_EN.get(action, action)}",
                {"request": self.name, "status": status, "action": action},
            )
        return target


ACTION_TEXT = {"approve": "批准", "reject": "驳回", "cancel": "撤回", "accept": "接受", "decline": "拒绝",
               "book": "登记"}  # fmt: skip
ACTION_EN = {"approve": "approved", "reject": "rejected", "cancel": "withdrawn", "accept": "accepted",
             "decline": "declined", "book": "booked"}  # fmt: skip

LEAVE = Flow("leave", {
    ("pending", "approve"): "approved", ("pending", "reject"): "rejected", ("pending", "cancel"): "cancelled",
})  # fmt: skip
SWAP = Flow("swap", {
    ("requested", "accept"): "accepted", ("requested", "decline"): "declined", ("requested", "cancel"): "cancelled",
    ("accepted", "approve"): "approved", ("accepted", "reject"): "rejected", ("accepted", "cancel"): "cancelled",
})  # fmt: skip
OVERTIME = Flow("overtime", {
    ("pending", "approve"): "approved", ("pending", "reject"): "rejected", ("pending", "cancel"): "cancelled",
    ("approved", "book"): "booked",
})  # fmt: skip
