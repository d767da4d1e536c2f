"""``/team/people``: the supervisor's people work — product briefings, fines and rewards, onboarding, goals and promotions.

One tab per process of the seeds (001 三 / 七 / 九 / 十一 / 十二, 004); each panel
lives in its own module (:mod:`.team_briefings`, :mod:`.team_conduct`) or below
(onboarding, goals and the promotion track) and calls one
:mod:`kefu.service.team.actions` use-case per list or button. The service checks
roles and the supervisor's team. Chinese first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from nicegui import run as ng_run
from nicegui import ui
from pydantic import ValidationError

from kefu.domain.errors import KefuError
from kefu.domain.timeutil import parse_day
from kefu.service.org import actions_admin as org_admin
from kefu.service.org.schemas import UserOut
from kefu.service.team import actions, schemas
from kefu.service.team.schemas_growth import NormOut, PromoteIn, PromotionOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import MANAGERS, kefu_page
from kefu.ui.pages.me import actor_of
from kefu.ui.pages.me_growth import invalid, promotion_view, section
from kefu.ui.pages.team_briefings import briefings_panel
from kefu.ui.pages.team_conduct import conduct_panel
from kefu.ui.widgets import load_into, notify_error, run, testid

# Goal metrics: the monthly KPI score and the figures shops are judged by (name, zh, en, lower is better).
GOAL_METRICS = {
    "kpi_total": ("月度绩效分", "monthly KPI score", False),
    "inq_conv_pay_final": ("询单→最终付款转化率", "inquiry → paid conversion", False),
    "fast_rate": ("3分钟响应率", "3-minute response rate", False),
    "reply_rate": ("回复率", "reply rate", False),
    "avg_resp_s": ("平均响应时间(秒)", "average response time (s)", True),
}


@kefu_page("/team/people", "培训与成长", "People", roles=MANAGERS)
def people_page(user: UserOut) -> None:
    who = actor_of(user)
    with db_session() as session:
        shops = org_admin.shop_ids(session)
    shop = ui.select(shops, value=shops[0] if shops else None, label=t("店铺", "Shop"),
                     on_change=lambda: body.refresh()).props('dense outlined data-testid="people-shop"')  # fmt: skip
    with ui.tabs().classes("w-full max-w-4xl").props("align=left") as tabs:
        tab_b = testid(ui.tab(t("产品培训", "Briefings")), "tab-briefings")
        tab_c = testid(ui.tab(t("奖惩", "Fines & rewards")), "tab-conduct")
        tab_o = testid(ui.tab(t("入职带教", "Onboarding")), "tab-onboarding")
        tab_g = testid(ui.tab(t("目标与晋升", "Goals & promotion")), "tab-growth")
    pending: list[Callable[[], Awaitable[None]]] = []  # the track runs the months' KPI: only once its tab is open

    async def open_growth() -> None:
        if tabs.value in (tab_g, tab_g.props.get("name")) and pending:
            await pending.pop()()

    tabs.on_value_change(open_growth)

    @ui.refreshable
    def body() -> None:
        if not shop.value:
            ui.label(t("还没有店铺", "no shop yet")).classes("text-grey-6")
            return
        sid = str(shop.value)
        pending.clear()
        with ui.tab_panels(tabs, value=tabs.value or tab_b).classes("w-full max-w-4xl"):
            with ui.tab_panel(tab_b):
                briefings_panel(who, sid)
            with ui.tab_panel(tab_c):
                conduct_panel(who, sid)
            with ui.tab_panel(tab_o):
                onboarding_panel(who, sid)
            with ui.tab_panel(tab_g):
                pending.append(growth_panel(who, sid))
        ui.timer(0.1, open_growth, once=True)  # the growth tab already open when the shop changed

    body()


def _agents(who: actions.Actor, shop: str) -> dict[str, str]:
    with db_session() as session:
        return {p.agent_id: f"{p.name} ({p.agent_id})" for p in actions.shop_agents(session, who, shop)}


def onboarding_panel(who: actions.Actor, shop: str) -> None:
    """New hires: the mentor (一人带一个), the checklist, probation end, the early-转正 proposal."""
    agents = _agents(who, shop)

    @ui.refreshable
    def rows() -> None:
        with db_session() as session:
            items = actions.list_onboardings(session, who, shop)
        if not items:
            ui.label(t("没有入职带教记录", "no onboarding yet")).classes("text-grey-6")
        for o in items:
            onboarding_card(o)

    def onboarding_card(o: schemas.OnboardingOut) -> None:
        state = t("试用期", "probation") if o.status == "probation" else t(f"已转正 {o.regular_on}", f"regular since {o.regular_on}")
        with testid(ui.card().classes("w-full p-3 gap-1"), f"onboarding-{o.agent_id}"):
            ui.label(t(f"{o.agent_name} · 带教 {o.mentor_name} · 入职 {o.started_on} · 试用期至 {o.probation_end} · {state}",
                       f"{o.agent_name} · mentor {o.mentor_name} · started {o.started_on} · probation to "
                       f"{o.probation_end} · {state}")).classes("text-sm font-bold")  # fmt: skip
            for i, c in enumerate(o.checklist):
                with ui.row().classes("items-center gap-2"):
                    if c.done_on:
                        ui.icon("check_circle", color="positive")
                        ui.label(f"{c.item} — {c.done_on} {c.by}").classes("text-sm")
                    else:
                        ui.icon("radio_button_unchecked", color="grey")
                        ui.label(c.item).classes("text-sm")
                        tick = ui.button(t("完成", "Done"), on_click=lambda i=i: act(
                            lambda s: actions.tick_onboarding(s, who, o.agent_id, i))).props("flat dense no-caps size=sm")
                        testid(tick, f"tick-{o.agent_id}-{i}")
            if o.status == "probation":
                proposal = ui.column().classes("gap-0")
                with ui.row().classes("gap-2"):
                    testid(ui.button(t("检查能否提前转正", "Check early 转正"), on_click=lambda: propose(o.agent_id, proposal))
                           .props("dense no-caps outline"), f"early-{o.agent_id}")  # fmt: skip
                    day = ui.input(t("转正日", "Regular from")).props("dense outlined type=date")
                    testid(ui.button(t("确认转正", "Make regular"), on_click=lambda: act(
                        lambda s: actions.confirm_regular(s, who, o.agent_id, parse_day(day.value or ""))))
                           .props("dense no-caps"), f"regular-{o.agent_id}")  # fmt: skip

    def proposal_view(result: schemas.EarlyRegularOut) -> None:
        verdict = t("建议提前转正", "early 转正 proposed") if result.eligible else t("暂不满足提前转正", "not yet")
        ui.label(verdict).classes("text-sm " + ("text-positive" if result.eligible else "text-grey-7"))
        ui.label(t("带教清单已完成", "checklist done") if result.checklist_done else t("带教清单未完成", "checklist not done")).classes("text-xs")
        for c in result.checks:
            ui.label(f"{c.label} ({result.month}): {c.value or '–'} / {t('团队常模', 'team norm')} {c.norm or '–'}"
                     + (" ✓" if c.met else " ✗")).classes("text-xs")  # fmt: skip

    async def propose(agent_id: str, holder: Any) -> None:
        await load_into(holder, lambda session: actions.early_regular(session, who, agent_id), proposal_view)

    def act(action: Any) -> None:
        if run(action) is not None:
            ui.notify(t("已保存", "saved"), type="positive")
            rows.refresh()

    with section("新员工入职 (一人带一个)", "New hire (one mentor each)"):
        with ui.row().classes("w-full gap-2"):
            hire = ui.select(agents, label=t("新员工", "New hire")).props('dense outlined data-testid="ob-agent"').classes("w-48")
            mentor = ui.select(agents, label=t("带教人", "Mentor")).props('dense outlined data-testid="ob-mentor"').classes("w-48")
            start = ui.input(t("入职日", "Start")).props('dense outlined type=date data-testid="ob-start"')
            months = ui.select({m: t(f"{m} 个月", f"{m} months") for m in range(1, 7)}, value=3,
                               label=t("试用期", "Probation")).props("dense outlined")  # fmt: skip

        def start_clicked() -> None:
            try:
                body = schemas.OnboardingIn(agent_id=str(hire.value or ""), mentor_id=str(mentor.value or ""),
                                            started_on=parse_day(start.value or ""), months=int(months.value or 3))  # fmt: skip
            except KefuError as exc:
                notify_error(exc)
                return
            except ValidationError as exc:  # no new hire or no mentor chosen
                invalid(exc)
                return
            act(lambda s: actions.start_onboarding(s, who, body))

        ui.button(t("开始带教", "Start onboarding"), on_click=start_clicked).props('no-caps data-testid="ob-submit"')
    rows()


def growth_panel(who: actions.Actor, shop: str) -> Callable[[], Awaitable[None]]:
    """Six-month goals at 120–130 % of the team norm, and every agent's place on the promotion track."""
    agents = _agents(who, shop)
    with section("设定半年目标 (团队常模的 120%–130%)", "Set a six-month goal (120–130 % of the team norm)"):
        with ui.row().classes("w-full gap-2 items-end"):
            agent = ui.select(agents, label=t("客服", "Agent")).props('dense outlined data-testid="goal-agent"').classes("w-48")
            metric = ui.select({k: t(v[0], v[1]) for k, v in GOAL_METRICS.items()}, value="kpi_total",
                               label=t("指标", "Metric")).props('dense outlined data-testid="goal-metric"').classes("w-56")  # fmt: skip
            norm = ui.input(t("团队常模", "Team norm")).props('dense outlined data-testid="goal-norm"').classes("w-32")
            factor = ui.select({"1.2": "120%", "1.25": "125%", "1.3": "130%"}, value="1.2",
                               label=t("目标系数", "Factor")).props("dense outlined").classes("w-28")  # fmt: skip
            start = ui.input(t("开始", "Start")).props('dense outlined type=date data-testid="goal-start"')
        direction = ui.input(t("发展方向 (如 售后组长、培训讲师)", "Direction (e.g. after-sales lead)")).props(
            'dense outlined maxlength=500 data-testid="goal-direction"').classes("w-full")

        async def fill_norm() -> None:
            def compute() -> NormOut | KefuError:
                try:
                    with db_session() as session:
                        return actions.goal_norm(session, who, shop, str(metric.value))
                except KefuError as exc:
                    return exc

            result = await ng_run.io_bound(compute)
            if isinstance(result, KefuError):
                notify_error(result)
            elif result is None:
                return
            elif result.norm is None:
                ui.notify(t(f"{result.month} 没有该指标的数据", f"no figures for {result.month}"), type="warning")
            else:
                norm.value = result.norm
                ui.notify(t(f"{result.month} 团队 {result.agents} 人的均值", f"mean of {result.agents} agents, {result.month}"))

        def save() -> None:
            key = str(metric.value)
            try:
                body = schemas.GoalIn(agent_id=str(agent.value or ""), metric=key, label=GOAL_METRICS[key][0],
                                      norm=Decimal(str(norm.value or "0")), factor=Decimal(str(factor.value)),
                                      lower_is_better=GOAL_METRICS[key][2], start=parse_day(start.value or ""),
                                      direction=str(direction.value or ""))  # fmt: skip
            except KefuError as exc:
                notify_error(exc)
                return
            except ValidationError as exc:  # no agent chosen, a norm of 0
                invalid(exc)
                return
            except (InvalidOperation, ValueError):
                ui.notify(t("团队常模应为大于 0 的数", "the team norm must be a positive number"), type="negative")
                return
            goal = run(lambda s: actions.set_goal(s, who, body))
            if goal is not None:
                sign = "≤" if goal.lower_is_better else "≥"
                ui.notify(t(f"目标已设定: {goal.label} {sign} {goal.target}", f"goal set: {goal.label} {sign} {goal.target}"),
                          type="positive")  # fmt: skip

        with ui.row().classes("gap-2"):
            ui.button(t("取团队上月常模", "Use last month's team norm"), on_click=fill_norm).props(
                'outline no-caps data-testid="goal-fill-norm"')
            ui.button(t("保存目标", "Save goal"), on_click=save).props('no-caps data-testid="goal-submit"')
    return promotions_card(who, shop)


def promotions_card(who: actions.Actor, shop: str) -> Callable[[], Awaitable[None]]:
    """The team on the track, computed from the completed months' KPI; returns the loader (run when shown)."""
    card = section("晋升通道: 初级 → 中级 → 高级 → 组长", "Promotion track: junior → intermediate → senior → lead")
    with card:
        holder = testid(ui.column().classes("w-full gap-2"), "promotions")
        with holder:
            ui.spinner()

    async def promote(row: PromotionOut, day: Any) -> None:
        done = run(lambda s: actions.promote_agent(s, who, row.agent_id, PromoteIn(day=parse_day(day.value or ""))))
        if done is not None:
            ui.notify(t(f"{row.agent_name} 已晋升为{done.level}", f"{row.agent_name} promoted to {done.level_en}"),
                      type="positive")  # fmt: skip
            await load()

    def rows_view(result: list[PromotionOut]) -> None:
        for row in result:
            with testid(ui.column().classes("w-full gap-1 border-b py-2"), f"promotion-{row.agent_id}"):
                ui.label(row.agent_name).classes("text-sm font-bold")
                promotion_view(row)
                if row.eligible:
                    with ui.row().classes("items-center gap-2"):
                        day = ui.input(t("晋升日", "From")).props("dense outlined type=date")
                        testid(ui.button(t(f"晋升为{row.next_level}", f"Promote to {row.next_level_en}"),
                                         on_click=lambda r=row, d=day: promote(r, d)).props("dense no-caps"),
                               f"promote-{row.agent_id}")  # fmt: skip

    async def load() -> None:
        await load_into(holder, lambda session: actions.team_promotions(session, who, shop), rows_view)

    return load
