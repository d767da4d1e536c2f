"""``/chat?shop=…``: the buyer-side web chat (public, no login).

On the first visit the server issues the visitor a signed token (kept in NiceGUI's
per-browser storage): the visitor's identity is that token, the nickname they type is
only a display name (:mod:`kefu.service.live.actions_webchat`, which also rate-limits per token and
per client address). The first message opens a conversation routed like any other
(agent, queue or bot); later ones are added to it. In a shop whose bot mode gives the chat to
the FAQ bot, its answers (or its "正在为您转接人工客服…") appear in the thread as the bot's. A reload keeps the chat; replies
appear through a 1.5-second server-side timer that pushes changes over the page's
websocket (no page reload, no polling from the browser).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from nicegui import app, ui

from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.care import actions_surveys as surveys
from kefu.service.live import actions_webchat
from kefu.ui.db import db_session
from kefu.ui.i18n import follow_language, t
from kefu.ui.widgets import notify_error, testid


@ui.page("/chat")
def chat_page(request: Request) -> None:
    shop = (request.query_params.get("shop") or "web").strip()[:64] or "web"
    key = f"chat:{shop}"
    store = app.storage.user
    store["chat_token"] = actions_webchat.token_or_new(store.get("chat_token"))  # issued on the first visit
    address = request.client.host if request.client else ""
    ui.page_title(t("在线咨询", "Chat with us") + f" · {shop}")
    follow_language()
    state: dict[str, Any] = {"sig": None}

    def current() -> dict[str, Any] | None:
        saved = store.get(key)
        if not saved:
            return None
        with db_session() as session:
            conv = actions_webchat.thread(session, token=store.get("chat_token"), conversation_id=int(saved["id"]))
        if conv is None:
            store.pop(key, None)
        return conv

    @ui.refreshable
    def thread() -> None:
        conv = current()
        if conv is None:
            ui.label(t("您好! 请留下昵称和问题, 客服马上为您服务。",
                       "Hello! Leave your name and question; an agent will be with you shortly.")).classes(
                "text-grey-7")
            return
        messages = conv["messages"]
        for m in messages:
            mine = m["direction"] == "in"
            name = t("我", "me") if mine else (t("机器人", "bot") if m["bot"] else t("客服", "agent"))
            testid(ui.chat_message(m["text"], name=name, sent=mine, stamp=m["ts"].astimezone(SHOP_TZ).strftime("%H:%M")),
                   "msg-in" if mine else ("msg-bot" if m["bot"] else "msg-out"))
        status = {"queued": t("排队中, 请稍候…", "waiting for an agent…"),
                  "assigned": t("客服已接入", "an agent is with you"),
                  "bot": t("智能助手为您服务 · 发送“人工”转人工客服", "the assistant is answering · send “人工” for a person"),
                  "closed": t("会话已结束", "conversation closed")}.get(conv["status"], conv["status"])
        ui.label(status).classes("text-grey-6 text-xs").props('data-testid="chat-status"')
        if conv["status"] == "closed":  # the buyer's one-time survey link (only a served chat has one)
            try:
                with db_session() as session:
                    link = surveys.survey_link(session, conversation_id=int(str(conv["id"])))["link"]
            except KefuError:
                return
            ui.link(t("评价本次服务", "Rate this chat"), link).props('data-testid="chat-survey"')

    def signature() -> tuple[Any, ...] | None:
        conv = current()
        return None if conv is None else (conv["status"], len(conv["messages"]))

    def send() -> None:
        text = (box.value or "").strip()
        if not text:
            return
        saved = store.get(key)
        try:
            with db_session() as session:
                sent = actions_webchat.send(session, token=store.get("chat_token", ""), address=address, shop=shop,
                                    name=nick.value or "", text=text,
                                    conversation_id=int(saved["id"]) if saved else None)
        except KefuError as exc:
            notify_error(exc)
            return
        store[key] = {"id": sent.conversation_id}
        box.value = ""
        refresh()

    def refresh() -> None:
        sig = signature()
        if sig != state["sig"]:
            state["sig"] = sig
            thread.refresh()
            nick_row.set_visibility(store.get(key) is None)

    with ui.column().classes("w-full max-w-2xl mx-auto p-4 gap-3"):
        ui.label(t(f"{shop} · 在线咨询", f"{shop} · chat with us")).classes("text-2xl")
        with ui.card().classes("w-full min-h-64"):
            thread()
        with ui.row().classes("w-full") as nick_row:
            nick = ui.input(t("昵称", "Your name")).props('dense outlined data-testid="chat-nick"').classes("w-64")
        with ui.row().classes("w-full items-center no-wrap"):
            box = ui.input(placeholder=t("输入消息…", "Type a message…")).props(
                'dense outlined data-testid="chat-input"').classes("grow")
            box.on("keydown.enter", send)
            ui.button(t("发送", "Send"), on_click=send).props('data-testid="chat-send"')
    state["sig"] = signature()
    nick_row.set_visibility(store.get(key) is None)
    ui.timer(1.5, refresh)
