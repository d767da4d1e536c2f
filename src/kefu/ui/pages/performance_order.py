"""``/performance/orders/{order_id}``: why an order was credited as it was, one click from ``/performance``.

The decision (落实下单 / 落实付款 / 静默 / 协助, which agent, which session) and the buyer's messages
before 下单 and 付款 come from :func:`kefu.service.credit.actions_order_chat.order_chat` (the month's
credit run, read back); this page lays them out: times in the shop's zone, money in 元, agents by name.
An agent opens only their own orders (the service refuses the others).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.service.credit import actions_order_chat as chats
from kefu.service.credit.schemas import ChatLineOut, OrderChatOut
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import kefu_page
from kefu.ui.pages.performance import yuan
from kefu.ui.widgets import testid

WHO = {"buyer": ("买家", "buyer"), "agent": ("客服", "agent"), "auto": ("自动回复", "auto-reply"),
       "bot": ("机器人", "bot")}
BEFORE = {"order": ("下单前", "before the order"), "payment": ("下单后, 付款前", "after the order, before payment")}
STEP = {"order": ("落实下单", "Order placed with"), "payment": ("落实付款", "Payment closed by")}


@kefu_page("/performance/orders/{order_id}", "订单业绩", "Order credit")
def order_page(user: UserOut, request: Request) -> None:
    order_id = request.path_params["order_id"]
    month = request.query_params.get("month") or None
    try:
        with db_session() as session:
            chat = chats.order_chat(session, user, order_id, month)
    except KefuError as exc:
        ui.label(f"{exc.message} / {exc.message_en}").classes("text-negative").props('data-testid="order-error"')
        return
    back = f"/performance?month={chat.month}" + (f"&agent={quote(chat.credited_agent)}" if chat.credited_agent else "")
    ui.link(t("← 返回绩效", "← Back to performance"), back).props('data-testid="order-back"')
    _decision(chat)
    _chat(chat)


def _decision(chat: OrderChatOut) -> None:
    with ui.card().classes("w-full"):
        title = ui.label(t(f"订单 {chat.order_id} · {chat.month} 业绩判定", f"Order {chat.order_id} · credit of {chat.month}"))
        title.classes("text-xl font-bold")
        with ui.row().classes("gap-6 items-baseline"):
            testid(ui.label(t(chat.decision, chat.decision_en)).classes("text-lg text-primary"), "order-decision")
            if chat.credited_agent:
                who = ui.label(t(f"业绩归属: {chat.credited_name}", f"credited to {chat.credited_name}"))
                testid(who, "order-credited")
            ui.label(t(f"实付 {yuan(chat.amount_fen)} 元", f"paid {yuan(chat.amount_fen)} yuan"))
            testid(ui.label(t(f"计入业绩 {yuan(chat.sale_fen)} 元", f"credited sales {yuan(chat.sale_fen)} yuan")),
                   "order-sale")
            if chat.refund_fen:
                ui.label(t(f"退款 {yuan(chat.refund_fen)} 元", f"refunded {yuan(chat.refund_fen)} yuan"))
        for step in chat.steps:
            zh, en = STEP[step.event]
            with ui.row().classes("gap-2 items-baseline"):
                ui.label(f"{t(zh, en)}: {step.name or t('无', 'nobody')}").classes("font-bold min-w-40")
                ui.label(step.at or "–").classes("text-grey-7")
                testid(ui.label(t(step.reason, step.reason_en)), f"order-reason-{step.event}")
        if chat.assists:
            names = "、".join(chat.assists.values())
            testid(ui.label(t(f"协助: {names} (接待过该买家, 不计业绩)", f"Assists: {names} (served the buyer, no sale)")),
                   "order-assists")
        ui.label(t(f"规则 {chat.rule}, 归属窗口 {chat.window_h:g} 小时; 时间为店铺时区 {chat.timezone}",
                   f"rule {chat.rule}, credit window {chat.window_h:g} h; times in the shop's zone {chat.timezone}")
                 ).classes("text-grey-6 text-sm")  # fmt: skip


def _chat(chat: OrderChatOut) -> None:
    with ui.card().classes("w-full"):
        ui.label(t(f"买家 {chat.buyer} 的会话 (下单与付款之前)", f"Chat with {chat.buyer} (before the order and payment)")
                 ).classes("text-lg")  # fmt: skip
        if chat.truncated:
            ui.label(t(f"只显示最近 {len(chat.messages)} 条", f"only the latest {len(chat.messages)} shown")
                     ).classes("text-grey-6 text-sm")  # fmt: skip
        if not chat.messages:
            testid(ui.label(t("窗口内没有会话记录", "no messages within the window")), "order-no-chat")
            return
        shown = ""
        with testid(ui.column().classes("w-full gap-1"), "order-chat"):
            for line in chat.messages:
                if line.before != shown:
                    shown = line.before
                    ui.separator()
                    ui.label(t(*BEFORE[line.before])).classes("text-grey-7 text-sm")
                _line(line)


def _line(line: ChatLineOut) -> None:
    buyer = line.who == "buyer"
    with (ui.row().classes("w-full gap-2 no-wrap " + ("" if buyer else "justify-end")),
          ui.column().classes("gap-0 max-w-3/4 rounded p-2 " + ("bg-grey-2" if buyer else "bg-blue-1"))):
        ui.label(f"{line.name} · {t(*WHO[line.who])} · {line.at}").classes("text-xs text-grey-7")
        ui.label(line.text).classes("whitespace-pre-wrap")
