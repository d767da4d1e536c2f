"""Care pages: ``/care/templates``, ``/care/logbooks`` (tickets: ``tickets.py``; the bot: ``care_bot.py``).

Thin: every action is one :mod:`kefu.service.care` call in one transaction
(``widgets.run``), refusals appear as notices. Agents see the tickets they own,
their own ledger and their own service statistics; supervisors and admins see all.
The service enforces that scope (``viewer=user``); the page only does not offer more.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from nicegui import ui

from kefu.domain.timeutil import business_day, utc_now
from kefu.service import access
from kefu.service.care import actions as care
from kefu.service.care import actions_books as books
from kefu.service.care import actions_templates as templates
from kefu.service.care.schemas import TEMPLATE_CATEGORIES
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import MANAGERS, kefu_page
from kefu.ui.widgets import run
from kefu.ui.widgets import testid as set_testid


def _shops() -> list[str]:
    with db_session() as session:
        return care.shop_ids(session)


# Rows keep exact values (fen, decimal ratios as text); the browser shows 元 and percentages.
_FORMATS = {
    "amount_fen": {":format": "v => v == null ? '–' : (v / 100).toLocaleString('zh-CN', "
                              "{minimumFractionDigits: 2, maximumFractionDigits: 2})"},
    "conversion_rate": {":format": "v => v == null ? '–' : (Number(v) * 100).toFixed(1) + '%'"},
}


def _table(columns: list[tuple[str, str, str]], rows: list[dict[str, Any]], testid: str) -> ui.table:
    cols = [{"name": f, "label": t(zh, en), "field": f, "align": "left", **_FORMATS.get(f, {})}
            for f, zh, en in columns]
    return (
        set_testid(ui.table(columns=cols, rows=rows, row_key=columns[0][0]).classes("w-full").props("dense flat"),
                   testid)
    )


@kefu_page("/care/templates", "快捷回复", "Templates")
def templates_page(user: UserOut) -> None:
    query = ui.input(t("搜索 (关键词或拼音首字母, 如 wl)", "Search (keyword or pinyin initials, e.g. wl)"),
                     on_change=lambda: results.refresh()).props('clearable data-testid="template-search"')  # fmt: skip

    @ui.refreshable
    def results() -> None:
        with db_session() as session:
            hits = templates.search_templates(session, query.value or "", limit=50)
        for h in hits:
            with ui.expansion(
                f"[{h['category']}] {h['title']} · {t('使用', 'used')} {h['usage_count']}"
            ).classes("w-full"):
                ui.label(h["body"]).classes("whitespace-pre-wrap")
                for i, step in enumerate(h["steps"], start=1):
                    ui.label(f"{t('步骤', 'Step')} {i}: {step}").classes("text-grey-8 text-sm")
                inputs = {v: ui.input(v).props("dense") for v in h["variables"]}
                out = ui.label().classes("text-positive")

                def render(
                    tid: int = h["id"], fields: dict[str, Any] = inputs, target: ui.label = out
                ) -> None:
                    done = run(templates.render_template, tid, {k: f.value or "" for k, f in fields.items()})
                    if done:
                        target.text = done["text"]

                ui.button(t("生成回复", "Render"), on_click=render).props("outline")

    results()
    if user.role in MANAGERS:
        with ui.card().classes("w-full p-4"):
            ui.label(t("新增模板", "New template")).classes("font-bold")
            cat = ui.select(list(TEMPLATE_CATEGORIES), value="售前", label=t("分类", "Category"))
            title = ui.input(t("标题", "Title"))
            body = ui.textarea(t("内容 (变量如 {买家} {订单号})", "Body (variables such as {买家} {订单号})"))

            def add() -> None:
                if run(
                    templates.create_template, category=cat.value, title=title.value or "", body=body.value or ""
                ):
                    ui.notify(t("已保存", "saved"), type="positive")
                    results.refresh()

            with ui.row():
                ui.button(t("保存", "Save"), on_click=add)
                ui.button(t("载入内置模板", "Load shipped templates"),
                          on_click=lambda: (run(templates.seed_templates), results.refresh())).props("outline")  # fmt: skip


@kefu_page("/care/logbooks", "交接日志", "Logbooks")
def logbooks_page(user: UserOut) -> None:
    shops = _shops()
    today = business_day(utc_now())
    who = user.agent_id or user.username
    shop = ui.select(shops, value=shops[0] if shops else None, label=t("店铺", "Shop"))
    with ui.card().classes("w-full p-4"):
        ui.label(t("记一笔", "Add an entry")).classes("font-bold")
        book = ui.select(
            {"issues": t("问题登记本", "Issue register"), "handover": t("交接记录本", "Handover log")},
            value="issues",
        )
        kind = ui.select(
            {"problem": t("问题", "problem"), "idea": t("想法", "idea"), "note": t("备注", "note")},
            value="problem",
        )
        text = ui.textarea(t("内容", "Text"))

        def add() -> None:
            if run(
                books.add_logbook_entry,
                shop_id=shop.value or "",
                book=book.value,
                kind=kind.value,
                author=who,
                text=text.value or "",
                viewer=user,
            ):
                ui.notify(t("已记录", "saved"), type="positive")

        ui.button(t("保存", "Save"), on_click=add).props('data-testid="logbook-add"')
    with db_session() as session:
        stats = books.service_stats(session, today - timedelta(days=1), shop_id=shop.value,
                                   agent_id=access.own_agent(user, None))
        ledger = books.list_ledger(session, agent_id=access.own_agent(user, None),
                                  start=date(today.year, today.month, 1))  # fmt: skip
        weekly = (
            books.weekly_issue_summary(session, shop_id=shop.value or "", day=today, role=user.role)
            if user.role in MANAGERS
            else None
        )
    ui.label(t("服务统计 (昨天, 自动计算)", "Service statistics (yesterday, computed)")).classes("font-bold")
    _table([("agent_id", "客服", "Agent"), ("served", "接待", "Served"), ("converted", "成交", "Converted"),
            ("conversion_rate", "转化率", "Conversion"), ("orders", "订单", "Orders")], stats, "service-stats")  # fmt: skip
    ui.label(t("本月奖罚 (元)", "Fines and rewards this month (yuan)")).classes("font-bold")
    _table([("id", "编号", "ID"), ("agent_id", "客服", "Agent"), ("day", "日期", "Day"), ("kind", "类型", "Kind"),
            ("amount_fen", "金额(元)", "Amount (yuan)"), ("reason", "原因", "Reason"), ("evidence", "依据", "Evidence")],
           ledger["entries"], "ledger")  # fmt: skip
    total = f"{ledger['total_fen'] / 100:,.2f}"
    ui.label(t(f"合计 {total} 元", f"total {total} yuan")).props('data-testid="ledger-total"')
    if weekly is not None:
        ui.label(t(f"本周问题 {len(weekly['problems'])} 条, 想法 {len(weekly['ideas'])} 条",
                   f"This week: {len(weekly['problems'])} problems, {len(weekly['ideas'])} ideas")).classes("font-bold")  # fmt: skip
        for item in [*weekly["problems"], *weekly["ideas"]]:
            ui.label(f"{item['day']} {item['author']}: {item['text']}").classes("text-sm")
