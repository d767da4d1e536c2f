"""``/care/tickets`` (the list, paged, rows open the ticket) and ``/care/tickets/{id}`` (one ticket worked).

Thin: every read and action is one :mod:`kefu.service.care.actions_tickets` call
(``widgets.run``: one transaction, a refusal is a notice and nothing is stored). The
ticket page shows the ticket, its SLA and its timeline — the event rows of the ticket
with the reply, escalation note, root cause and callback written with them — and
the actions its status allows. Agents reach only their own tickets (the service checks).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ, parse_aware, utc_now
from kefu.service.care import actions as care
from kefu.service.care import actions_tickets as tickets
from kefu.service.care.schemas import (
    CALLBACK_OUTCOMES,
    TICKET_CATEGORIES,
    TICKET_DEPARTMENTS,
    TICKET_SEVERITIES,
)
from kefu.service.org import actions_privacy as privacy_service
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.labels import options, shop_time, value_label
from kefu.ui.layout import MANAGERS, kefu_page
from kefu.ui.widgets import notify_error, run, stat_card, testid
from kefu.ui.widgets import testid as set_testid

PER_PAGE = 20


def _row(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "category": r["category"], "severity": value_label("severity", r["severity"]),
            "status": value_label("ticket_status", r["status"]), "buyer": r["buyer"],
            "department": value_label("department", r["department"]) if r["department"] else "",
            "fr": value_label("sla", r["sla"]["first_response"]), "res": value_label("sla", r["sla"]["resolution"]),
            "due": shop_time(r["sla"]["resolution_due"]), "summary": r["summary"]}  # fmt: skip


COLUMNS = [("id", "编号", "ID"), ("category", "分类", "Category"), ("severity", "严重程度", "Severity"),
           ("status", "状态", "Status"), ("buyer", "买家", "Buyer"), ("department", "协同部门", "Department"),
           ("fr", "首响SLA", "First response"), ("res", "解决SLA", "Resolution"), ("due", "解决期限", "Due"),
           ("summary", "摘要", "Summary")]  # fmt: skip


@kefu_page("/care/tickets", "工单", "Tickets")
def tickets_page(user: UserOut) -> None:
    with db_session() as session:
        shops = care.shop_ids(session)
    who = user.agent_id or user.username

    @ui.refreshable
    def listing(page: int = 1) -> None:
        with db_session() as session:
            got = tickets.page_tickets(session, page=page, per_page=PER_PAGE, status=status_filter.value or None,
                                       viewer=user, role=user.role)  # fmt: skip
        cols = [{"name": f, "label": t(zh, en), "field": f, "align": "left"} for f, zh, en in COLUMNS]
        table = ui.table(columns=cols, rows=[_row(r) for r in got["rows"]], row_key="id").classes(
            "w-full cursor-pointer").props('dense flat data-testid="tickets-table"')
        table.on("rowClick", lambda e: ui.navigate.to(f"/care/tickets/{int(e.args[1]['id'])}"))
        pages = max(1, -(-got["total"] // PER_PAGE))
        with ui.row().classes("items-center gap-4"):
            ui.pagination(1, pages, value=page, direction_links=True,
                          on_change=lambda e: listing.refresh(int(e.value))).props('data-testid="tickets-pager"')
            ui.label(t(f"共 {got['total']} 条", f"{got['total']} in all")).classes("text-grey-7 text-sm").props(
                'data-testid="tickets-total"')

    ui.label(t("点击一行打开工单: 处理记录与全部操作都在工单页", "Click a row to open the ticket: its timeline and every action are there")
             ).classes("text-grey-7 text-sm")  # fmt: skip
    status_filter = ui.select({"": t("全部", "all"), **options("ticket_status")}, value="", label=t("状态", "Status"),
                              on_change=lambda: listing.refresh(1)).classes("w-40")  # fmt: skip
    listing()

    @ui.refreshable
    def root_causes() -> None:
        month = utc_now().astimezone(SHOP_TZ).strftime("%Y-%m")
        with db_session() as session:
            data = tickets.root_cause_summary(session, month)
        with ui.card().classes("w-full p-4"):
            ui.label(t(f"{month} 根因汇总", f"Root causes {month}")).classes("font-bold")
            with ui.row():
                stat_card(t("工单", "Tickets"), str(data["tickets"]), "rc-tickets")
                stat_card(t("首响超时", "First-response breaches"), str(data["first_response_breaches"]), "rc-fr")
                stat_card(t("解决超时", "Resolution breaches"), str(data["resolution_breaches"]), "rc-res")
            causes = " · ".join(f"{k}: {v}" for k, v in data["by_root_cause"].items())
            ui.label(causes or t("暂无", "none")).props('data-testid="rc-causes"')

    with ui.card().classes("p-4"):
        ui.label(t("新建工单", "New ticket")).classes("font-bold")
        with ui.row().classes("items-end gap-3 flex-wrap"):
            shop = ui.select(shops, value=shops[0] if shops else None, label=t("店铺", "Shop")).classes("w-32")
            buyer = ui.input(t("买家", "Buyer")).props('data-testid="ticket-buyer"')
            cat = ui.select(list(TICKET_CATEGORIES), value="物流", label=t("分类", "Category")).classes("w-28")
            sev = ui.select(options("severity", TICKET_SEVERITIES), value="normal",
                            label=t("严重程度", "Severity")).classes("w-28")
            summary = ui.input(t("摘要", "Summary")).classes("w-64")

        def create() -> None:
            made = run(tickets.create_ticket, shop_id=shop.value or "", buyer=buyer.value or "", category=cat.value,
                       severity=sev.value, summary=summary.value or "", owner=user.agent_id, by=who, viewer=user)
            if made:
                ui.navigate.to(f"/care/tickets/{made['id']}")

        ui.button(t("创建并打开", "Create and open"), on_click=create).props('data-testid="ticket-create"')
    if user.role in MANAGERS:
        root_causes()


def _facts(ticket: dict[str, Any]) -> None:
    with ui.card().classes("w-full p-4"), ui.grid(columns=4).classes("gap-x-8 gap-y-1"):
        for zh, en, value, tid in (
            ("状态", "Status", value_label("ticket_status", ticket["status"]), "ticket-status"),
            ("分类", "Category", ticket["category"], "ticket-category"),
            ("严重程度", "Severity", value_label("severity", ticket["severity"]), "ticket-severity"),
            ("协同部门", "Department", value_label("department", ticket["department"]) if ticket["department"]
             else "—", "ticket-department"),
            ("买家", "Buyer", ticket["buyer"], "ticket-buyer"),
            ("订单", "Order", ticket["order_id"] or "—", "ticket-order"),
            ("负责人", "Owner", ticket["owner"] or "—", "ticket-owner"),
            ("根因", "Root cause", ticket["root_cause"] or "—", "ticket-root-cause"),
            ("创建", "Created", shop_time(ticket["created_at"]), "ticket-created"),
            ("首响", "First response", f"{value_label('sla', ticket['sla']['first_response'])} "
             f"({t('期限', 'due')} {shop_time(ticket['sla']['first_response_due'])})", "ticket-sla-fr"),
            ("解决", "Resolution", f"{value_label('sla', ticket['sla']['resolution'])} "
             f"({t('期限', 'due')} {shop_time(ticket['sla']['resolution_due'])})", "ticket-sla-res"),
            ("回访", "Callback", f"{shop_time(ticket['callback_at'])} "
             f"{value_label('callback', ticket['callback_outcome'])}".strip() or "—", "ticket-callback-info"),
        ):  # fmt: skip
            with ui.column().classes("gap-0"):
                ui.label(t(zh, en)).classes("text-grey-7 text-xs")
                set_testid(ui.label(value), tid)
        ui.label(ticket["summary"]).classes("col-span-4 whitespace-pre-wrap")


_DATA_KINDS = {"department": "department", "outcome": "callback", "severity": "severity"}


def _datum(key: str, value: str) -> str:
    """One value an event row carries, in words: departments, outcomes, severities named, times local."""
    if key == "at":
        return shop_time(value)
    return value_label(_DATA_KINDS[key], value) if key in _DATA_KINDS else value


def _timeline(history: list[dict[str, Any]]) -> None:
    with set_testid(ui.timeline(side="right").classes("w-full"), "ticket-timeline"):
        for h in history:
            data = dict(h["data"])
            text = data.pop("text", "")
            extra = " · ".join(_datum(k, v) for k, v in data.items())
            ui.timeline_entry(text or extra, title=value_label("ticket_event", h["kind"]),
                              subtitle=f"{shop_time(h['at'])} · {h['by']}" + (f" · {extra}" if text and extra else ""))


@kefu_page("/care/tickets/{ticket_id}", "工单详情", "Ticket")
def ticket_page(user: UserOut, request: Request) -> None:
    try:
        ticket_id = int(request.path_params["ticket_id"])
    except ValueError:
        ui.label(t("工单编号无效", "not a ticket number")).classes("text-negative")
        return
    who = user.agent_id or user.username
    ui.link(t("← 工单列表", "← All tickets"), "/care/tickets").props('data-testid="ticket-back"')

    @ui.refreshable
    def view() -> None:
        try:
            with db_session() as session:
                ticket = tickets.get_ticket(session, ticket_id, viewer=user, role=user.role)
                history = tickets.ticket_history(session, ticket_id, viewer=user, role=user.role)
        except KefuError as exc:
            notify_error(exc)
            ui.label(t(exc.message, exc.message_en)).classes("text-negative").props('data-testid="ticket-error"')
            return
        ui.label(t(f"工单 #{ticket_id}", f"Ticket #{ticket_id}")).classes("text-xl font-bold")
        _facts(ticket)
        with ui.row().classes("w-full gap-4 items-start no-wrap"):
            with ui.card().classes("p-4 w-1/2"):
                ui.label(t("处理记录", "Timeline")).classes("font-bold")
                _timeline(history)
            with ui.card().classes("p-4 w-1/2"):
                _actions(user, who, ticket, view.refresh)

    view()


def _actions(user: UserOut, who: str, ticket: dict[str, Any], done: Any) -> None:
    """The actions the ticket's status allows; each saves and redraws the page."""
    i, status = int(ticket["id"]), ticket["status"]
    ui.label(t("处理", "Work it")).classes("font-bold")
    text = ui.textarea(t("内容 / 备注 / 根因", "Text / note / root cause")).classes("w-full").props(
        'data-testid="ticket-text"')

    def act(call: Any) -> None:
        try:
            saved = call()
        except KefuError as exc:  # a time the service could not read (parse_aware): nothing stored
            notify_error(exc)
            return
        if saved:
            ui.notify(t("已保存", "saved"), type="positive")
            done()

    def button(zh: str, en: str, key: str, call: Any, color: str = "primary") -> None:
        action = ui.button(t(zh, en), on_click=lambda: act(call), color=color).props("outline")
        testid(action, f"ticket-{key}")

    if status in ("open", "escalated"):
        with ui.row().classes("items-end gap-2"):
            button("回复", "Reply", "respond", lambda: run(tickets.respond_ticket, i, text=text.value or "", by=who,
                                                          viewer=user))  # fmt: skip
            button("解决 (填根因)", "Resolve (root cause)", "resolve",
                   lambda: run(tickets.resolve_ticket, i, root_cause=text.value or "", by=who, viewer=user))
        with ui.row().classes("items-end gap-2"):
            dept = ui.select(options("department", TICKET_DEPARTMENTS), value="logistics",
                             label=t("升级部门", "Department")).classes("w-36").props('data-testid="ticket-dept"')
            button("升级", "Escalate", "escalate", lambda: run(tickets.escalate_ticket, i, department=dept.value,
                                                             note=text.value or "", by=who, viewer=user))  # fmt: skip
    if status == "resolved":
        with ui.row().classes("items-end gap-2"):
            when = ui.input(t("回访时间 (YYYY-MM-DD HH:MM)", "Callback at (YYYY-MM-DD HH:MM)")).props(
                'data-testid="ticket-callback-at"')
            button("安排回访", "Schedule callback", "callback-plan",
                   lambda: run(tickets.schedule_callback, i, at=parse_aware(when.value or ""), by=who, viewer=user))
        if ticket["callback_at"]:
            with ui.row().classes("items-end gap-2"):
                outcome = ui.select(options("callback", CALLBACK_OUTCOMES), value="satisfied",
                                    label=t("回访结果", "Outcome")).classes("w-36").props('data-testid="ticket-outcome"')
                button("记录回访", "Record callback", "callback-record", lambda: run(
                    tickets.record_callback, i, outcome=outcome.value, note=text.value or "", by=who, viewer=user))
    if user.role in MANAGERS:
        with ui.row().classes("gap-2"):
            if status in ("open", "resolved"):
                button("关闭", "Close", "close", lambda: run(tickets.close_ticket, i, by=who, viewer=user), "negative")
            ui.button(t("显示完整信息", "Reveal personal data"), on_click=lambda: _reveal(user, f"ticket:{i}")).props(
                'outline color=warning data-testid="ticket-reveal"')


def _reveal(user: UserOut, subject: str) -> None:
    """A supervisor sees one ticket whole; the service records the reveal as an event."""
    shown = run(privacy_service.reveal, subject, role=user.role, actor=user.username)
    if shown is None:
        return
    with ui.dialog() as dialog, ui.card().classes("w-[36rem]"):
        ui.label(t(f"{subject} 完整信息 (已记录查看)", f"{subject} in full (this view is logged)")).classes("font-bold")
        for item in shown.texts:
            ui.label(f"{item.field}: {item.text}").classes("text-sm").props('data-testid="revealed-text"')
        ui.button(t("关闭", "Close"), on_click=dialog.close)
    dialog.open()
