"""Words for stored values: ``high`` / ``open`` / ``logistics`` / ``breached`` shown as 高 / 待处理 / 物流部 / 超时.

Stored values stay English codes (API, files, events); the dashboard shows them in the
user's language through :func:`value_label`, English mode showing readable English.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from kefu.domain.timeutil import SHOP_TZ
from kefu.service.care.schemas import TICKET_DEPARTMENTS
from kefu.ui.i18n import t

_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "severity": {"low": ("低", "low"), "normal": ("普通", "normal"), "high": ("高", "high"),
                 "critical": ("紧急", "critical")},
    "ticket_status": {"open": ("待处理", "open"), "escalated": ("已升级", "escalated"),
                      "resolved": ("已解决", "resolved"), "closed": ("已关闭", "closed")},
    "department": {code: (zh, code.capitalize()) for code, zh in TICKET_DEPARTMENTS.items()},
    "sla": {"met": ("达标", "met"), "breached": ("超时", "breached"), "pending": ("进行中", "pending")},
    "callback": {"satisfied": ("满意", "satisfied"), "unsatisfied": ("不满意", "unsatisfied"),
                 "unreachable": ("联系不上", "unreachable"), "reopened": ("重新打开", "reopened"), "": ("", "")},
    "ticket_event": {"ticket.created": ("创建", "created"), "ticket.responded": ("回复买家", "replied"),
                     "ticket.escalated": ("升级", "escalated"), "ticket.resolved": ("解决", "resolved"),
                     "ticket.closed": ("关闭", "closed"), "ticket.callback_scheduled": ("安排回访", "callback planned"),
                     "ticket.callback_done": ("回访完成", "callback done")},
    "bot_mode": {"human_first": ("人工优先", "human first"), "bot_first": ("机器人优先", "bot first"),
                 "mixed": ("混合", "mixed")},
    "bot_action": {"answer": ("回答", "answer"), "suggest": ("建议给客服", "suggest to the agent"),
                   "handover": ("转人工", "hand over")},
    "bot_reason": {"confident": ("有把握", "confident"), "two_part": ("两个问题都答", "two questions answered"),
                   "ambiguous": ("意思不明确", "ambiguous"), "low_confidence": ("把握不足", "low confidence"),
                   "out_of_scope": ("超出范围", "out of scope"), "asked_for_human": ("买家要人工", "asked for a person"),
                   "empty": ("没有问题内容", "no question in it"), "human_first": ("人工优先模式", "human-first mode"),
                   "mixed_unsure": ("混合模式下不够确定", "unsure (mixed mode)"),
                   "partly_unknown": ("部分问题不会答", "part of it unknown"),
                   "partly_unsure": ("部分问题不确定", "part of it unsure"),
                   "dispute": ("像是投诉或纠纷", "a dispute"), "not_a_question": ("没有在提问", "not a question"),
                   "needs_person": ("像是需要人工处理", "needs a person")},
}  # fmt: skip


def value_label(kind: str, value: str) -> str:
    """``value`` of ``kind`` in the user's language; an unknown value is shown as stored."""
    zh, en = _LABELS[kind].get(value, (value, value))
    return t(zh, en)


def options(kind: str, values: Iterable[str] | None = None) -> dict[str, str]:
    """A select's options: stored value → label (all known values of ``kind`` unless ``values`` given)."""
    keys = list(values) if values is not None else list(_LABELS[kind])
    return {k: value_label(kind, k) for k in keys if k}


def shop_time(iso: str | None) -> str:
    """An ISO time as the shop's wall clock, to the minute (no "+00:00" on screen); "" for none."""
    return datetime.fromisoformat(iso).astimezone(SHOP_TZ).strftime("%Y-%m-%d %H:%M") if iso else ""
