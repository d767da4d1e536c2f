"""``/team``: the supervisor's approvals — pending leave, swaps both agents agreed to, overtime, briefings, marks.

Thin: each list is one :mod:`kefu.service.team.actions` call, each button one
use-case. A swap that would break a hard roster rule is refused by the service
with the rule named; the notice shows it and nothing changes. Chinese first.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from nicegui import run as ng_run
from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ, utc_now
from kefu.service.org.schemas import UserOut
from kefu.service.team import actions, schemas
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import MANAGERS, kefu_page
from kefu.ui.pages.me import actor_of, status_badge, weekday
from kefu.ui.pages.me_growth import section
from kefu.ui.widgets import notify_error, testid


def _decide(action: Any) -> Any:
    """One decision in its own transaction, in a worker thread; a refusal is returned for the page to show."""
    try:
        with db_session() as session:
            return action(session)
    except KefuError as exc:
        return exc


def _done_text(out: Any) -> str:
    """What the decision did; for a leave approval, how the roster changed."""
    replan = getattr(out, "replan", None)
    if replan is None:
        return t("已处理", "done")
    n = len(out.roster_changes)
    if replan.outcome == "replanned":
        return t(f"已批准, 排班已重排: 改动 {n} 格", f"approved; the roster was re-planned: {n} cells changed")
    if replan.outcome == "freed":
        return t(f"已批准, {replan.reason}; 空出的班次已开放领取", f"approved; {replan.reason_en}; the freed shifts are open to pick up")
    return t("已批准", "approved")


@kefu_page("/team", "团队审批", "Approvals", roles=MANAGERS)
def team_page(user: UserOut) -> None:
    who = actor_of(user)

    async def decide(action: Any) -> None:
        done = await ng_run.io_bound(_decide, action)  # a leave approval re-plans the month: seconds, off the loop
        if isinstance(done, KefuError):
            notify_error(done)
            return
        ui.notify(_done_text(done), type="positive", multi_line=True)
        body.refresh()

    def buttons(kind: str, key: int, approve: Any, reject: Any) -> None:
        note = ui.input(t("备注 (驳回必填)", "Note (required to reject)")).props("dense outlined maxlength=500")
        testid(note.classes("w-full"), f"{kind}-note-{key}")
        with ui.row():
            yes = ui.button(t("批准", "Approve"), on_click=lambda: decide(lambda s: approve(s, who, key, str(note.value or ""))))
            no = ui.button(t("驳回", "Reject"), on_click=lambda: decide(lambda s: reject(s, who, key, str(note.value or ""))))
            testid(yes.props("dense no-caps"), f"{kind}-approve-{key}")
            testid(no.props("flat dense no-caps"), f"{kind}-reject-{key}")

    def leave_card(rows: list[schemas.LeaveOut]) -> None:
        with section("待审批的请假", "Leave to decide"):
            if not rows:
                ui.label(t("没有待审批的请假", "nothing to decide")).classes("text-grey-6")
            for r in rows:
                with testid(ui.column().classes("w-full gap-1 border-b py-2"), f"leave-{r.id}"):
                    ui.label(f"{r.agent_name} · {r.kind_label} {r.first_day:%m-%d} {weekday(r.first_day)} ~ "
                             f"{r.last_day:%m-%d} · {r.days}" + t("天", " d") + (f" · {r.reason}" if r.reason else ""))  # fmt: skip
                    buttons("leave", r.id, actions.approve_leave, actions.reject_leave)

    def swaps_card(rows: list[schemas.SwapOut]) -> None:
        with section("换班", "Swaps"):
            if not rows:
                ui.label(t("没有进行中的换班", "no open swaps")).classes("text-grey-6")
            for r in rows:
                with testid(ui.column().classes("w-full gap-1 border-b py-2"), f"swap-{r.id}"):
                    with ui.row().classes("items-center gap-2"):
                        ui.label(f"{r.day:%m-%d} {r.requester_name} ({r.cells.get(r.requester) or t('休', 'rest')}) ↔ "
                                 f"{r.peer_name} ({r.cells.get(r.peer) or t('休', 'rest')})")  # fmt: skip
                        status_badge(r.status, f"swap-status-{r.id}")
                    for f in r.findings:
                        ui.label(t(f.message, f.message_en)).classes("text-xs text-negative")
                    if r.status == "accepted":
                        buttons("swap", r.id, actions.approve_swap, actions.reject_swap)

    def overtime_card(rows: list[schemas.OvertimeOut]) -> None:
        if not rows:
            return
        with section("待审批的加班", "Overtime to decide"):
            for r in rows:
                with testid(ui.column().classes("w-full gap-1 border-b py-2"), f"overtime-{r.id}"):
                    ui.label(f"{r.agent_name} · {r.day:%m-%d} {r.minutes}" + t(" 分钟", " min") + f" ×{r.rate} · {r.reason}")
                    buttons("overtime", r.id, actions.approve_overtime, actions.reject_overtime)

    def briefings_card(rows: list[schemas.BriefingStatusOut]) -> None:
        if not rows:
            return
        with section("新品培训: 未确认的客服", "Briefings: who has not acknowledged"):
            for b in rows:
                missing = [r.agent_name for r in b.rows if r.acknowledged_on is None]
                who_not = t("全部已确认", "everyone acknowledged") if not missing else "、".join(missing)
                line = ui.label(f"{b.briefing.product} · {b.briefing.launch_on:%m-%d}: {who_not}").classes("text-sm")
                testid(line, f"briefing-{b.briefing.id}")

    def marks_card(rows: list[schemas.MarkOut]) -> None:
        if not rows:
            return
        with section("近 7 天考勤 (迟到/缺勤)", "Late and absent, last 7 days"):
            for m in rows:
                how = t(f"迟到 {m.minutes} 分钟", f"late {m.minutes} min") if m.kind == "late" else t("缺勤", "absent")
                so_far = "" if m.final else t(" (尚未上线)", " (not online yet)")
                line = ui.label(f"{m.day:%m-%d} {weekday(m.day)} · {m.agent_name} · {how}{so_far}").classes("text-sm")
                testid(line, f"mark-{m.agent_id}-{m.day.isoformat()}")

    @ui.refreshable
    def body() -> None:
        today = utc_now().astimezone(SHOP_TZ).date()
        with db_session() as session:
            leave = actions.list_leave(session, who, status="pending")
            swaps = [s for s in actions.list_swaps(session, who) if s.status in ("requested", "accepted")]
            overtime = actions.list_overtime(session, who, status="pending")
            briefings = [actions.briefing_status(session, who, b.id) for b in actions.list_briefings(session, who)]
            marks = actions.team_marks(session, who, today - timedelta(days=6), today)
        leave_card(leave)
        swaps_card(swaps)
        overtime_card(overtime)
        briefings_card(briefings)
        marks_card(marks)

    with ui.column().classes("w-full max-w-2xl gap-3"):
        body()
