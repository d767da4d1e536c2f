"""The roster page's month grid and tables, drawn from :class:`RosterBoardOut` (no queries here).

The grid is a plain table in a horizontally scrolling box whose first column stays put:
day headers with weekday and 法定节假日/休/调休 marks, one line per agent (a colour per
shift, 休 for a rest day, 假 for approved leave, a ring round each cell the last plan
changed), then the head-count per shift and skill against the requirement and the share
of the requirement covered each day. Every text is a text node (never markup); test ids
go through :func:`testid`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from nicegui import ui
from nicegui.element import Element
from nicegui.elements.mixins.text_element import TextElement

from kefu.service.plan.schemas_board import BoardRowOut, DayMarkOut, RosterBoardOut
from kefu.ui.i18n import t
from kefu.ui.widgets import testid

E = TypeVar("E", bound=Element)



def _td(text: str, tag: str = "td") -> TextElement:
    return TextElement(tag=tag, text=text)


def _sticky(element: E) -> E:
    """The frozen first column: it stays put while the days scroll under it."""
    return element.classes("sticky left-0 z-10 bg-white border-r px-2 text-left whitespace-nowrap")


def short_codes(codes: list[str]) -> dict[str, str]:
    """A shift's first character when no other shift shares it (白班 → 白), else the whole code."""
    first = [c[:1] for c in codes]
    return {c: c[:1] if first.count(c[:1]) == 1 else c for c in codes}


def _mark(m: DayMarkOut) -> str:
    if m.kind == "statutory":
        return m.name[:3] or t("法定", "hol.")
    if m.makeup:
        return t("班", "wk")
    return t("休", "off") if m.kind == "rest" else ""


def _day_header(m: DayMarkOut) -> None:
    cell = ui.element("th").classes(
        "px-0 py-1 min-w-[1.85rem] w-[1.85rem] text-center font-normal border-b "
        + ("bg-red-1 text-red-9" if m.kind == "statutory" else "bg-orange-1 text-orange-9" if m.makeup
           else "bg-blue-1 text-blue-9" if m.kind == "rest" else ""))
    testid(cell, f"roster-day-{m.day}")
    with cell:
        ui.label(str(m.day)).classes("font-bold leading-tight")
        ui.label(m.weekday).classes("text-xs leading-tight")
        ui.label(_mark(m) or "\u00a0").classes("text-[10px] leading-tight")
        if m.name:
            ui.tooltip(m.name + (t(" (调休上班)", " (make-up workday)") if m.makeup else ""))


def _agent_line(row: BoardRowOut, codes: dict[str, str], order: dict[str, int],
                on_cell: Callable[[str, int], None] | None) -> None:  # fmt: skip
    with testid(ui.element("tr"), f"roster-row-{row.agent}"):
        with _sticky(ui.element("td")).classes("py-0"):
            ui.label(row.agent).classes("font-medium leading-tight")
            ui.label(row.name).classes("text-xs text-grey-7 leading-tight")
        for day, code in enumerate(row.cells, start=1):
            k = order.get(code, -1)
            text = codes.get(code, code) if code else (t("假", "lv") if day in row.leave else t("休", "off"))
            cell = _td(text).classes(
                "text-center text-xs border border-grey-3 px-0 py-1 "
                + ("bg-amber-2 text-amber-10" if k == 0 else "bg-indigo-2 text-indigo-10" if k == 1
                   else "bg-green-2 text-green-10" if k == 2 else "bg-purple-2 text-purple-10" if k == 3
                   else "bg-teal-2 text-teal-10" if k >= 4 else "bg-grey-4 text-grey-9" if day in row.leave
                   else "text-grey-5"))  # fmt: skip
            cell.classes("ring-2 ring-inset ring-orange-600 font-bold" if day in row.changed else "")
            testid(cell, f"cell-{row.agent}-{day}")
            if on_cell is not None:
                cell.classes("cursor-pointer")
                cell.on("click", lambda _e, a=row.agent, d=day: on_cell(a, d))


def month_grid(data: RosterBoardOut, on_cell: Callable[[str, int], None] | None) -> None:
    """The month table: days across, agents down, then head-count and coverage rows."""
    codes = short_codes([s.code for s in data.shifts])
    order = {s.code: i for i, s in enumerate(data.shifts)}
    box = ui.element("div").classes("w-full overflow-x-auto border rounded")
    with testid(box, "roster-grid"), ui.element("table").classes("border-collapse text-sm"):
        with ui.element("thead"), ui.element("tr"):
            _sticky(_td(t("客服", "Agent"), "th")).classes("border-b min-w-[5.5rem]")
            for m in data.marks:
                _day_header(m)
        with ui.element("tbody"):
            for row in data.rows:
                _agent_line(row, codes, order, on_cell)
            _headcount_rows(data)


def _headcount_rows(data: RosterBoardOut) -> None:
    """Agents per shift and skill (planned/required, red when short) and the share covered per skill."""
    with ui.element("tr"):
        title = _sticky(_td(t("在岗 / 需求", "On shift / needed"))).classes("bg-grey-2 text-xs font-bold border-t-2")
        title.props["colspan"] = str(data.days + 1)
    for h in data.headcount:
        with testid(ui.element("tr"), f"roster-head-{h.shift}-{h.skill}"):
            _sticky(_td(f"{h.shift} · {h.skill}")).classes("text-xs")
            for got, need in zip(h.planned, h.required, strict=True):
                _td(str(got) if need is None else f"{got}/{need}").classes(
                    "text-center text-[11px] border border-grey-3 px-0 "
                    + ("bg-red-2 text-red-10 font-bold" if need is not None and got < need else ""))
    for c in data.coverage:
        with testid(ui.element("tr"), f"roster-cover-{c.skill}"):
            label = f"{t('覆盖', 'covered')} · {c.skill}" + ("" if c.month is None else f" {c.month:.1%}")
            _sticky(_td(label)).classes("text-xs")
            for share in c.days:
                _td("" if share is None else f"{share * 100:.0f}").classes(
                    "text-center text-[11px] border border-grey-3 px-0 "
                    + ("" if share is None or share >= 0.95 else "bg-orange-2" if share >= 0.8 else "bg-red-2"))


def legend(data: RosterBoardOut) -> None:
    """What the colours and marks mean, the shifts' times in the shop's zone."""
    codes = short_codes([s.code for s in data.shifts])
    with testid(ui.row(), "roster-legend").classes("items-center gap-4 text-xs text-grey-8"):
        for s in data.shifts:
            late = t(" (计晚班)", " (late)") if s.late else ""
            ui.label(f"{codes[s.code]} = {s.code} {s.start}–{s.end}{late}")
        ui.label(t("休 = 休息, 假 = 已批准假期, 红色表头 = 法定节假日, 蓝色 = 休息日, 橙色 = 调休上班; "
                   "橙框 = 上次排班改动的格; 在岗/需求 的需求 = 该班独占时段的需求峰值; 覆盖 = 扣除休息后覆盖需求的比例 (%)",
                   "off = rest day, lv = approved leave, red header = statutory holiday, blue = rest day, orange = "
                   "make-up workday; orange ring = changed by the last plan; needed = peak requirement in the hours "
                   "only that shift works; covered = share of the requirement covered after breaks (%)"))


def totals_table(data: RosterBoardOut) -> None:
    """Each agent's month against the contract (days, hours), nights, weekends, holidays, overtime."""
    cols = [("agent", "客服", "Agent"), ("workdays", "上班天数", "Days"), ("owed_days", "合同天数", "Contract days"),
            ("hours", "工时", "Hours"), ("owed_hours", "合同工时", "Contract hours"), ("nights", "晚班/夜班", "Late"),
            ("weekend_days", "周末", "Weekend"), ("holidays", "法定节假日", "Holidays"), ("rest_days", "休息", "Rest"),
            ("overtime_hours", "超时工时", "Overtime h"), ("contract", "合同", "Contract")]  # fmt: skip
    rows = [{**r.model_dump(), "owed_hours": r.owed_hours or "—", "contract": t("未满足", "missed") if r.off_contract
             else "✓"} for r in data.totals]  # fmt: skip
    table = ui.table(columns=[{"name": f, "label": t(zh, en), "field": f, "align": "left"} for f, zh, en in cols],
                     rows=rows, row_key="agent").props("dense flat bordered")
    testid(table, "roster-totals")
