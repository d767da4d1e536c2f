"""``/workspace``: an agent's desk — status switch, my conversations, reply box with templates, my tasks.

Everything is the agent's own: the page reads ``actions.agent_view(user.agent_id)``
and never takes an agent id from the browser. New conversations and buyer
messages appear through a server-side timer that compares a small signature
(conversation ids and message counts) and refreshes only what changed, pushed
over the page's websocket.
"""

from __future__ import annotations

from typing import Any

from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ, parse_aware
from kefu.service.live import actions
from kefu.service.live import actions_reads as overview
from kefu.service.org.schemas import UserOut
from kefu.ui import extras
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import kefu_page
from kefu.ui.widgets import STATUS_LABELS, notify_error, run, testid


def _stamp(iso: str) -> str:
    try:
        return parse_aware(iso).astimezone(SHOP_TZ).strftime("%H:%M:%S")
    except KefuError:
        return ""


def _name(conv: dict[str, Any]) -> str:
    """A web visitor by the name they typed, marked as unverified; a platform buyer by their nickname."""
    if conv.get("buyer_name"):
        return t(f'{conv["buyer_name"]} (网页访客)', f'{conv["buyer_name"]} (web visitor)')
    return str(conv["buyer"])


@kefu_page("/workspace", "我的工作台", "My workspace", roles=("agent",))
def workspace_page(user: UserOut) -> None:
    agent_id = user.agent_id
    if not agent_id:
        ui.label(t("此账号未关联客服, 请联系管理员。", "This account is not linked to an agent; ask an admin."))
        return
    state: dict[str, Any] = {"selected": None, "sig": None, "view": None}

    def load() -> dict[str, Any] | None:
        try:
            with db_session() as session:
                view = actions.agent_view(session, agent_id, role=user.role).model_dump()  # buyer texts masked (PIPL)
                view["queued"] = overview.queued_in_groups(session, list(view.get("skills", [])))
                return view
        except KefuError as exc:
            notify_error(exc)
            return None

    def signature(view: dict[str, Any] | None) -> tuple[Any, ...]:
        if view is None:
            return ()
        return (view["status"], view["load"], view["queued"],
                tuple((c["id"], len(c["messages"])) for c in view["conversations"]))

    def change_status(e: Any) -> None:
        if state.get("syncing") or e.value is None:
            return  # the page itself set the toggle to the stored status
        result = run(actions.set_agent_status, agent_id, e.value)
        if result is None:  # refused (e.g. going offline with open chats): show the real status again
            toggle.set_value(state["view"]["status"] if state["view"] else "offline")
        tick(force=True)

    with ui.card().classes("w-full p-3"), ui.row().classes("items-center gap-6"):
        ui.label(t("我的状态", "My status")).classes("text-lg")
        toggle = ui.toggle({k: t(*v) for k, v in STATUS_LABELS.items()}, value=None,
                           on_change=change_status).props('data-testid="status-toggle"')
        load_label = ui.label("").props('data-testid="my-load"')
        queue_label = ui.label("").classes("text-grey-7").props('data-testid="my-queue"')

    @ui.refreshable
    def conversation_list() -> None:
        view = state["view"]
        convs = view["conversations"] if view else []
        if not convs:
            ui.label(t("暂无会话", "No conversations")).classes("text-grey-6")
        for conv in convs:
            said = [m for m in conv["messages"] if not m.get("bot")]  # the bot's hand-over line is no reply
            waiting = bool(said) and said[-1]["direction"] == "in"
            with testid(ui.item(on_click=lambda c=conv: select(c["id"])).classes(
                    "rounded w-full" + (" bg-blue-1" if conv["id"] == state["selected"] else "")), f'conv-{conv["id"]}'):
                with ui.item_section():
                    ui.item_label(_name(conv))
                    last = conv["messages"][-1]["text"] if conv["messages"] else ""
                    ui.item_label(last[:30]).props("caption")
                if waiting:
                    with ui.item_section().props("side"):
                        ui.badge(t("待回复", "reply"), color="negative")

    @ui.refreshable
    def thread() -> None:
        view = state["view"]
        conv = next((c for c in (view["conversations"] if view else []) if c["id"] == state["selected"]), None)
        if conv is None:
            ui.label(t("选择左侧的会话", "Pick a conversation on the left")).classes("text-grey-6")
            return
        ui.label(f'{_name(conv)} · {conv["group"]} · #{conv["id"]}').classes("text-lg").props(
            'data-testid="conv-title"')
        buyer_orders(conv["shop"], conv["buyer"])
        for m in conv["messages"]:
            if m.get("bot"):  # what the FAQ bot told the buyer before handing over
                testid(ui.chat_message(m["text"], sent=True, stamp=_stamp(m["ts"]), name=t("机器人", "bot"))
                       .props("bg-color=blue-grey-2"), "ws-msg-bot")
                continue
            ui.chat_message(m["text"], sent=m["direction"] == "out", stamp=_stamp(m["ts"]),
                            name=_name(conv) if m["direction"] == "in" else t("我", "me"))

    def buyer_orders(shop: str, buyer: str) -> None:
        """The buyer's latest orders; phone and address arrive masked for the agent role (PIPL)."""
        with db_session() as session:
            orders = overview.buyer_orders(session, shop, buyer, user.role, limit=3)
        if not orders:
            ui.label(t("该买家暂无订单", "no orders from this buyer")).classes("text-grey-6 text-xs")
        for o in orders:
            ui.label(f"{o.id} · {o.status} · ¥{overview.yuan(o.amount_fen)} · {o.phone} · {o.address}").classes("text-grey-7 text-xs").props('data-testid="buyer-order"')

    def selected_buyer() -> str:
        view = state["view"]
        conv = next((c for c in (view["conversations"] if view else []) if c["id"] == state["selected"]), None)
        return _name(conv) if conv else ""

    def select(cid: int) -> None:
        state["selected"] = cid
        conversation_list.refresh()
        thread.refresh()

    def send() -> None:
        text = (reply.value or "").strip()
        if not text or state["selected"] is None:
            return
        if run(actions.post_message, state["selected"], "out", text, agent_id=agent_id) is not None:
            reply.value = ""
        tick(force=True)

    def close() -> None:
        if state["selected"] is None:
            return
        if run(actions.close_conversation, state["selected"]) is not None:
            ui.notify(t("会话已结束", "conversation closed"), type="positive")
            state["selected"] = None
        tick(force=True)

    with ui.row().classes("w-full gap-4 no-wrap items-start"):
        with ui.card().classes("w-72 p-2"):
            ui.label(t("我的会话", "My conversations")).classes("text-lg px-2")
            with ui.list().classes("w-full"):
                conversation_list()
        with ui.card().classes("grow p-4 gap-2"):
            with ui.column().classes("w-full min-h-64"):
                thread()
            with ui.row().classes("w-full items-center no-wrap"):
                reply = ui.input(placeholder=t("回复买家…", "Reply to the buyer…")).props(
                    'dense outlined data-testid="reply-input"').classes("grow")
                reply.on("keydown.enter", send)
                ui.button(t("发送", "Send"), on_click=send).props('data-testid="reply-send"')
                ui.button(t("结束会话", "Close"), on_click=close).props('flat data-testid="conv-close"')
            extras.template_picker(reply, lambda: {"买家": selected_buyer(), "客服": user.display_name})

    with ui.card().classes("w-full p-4"):
        ui.label(t("我的任务", "My tasks")).classes("text-lg")
        extras.task_list(agent_id)

    def tick(force: bool = False) -> None:
        view = load()
        sig = signature(view)
        if not force and sig == state["sig"]:
            return
        state["sig"], state["view"] = sig, view
        if view is not None:
            if state["selected"] is None and view["conversations"]:
                state["selected"] = view["conversations"][0]["id"]
            state["syncing"] = True
            toggle.set_value(view["status"])
            state["syncing"] = False
            load_label.set_text(t(f'接待 {view["load"]} / {view["capacity"]}',
                                  f'load {view["load"]} / {view["capacity"]}'))
            queue_label.set_text(t(f'我的技能组排队 {view["queued"]}', f'waiting in my groups: {view["queued"]}'))
        conversation_list.refresh()
        thread.refresh()

    tick(force=True)
    ui.timer(1.5, tick)
