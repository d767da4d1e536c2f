"""The growth cards of the agent's page (``/me``): my onboarding (and the new hires I mentor), my promotion progress.

Kept apart from :mod:`kefu.ui.pages.me` so each module stays a screenful per topic;
:func:`promotion_view` is also what the supervisor's ``/team/people`` shows per
agent, so both read the same progress the same way. The progress runs the completed
months' KPI, so it loads after the page draws (a phone never waits for it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui
from pydantic import ValidationError

from kefu.service.team import actions
from kefu.service.team.schemas_growth import PromotionOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.widgets import load_into, run, testid


def invalid(exc: ValidationError) -> None:
    """A form field the request model refused (empty or too long), named in both languages."""
    where = ".".join(str(x) for x in exc.errors()[0]["loc"])
    ui.notify(t(f"请检查输入: {where} (必填或过长)", f"check the input: {where} (required or too long)"), type="negative")


def section(zh: str, en: str) -> Any:
    card = ui.card().classes("w-full p-3 gap-2")
    with card:
        ui.label(t(zh, en)).classes("text-base font-bold")
    return card


def promotion_view(p: PromotionOut) -> None:
    """Where an agent stands on the track: the levels, each criterion of the next step (have / need), the scores."""
    with ui.row().classes("items-center gap-1 flex-wrap"):
        for i, level in enumerate(p.track):
            here = level == p.level
            testid(ui.badge(level, color="primary" if here else "grey-4", text_color=None if here else "grey-8"),
                   f"level-{level}" if here else f"track-{i}")  # fmt: skip
            if i < len(p.track) - 1:
                ui.icon("chevron_right", color="grey")
    since = t(f" · {p.since} 起 {p.months_at_level} 个月", f" · since {p.since}, {p.months_at_level} months") if p.since else ""
    ui.label(t(f"当前职级 {p.level}", f"Level {p.level_en}") + since).classes("text-sm")
    if p.next_level is None:
        ui.label(t("已是最高职级", "at the top level")).classes("text-sm text-positive")
        return
    verdict = t(f"已满足晋升{p.next_level}的条件, 等待主管确认", f"meets every criterion for {p.next_level_en}; the supervisor decides") \
        if p.eligible else t(f"晋升{p.next_level}还需:", f"for {p.next_level_en}:")  # fmt: skip
    testid(ui.label(verdict).classes("text-sm " + ("text-positive font-bold" if p.eligible else "")), "promotion-verdict")
    for c in p.criteria:
        with testid(ui.row().classes("w-full items-center no-wrap gap-2"), f"criterion-{c.key}"):
            ui.icon("check_circle" if c.met else "radio_button_unchecked", color="positive" if c.met else "grey")
            ui.label(t(c.label, c.label_en)).classes("text-sm grow")
            ui.label(t(f"{c.have} / 需 {c.need}", f"{c.have} / {c.need} needed")).classes("text-sm font-bold")
    scores = " · ".join(f"{m.month} {m.score or '–'}" for m in p.scores)
    ui.label(t(f"月度绩效分: {scores}", f"Monthly KPI: {scores}")).classes("text-xs text-grey-7")


def promotion_card(who: actions.Actor) -> None:
    """我的晋升进度: the level, each criterion of the next step, the months' KPI scores."""
    with section("我的晋升进度", "My promotion progress"):
        holder = testid(ui.column().classes("w-full gap-1"), "my-promotion")
        with holder:
            ui.spinner()

    async def load() -> None:
        await load_into(holder, lambda session: actions.promotion_progress(session, who), promotion_view)

    ui.timer(0.1, load, once=True)


def onboarding_card(who: actions.Actor, refresh: Callable[[], Any]) -> None:
    """My probation (mentor, checklist, end date) and the new hires I mentor, whose items I tick."""
    with db_session() as session:
        rows = actions.list_onboardings(session, who)
    if not rows:
        return
    with section("入职带教", "Onboarding"):
        for o in rows:
            mentee = o.agent_id != who.agent_id
            head = t(f"带教 {o.agent_name} · 试用期至 {o.probation_end}", f"mentoring {o.agent_name} · probation to {o.probation_end}") \
                if mentee else t(f"我的带教人 {o.mentor_name} · 试用期至 {o.probation_end}", f"mentor {o.mentor_name} · probation to {o.probation_end}")  # fmt: skip
            if o.status == "regular":
                head += t(f" · 已于 {o.regular_on} 转正", f" · regular since {o.regular_on}")
            with testid(ui.column().classes("w-full gap-0 border-b py-1"), f"my-onboarding-{o.agent_id}"):
                ui.label(head).classes("text-sm font-bold")
                for i, c in enumerate(o.checklist):
                    with ui.row().classes("w-full items-center no-wrap gap-2"):
                        ui.icon("check_circle" if c.done_on else "radio_button_unchecked", color="positive" if c.done_on else "grey")
                        ui.label(c.item + (f" ({c.done_on:%m-%d})" if c.done_on else "")).classes("text-sm grow")
                        if mentee and not c.done_on:
                            testid(ui.button(t("完成", "Done"), on_click=lambda a=o.agent_id, i=i: _tick(who, a, i, refresh))
                                   .props("flat dense no-caps size=sm").classes("shrink-0"), f"my-tick-{o.agent_id}-{i}")  # fmt: skip


def _tick(who: actions.Actor, agent_id: str, item: int, refresh: Callable[[], Any]) -> None:
    if run(lambda s: actions.tick_onboarding(s, who, agent_id, item)) is not None:
        ui.notify(t("已完成", "done"), type="positive")
        refresh()
