"""The 奖惩 tab of ``/team/people`` (seed 001 七 / 十一 / 十二): the ladder as data, entries with evidence, the fund.

A violation takes the next step of the shop's ladder (10 元 → 30 元 → dismissal
warning unless the shop set its own); a reward is the listing-error or the
adopted-suggestion amount. Every entry names its evidence and feeds pay. Fines go
to the team activity fund, whose statement (every fine in, every spend out, the
running balance) is what the team sees.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from nicegui import ui
from pydantic import ValidationError

from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ, parse_day, utc_now
from kefu.service.team import actions, schemas
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.pages.me_growth import invalid, section
from kefu.ui.widgets import notify_error, run, testid

KINDS = {"violation": ("违规 (按阶梯处罚)", "violation (the ladder decides)"), "listing_error": ("发现宝贝数据错误", "listing error found"),
         "suggestion": ("建议被采纳", "suggestion adopted")}  # fmt: skip
OUTCOMES = {"fine": ("罚款", "fine"), "dismissal_warning": ("辞退警告", "dismissal warning"), "reward": ("奖励", "reward")}


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f} 元"


def conduct_panel(who: actions.Actor, shop: str) -> None:
    with db_session() as session:
        ladder = actions.conduct_ladder(session, who, shop)
        agents = {p.agent_id: f"{p.name} ({p.agent_id})" for p in actions.shop_agents(session, who, shop)}
    with section("奖惩阶梯 (店铺设置)", "The ladder (shop settings)"), testid(ui.row().classes("items-center gap-1 flex-wrap"), "ladder"):
        for i, step in enumerate(ladder.steps):
            money = f" {yuan(step.amount_fen)}" if step.amount_fen else ""
            ui.badge(t(f"第 {step.count} 次: {step.label}{money}", f"#{step.count}: {OUTCOMES[step.outcome][1]}{money}"),
                     color="negative" if step.outcome == "dismissal_warning" else "warning")  # fmt: skip
            if i < len(ladder.steps) - 1:
                ui.icon("arrow_forward", color="grey")
        ui.label(t(f"({ladder.window_days} 天内累计)", f"(counted over {ladder.window_days} days)")).classes("text-xs text-grey-7")
        for r in ladder.rewards:
            ui.badge(t(f"{r.label}: 奖 {yuan(r.amount_fen)}", f"{KINDS[r.outcome][1]}: {yuan(r.amount_fen)}"), color="positive")

    with section("记录违规或奖励", "Record a violation or a reward"):
        with ui.row().classes("w-full gap-2"):
            agent = ui.select(agents, label=t("客服", "Agent"), on_change=lambda e: show(e.value)).props(
                'dense outlined data-testid="cd-agent"').classes("w-48")
            kind = ui.select({k: t(*v) for k, v in KINDS.items()}, value="violation", label=t("类型", "Kind")).props(
                'dense outlined data-testid="cd-kind"').classes("w-56")
            day = ui.input(t("日期", "Day"), value=f"{utc_now().astimezone(SHOP_TZ).date()}").props(
                'dense outlined type=date data-testid="cd-day"')
        rule = ui.input(t("事由 (违反的规定 / 发现的错误 / 建议)", "What (rule broken, error found, suggestion)")).props(
            'dense outlined maxlength=200 data-testid="cd-rule"').classes("w-full")
        evidence = ui.input(t("依据 (如 会话号、订单号、截图编号)", "Evidence (conversation, order, screenshot no.)")).props(
            'dense outlined maxlength=200 data-testid="cd-evidence"').classes("w-full")

        def record() -> None:
            try:
                body = schemas.ConductIn(agent_id=str(agent.value or ""), day=parse_day(day.value or ""), kind=str(kind.value),
                                         rule=str(rule.value or "").strip(), evidence=str(evidence.value or "").strip())  # fmt: skip
            except KefuError as exc:
                notify_error(exc)
                return
            except ValidationError as exc:  # no agent, no rule or no evidence: an entry always names its evidence
                invalid(exc)
                return
            done = run(lambda s: actions.record_conduct(s, who, body))
            if done is not None:
                zh, en = OUTCOMES[done.outcome]
                money = f" {yuan(abs(done.amount_fen))}" if done.amount_fen else ""
                ui.notify(t(f"{done.agent_name}: {zh}{money}", f"{done.agent_name}: {en}{money}"), type="positive")
                rule.value = evidence.value = ""
                show(done.agent_id)
                fund.refresh()

        ui.button(t("记录", "Record"), on_click=record).props('no-caps data-testid="cd-submit"')
        entries = ui.column().classes("w-full gap-0")

    def show(agent_id: object) -> None:
        entries.clear()
        if not agent_id:
            return
        with db_session() as session:
            rows = actions.list_conduct(session, who, str(agent_id), limit=20)
        with entries:
            for c in rows:
                zh, en = OUTCOMES.get(c.outcome, (c.outcome, c.outcome))
                step = t(f"第 {c.step} 次 ", f"#{c.step} ") if c.step else ""
                money = f" {yuan(abs(c.amount_fen))}" if c.amount_fen else ""
                testid(ui.label(f"{c.day} {c.agent_name} {step}{t(zh, en)}{money} · {c.rule} · {t('依据', 'evidence')} {c.evidence}")
                       .classes("text-sm " + ("text-positive" if c.amount_fen > 0 else "text-negative")), f"conduct-{c.id}")  # fmt: skip

    @ui.refreshable
    def fund() -> None:
        today = utc_now().astimezone(SHOP_TZ).date()
        first = date(today.year, 1, 1)
        with db_session() as session:
            statement = actions.fund_statement(session, who, shop, first, today)
        with section(f"活动经费公示 ({first} ~ {today})", f"Activity fund statement ({first} – {today})"):
            with testid(ui.column().classes("w-full gap-0"), "fund-lines"):
                ui.label(t(f"期初 {yuan(statement.opening_fen)}", f"opening {yuan(statement.opening_fen)}")).classes("text-sm")
                for line in statement.lines:
                    sign = "+" if line.amount_fen > 0 else "−"
                    ui.label(f"{line.day} {sign}{yuan(abs(line.amount_fen))} · {line.text} · {t('余额', 'balance')} "
                             f"{yuan(line.balance_fen)}").classes("text-sm")  # fmt: skip
                testid(ui.label(t(f"余额 {yuan(statement.closing_fen)}", f"balance {yuan(statement.closing_fen)}")).classes(
                    "text-sm font-bold"), "fund-closing")
            with ui.row().classes("w-full gap-2 items-end"):
                amount = ui.input(t("支出 (元)", "Spend (元)")).props("dense outlined inputmode=decimal").classes("w-32")
                purpose = ui.input(t("用途 (如 团建、水果)", "Purpose (outing, fruit…)")).props("dense outlined maxlength=500").classes("grow")

                def spend() -> None:
                    try:
                        fen = Decimal(str(amount.value or "0").strip()) * 100
                        body = schemas.FundSpendIn(shop_id=shop, day=today, amount_fen=int(fen) if fen == int(fen) else 0,
                                                   purpose=str(purpose.value or "").strip())  # fmt: skip
                    except ValidationError as exc:
                        invalid(exc)
                        return
                    except (ValueError, ArithmeticError):
                        ui.notify(t("金额应大于 0, 最多两位小数", "the amount must be positive, at most 2 decimals"), type="negative")
                        return
                    if run(lambda s: actions.spend_fund(s, who, body)) is not None:
                        fund.refresh()

                ui.button(t("登记支出", "Record spend"), on_click=spend).props("no-caps outline")

    fund()
