"""``/me``: the agent's own page, made for a phone: my roster, requests and decisions, tasks, balances, pay so far.

Thin: one :func:`kefu.service.team.actions.my_page` call draws the page; each
form calls one use-case (leave, swap, overtime, pick-up, accept/decline). The
service checks that everything is the agent's own. Chinese first; every label
has its English twin.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ, parse_day
from kefu.service.org.schemas import UserOut
from kefu.service.team import actions, schemas
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import kefu_page
from kefu.ui.pages.me_growth import onboarding_card, promotion_card, section
from kefu.ui.widgets import load_into, notify_error, run, testid

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
STATUS = {"pending": ("待审批", "pending"), "requested": ("待对方接受", "awaiting peer"),
          "accepted": ("待主管审批", "awaiting supervisor"), "approved": ("已批准", "approved"),
          "rejected": ("已驳回", "rejected"), "declined": ("对方已拒绝", "declined"), "cancelled": ("已撤回", "withdrawn"),
          "booked": ("已登记", "booked"), "open": ("可领取", "open"), "taken": ("已领取", "taken")}  # fmt: skip
STATUS_COLOR = {"approved": "positive", "booked": "positive", "rejected": "negative", "declined": "negative",
                "cancelled": "grey", "pending": "warning", "requested": "warning", "accepted": "warning"}  # fmt: skip
LEAVE_KINDS = ("事假", "病假", "年假", "调休")
MARKS = {"late": ("迟到", "late"), "absent": ("缺勤", "absent")}


def actor_of(user: UserOut) -> actions.Actor:
    return actions.Actor(user.username, user.role, user.agent_id, user.team)


def status_badge(status: str, key: str) -> None:
    zh, en = STATUS.get(status, (status, status))
    testid(ui.badge(t(zh, en), color=STATUS_COLOR.get(status, "primary")), key)


def weekday(day: date) -> str:
    return t(f"周{WEEKDAYS[day.weekday()]}", WEEKDAYS_EN[day.weekday()])


def _day(text: str | None) -> date:
    return parse_day(text or "")


@kefu_page("/me", "我的", "Me", roles=("agent",))
def me_page(user: UserOut) -> None:
    who = actor_of(user)
    box = ui.column().classes("w-full max-w-xl gap-3")

    def submit(action: Any) -> None:
        """Run one use-case; on success redraw the page with the new state."""
        if run(action) is not None:
            ui.notify(t("已提交", "submitted"), type="positive")
            body.refresh()

    @ui.refreshable
    def body() -> None:
        try:
            with db_session() as session:
                page = actions.my_page(session, who)
                peers = actions.peers(session, who)
        except KefuError as exc:
            ui.label(f"{exc.message} / {exc.message_en}").classes("text-negative")
            return
        roster_card(page)
        briefings_card(page)
        requests_card(page)
        leave_form(page)
        swap_form(page, peers)
        overtime_form()
        open_shifts_card(page)
        balances_card(page)
        tasks_card(page)
        conduct_card(page)
        goals_card(page)
        onboarding_card(who, body.refresh)
        promotion_card(who)
        figures_card()

    def roster_card(page: schemas.MyPage) -> None:
        with section("我的排班", "My roster"), ui.column().classes("w-full gap-0").props('data-testid="my-roster"'):
            for cell in page.roster:
                today = cell.day == page.today
                row = ui.row().classes("w-full items-center justify-between py-1 border-b" + (" bg-blue-1" if today else ""))
                with testid(row, f"roster-{cell.day.isoformat()}"):
                    ui.label(f"{cell.day:%m-%d} {weekday(cell.day)}").classes("text-sm")
                    if cell.leave:
                        ui.badge(t("请假", "leave"), color="orange")
                    text = f"{cell.shift} {cell.start}–{cell.end}" if cell.shift else t("休息", "rest")
                    ui.label(text).classes("text-sm" + ("" if cell.shift else " text-grey-6"))
            for n in page.roster_notices:
                was, now = n.before or t("休息", "rest"), n.after or t("休息", "rest")
                line = ui.label(t(f"排班调整 (因 {n.because} 请假): {n.day:%m-%d} {was} → {now}",
                                  f"Roster changed ({n.because} on leave): {n.day:%m-%d} {was} → {now}"))
                testid(line.classes("text-xs text-primary"), f"roster-notice-{n.day.isoformat()}")

    def briefings_card(page: schemas.MyPage) -> None:
        todo = [b for b in page.briefings if b.acknowledged_at is None]
        done = [b for b in page.briefings if b.acknowledged_at is not None]
        if not page.briefings:
            return
        with section("新品培训", "Product briefings"):
            if done:
                learnt = "、".join(f"{b.product} ({b.acknowledged_at.astimezone(SHOP_TZ):%m-%d})" for b in done if b.acknowledged_at)
                testid(ui.label(t(f"已学习: {learnt}", f"Acknowledged: {learnt}")).classes("text-xs text-positive"), "briefings-done")
            for b in todo:
                title = t(f"{b.product} · {b.launch_on:%m-%d} 上架", f"{b.product} · launch {b.launch_on:%m-%d}")
                with testid(ui.expansion(title).classes("w-full"), f"briefing-{b.id}"):
                    for a in b.attributes:
                        ui.label(f"{a['name']}: {a['value']}").classes("text-sm")
                    for f in b.faq:
                        ui.label(f"问: {f['question']} — 答: {f['answer']}").classes("text-xs text-grey-7")
                    picks = []
                    for q in b.quiz:
                        ui.label(q.question).classes("text-sm font-bold")
                        picks.append(ui.radio(dict(enumerate(q.options))).props("dense"))

                    def send(i: int = b.id, picks: list[Any] = picks) -> None:
                        answers = [int(p.value) if p.value is not None else -1 for p in picks]
                        graded = run(lambda s: actions.acknowledge_briefing(s, who, i, schemas.AnswersIn(answers=answers)))
                        if graded is not None and not graded.passed:
                            ui.notify(t(f"答对 {graded.right}/{graded.total}, 请再学习", f"{graded.right}/{graded.total} right, try again"),
                                      type="warning")  # fmt: skip
                        elif graded is not None:
                            ui.notify(t("已确认学习", "acknowledged"), type="positive")
                            body.refresh()

                    testid(ui.button(t("提交答案", "Submit answers"), on_click=send).props("dense no-caps"), f"briefing-submit-{b.id}")

    def conduct_card(page: schemas.MyPage) -> None:
        if not page.conduct:
            return
        with section("奖惩记录", "Fines and rewards"):
            for c in page.conduct:
                money = f" {abs(c.amount_fen) / 100:,.2f} 元" if c.amount_fen else ""
                outcome = {"fine": t("罚款", "fine"), "reward": t("奖励", "reward")}.get(c.outcome, t("辞退警告", "dismissal warning"))
                step = t(f"第 {c.step} 次 ", f"#{c.step} ") if c.step else ""
                with testid(ui.column().classes("w-full gap-0 border-b py-1"), f"conduct-{c.id}"):
                    ui.label(f"{c.day:%m-%d} {step}{outcome}{money} · {c.rule}").classes(
                        "text-sm " + ("text-positive" if c.amount_fen > 0 else "text-negative"))
                    ui.label(t(f"依据: {c.evidence} · 记录人 {c.created_by}", f"evidence: {c.evidence} · by {c.created_by}")).classes(
                        "text-xs text-grey-7")

    def goals_card(page: schemas.MyPage) -> None:
        if not page.goals:
            return
        with section("我的半年目标", "My six-month goals"):
            for g in page.goals:
                sign = "≤" if g.lower_is_better else "≥"
                ui.label(f"{g.label} {sign} {g.target} ({g.start:%m-%d}~{g.end:%m-%d})").classes("text-sm")
                if g.direction:
                    ui.label(t(f"发展方向: {g.direction}", f"Direction: {g.direction}")).classes("text-xs text-grey-7")

    def requests_card(page: schemas.MyPage) -> None:
        with section("我的申请", "My requests"):
            if not (page.leave or page.swaps or page.overtime):
                ui.label(t("暂无申请", "no requests yet")).classes("text-grey-6")
            for leave in page.leave:
                with testid(ui.column().classes("w-full gap-0 border-b py-1"), f"leave-{leave.id}"):
                    with ui.row().classes("w-full items-center justify-between"):
                        ui.label(f"{leave.kind_label} {leave.first_day:%m-%d}~{leave.last_day:%m-%d} · {leave.days}"
                                 + t("天", " d"))  # fmt: skip
                        status_badge(leave.status, f"leave-status-{leave.id}")
                    if leave.decision_note:
                        ui.label(t(f"主管 {leave.decided_by}: ", f"{leave.decided_by}: ") + leave.decision_note).classes("text-xs text-grey-7")
                    if leave.status == "pending":
                        ui.button(t("撤回", "Withdraw"), on_click=lambda i=leave.id: submit(
                            lambda s: actions.cancel_leave(s, who, i))).props("flat dense no-caps size=sm")
            for swap in page.swaps:
                mine = swap.requester == user.agent_id
                other = swap.peer_name if mine else swap.requester_name
                with testid(ui.column().classes("w-full gap-0 border-b py-1"), f"swap-{swap.id}"):
                    with ui.row().classes("w-full items-center justify-between"):
                        ui.label(t(f"换班 {swap.day:%m-%d} 与 {other}", f"swap {swap.day:%m-%d} with {other}"))
                        status_badge(swap.status, f"swap-status-{swap.id}")
                    for f in swap.findings:
                        ui.label(t(f.message, f.message_en)).classes("text-xs text-negative")
                    if swap.decision_note:
                        ui.label(swap.decision_note).classes("text-xs text-grey-7")
                    if not mine and swap.status == "requested":
                        with ui.row():
                            testid(ui.button(t("接受", "Accept"), on_click=lambda i=swap.id: submit(
                                lambda s: actions.accept_swap(s, who, i))).props("dense no-caps"), f"swap-accept-{swap.id}")
                            ui.button(t("拒绝", "Decline"), on_click=lambda i=swap.id: submit(
                                lambda s: actions.decline_swap(s, who, i))).props("flat dense no-caps")
            for o in page.overtime:
                with testid(ui.row().classes("w-full items-center justify-between border-b py-1"), f"overtime-{o.id}"):
                    ui.label(t(f"加班 {o.day:%m-%d} {o.minutes} 分钟 ×{o.rate}", f"overtime {o.day:%m-%d} {o.minutes} min ×{o.rate}"))
                    status_badge(o.status, f"overtime-status-{o.id}")

    def leave_form(page: schemas.MyPage) -> None:
        with section("请假", "Request leave"):
            kind = ui.select(list(LEAVE_KINDS), value="事假", label=t("假别", "Type")).props('dense outlined data-testid="leave-kind"').classes("w-full")
            with ui.row().classes("w-full no-wrap gap-2"):
                first = ui.input(t("开始", "From")).props('dense outlined type=date data-testid="leave-from"').classes("w-1/2")
                last = ui.input(t("结束", "To")).props('dense outlined type=date data-testid="leave-to"').classes("w-1/2")
            reason = ui.input(t("原因", "Reason")).props('dense outlined maxlength=500 data-testid="leave-reason"').classes("w-full")

            def send() -> None:
                try:
                    body_in = schemas.LeaveIn(agent_id=user.agent_id or "", kind=str(kind.value), first_day=_day(first.value),
                                              last_day=_day(last.value), reason=str(reason.value or ""))  # fmt: skip
                except KefuError as exc:
                    notify_error(exc)
                    return
                submit(lambda s: actions.request_leave(s, who, body_in))

            ui.button(t("提交请假", "Submit"), on_click=send).props('no-caps data-testid="leave-submit"').classes("w-full")

    def swap_form(page: schemas.MyPage, peers: list[schemas.Peer]) -> None:
        with section("换班", "Swap a shift"):
            day = ui.input(t("日期", "Date")).props('dense outlined type=date data-testid="swap-date"').classes("w-full")
            peer = ui.select({p.agent_id: p.name for p in peers}, label=t("与谁换", "With")).props(
                'dense outlined data-testid="swap-peer"').classes("w-full")

            def send() -> None:
                try:
                    body_in = schemas.SwapIn(agent_id=user.agent_id or "", day=_day(day.value), peer_id=str(peer.value or "-"))
                except KefuError as exc:
                    notify_error(exc)
                    return
                submit(lambda s: actions.request_swap(s, who, body_in))

            ui.button(t("发起换班", "Ask"), on_click=send).props('no-caps data-testid="swap-submit"').classes("w-full")

    def overtime_form() -> None:
        with section("加班申请", "Ask for overtime"):
            day = ui.input(t("日期", "Date")).props("dense outlined type=date").classes("w-full")
            minutes = ui.number(t("分钟", "Minutes"), value=60, min=1, max=720, step=30).props("dense outlined").classes("w-full")
            reason = ui.input(t("原因 (如 双11)", "Reason (e.g. 双11)")).props("dense outlined maxlength=500").classes("w-full")
            comp = ui.select({"pay": t("加班费", "overtime pay"), "comp_leave": t("调休 (仅休息日)", "comp leave (rest days)")},
                             value="pay", label=t("补偿", "Compensation")).props("dense outlined").classes("w-full")

            def send() -> None:
                try:
                    body_in = schemas.OvertimeIn(agent_id=user.agent_id or "", day=_day(day.value), minutes=int(minutes.value or 0),
                                                 reason=str(reason.value or "-"), compensation=comp.value)  # fmt: skip
                except KefuError as exc:
                    notify_error(exc)
                    return
                except ValueError:
                    ui.notify(t("分钟数应在 1–720", "minutes must be 1–720"), type="negative")
                    return
                submit(lambda s: actions.request_overtime(s, who, body_in))

            ui.button(t("提交加班申请", "Submit"), on_click=send).props("no-caps").classes("w-full")

    def open_shifts_card(page: schemas.MyPage) -> None:
        if not page.open_shifts:
            return
        with section("可领取的班次", "Open shifts"):
            for o in page.open_shifts:
                with testid(ui.row().classes("w-full items-center justify-between"), f"open-{o.id}"):
                    ui.label(f"{o.day:%m-%d} {weekday(o.day)} {o.shift_code} · {o.skill}")
                    ui.button(t("领取", "Pick up"), on_click=lambda i=o.id: submit(
                        lambda s: actions.pick_up_shift(s, who, i, user.agent_id or ""))).props("dense no-caps")

    def balances_card(page: schemas.MyPage) -> None:
        with section("我的假期余额", "My balances"), ui.row().classes("w-full gap-4"):
            for b in page.balances:
                if b.unit == "minute":
                    value = t(f"{b.remaining or 0} 分钟", f"{b.remaining or 0} min")
                elif b.remaining is not None:
                    value = t(f"剩 {b.remaining} 天", f"{b.remaining} d left")
                else:
                    value = t(f"已用 {b.used} 天", f"{b.used} d used")
                with testid(ui.column().classes("gap-0"), f"balance-{b.kind}"):
                    ui.label(b.label).classes("text-xs text-grey-7")
                    ui.label(value).classes("text-sm font-bold")
            if page.marks:
                marks = "、".join(f"{m.day:%m-%d} {t(*MARKS[m.kind])}" for m in page.marks)
                ui.label(t(f"本月考勤: {marks}", f"This month: {marks}")).classes("text-xs text-negative").props('data-testid="my-marks"')

    def tasks_card(page: schemas.MyPage) -> None:
        with section("我的任务", "My tasks"):
            if not page.tasks:
                ui.label(t("没有待办任务", "no open tasks")).classes("text-grey-6")
            for task in page.tasks[:10]:
                ui.label(f"#{task.id} {task.task_type} {task.order_id}" + (t(" · 逾期", " · late") if task.overdue else "")).classes("text-sm")
            ui.link(t("全部任务 →", "All tasks →"), "/tasks").classes("text-sm")

    def figures_card() -> None:
        card = section("本月绩效与工资 (至今)", "KPI and pay so far")
        with card:
            holder = ui.column().classes("w-full gap-1").props('data-testid="my-figures"')
            with holder:
                ui.spinner()

        def show(result: schemas.MyFigures) -> None:
            score = result.score or "–"
            grade = t("试用期 (不参与评级)", "probation (not graded)") if result.excluded else result.grade
            ui.label(t(f"绩效分 {score} · {grade}", f"KPI {score} · {grade}")).classes("text-sm")
            if result.pay_total_fen is not None:
                ui.label(t(f"工资合计 ¥{result.pay_total_fen / 100:,.2f}", f"Pay ¥{result.pay_total_fen / 100:,.2f}")).classes("text-sm font-bold")
            for line in result.lines:
                ui.label(f"{line.label}: ¥{line.amount_fen / 100:,.2f}").classes("text-xs text-grey-7")


        async def load() -> None:
            await load_into(holder, lambda session: actions.my_figures(session, who), show)

        ui.timer(0.1, load, once=True)

    with box:
        body()
