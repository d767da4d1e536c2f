"""Excel and ICS roster exports: sheets per month, colours per shift, totals, exact calendar text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from kefu.io.roster_export import agent_ics, shift_colours, write_xlsx
from kefu.plan.roster.solve import totals
from kefu.plan.roster.types import SLOTS_PER_DAY, Agent, Assignment, RosterProblem, RosterResult, Shift

SHIFTS = [Shift("白", 540, 1020), Shift("夜", 1380, 1860, night=True)]


def _problem() -> RosterProblem:
    return RosterProblem(date(2026, 3, 31), 2, [Agent("A", ("s",)), Agent("B", ("s",))], SHIFTS,
                         {"s": [0.0] * (2 * SLOTS_PER_DAY)})


def test_xlsx_sheet_per_month_with_colours_and_totals(tmp_path: Path) -> None:
    problem = _problem()
    roster: dict[str, list[Assignment | None]] = {
        "A": [Assignment("白", "s"), Assignment("夜", "s")], "B": [None, None]}
    result = RosterResult(roster, "OPTIMAL", 0, 0.1, {}, totals(problem, roster))
    path = tmp_path / "r.xlsx"
    write_xlsx(path, problem, result.roster)
    wb = load_workbook(path)
    assert wb.sheetnames == ["2026-03", "2026-04", "班次 shifts"]
    march = wb["2026-03"]
    assert [c.value for c in march[1]] == ["客服 agent", "31 二", "工时 hours", "上班 days", "夜班 nights",
                                         "周末 weekend", "休息 rest"]
    assert [c.value for c in march[2]] == ["A", "白", 8, 1, 0, 0, 0]
    assert march["B2"].fill.fgColor.rgb == "00" + shift_colours(problem)["白"]
    april = wb["2026-04"]
    assert [c.value for c in april[2]] == ["A", "夜", 8, 1, 1, 0, 0]
    assert [c.value for c in april[3]] == ["B", None, 0, 0, 0, 0, 1]


def test_ics_exact_text() -> None:
    problem = _problem()
    roster: dict[str, list[Assignment | None]] = {
        "A": [Assignment("夜", "s", (("short", 1380 + 180, 1380 + 195),)), None]}
    text = agent_ics(problem, roster, "A")
    assert text.split("\r\n") == [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kefu//roster//ZH", "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT", "UID:A-2026-03-31@kefu", "DTSTAMP:20000101T000000Z",
        "DTSTART:20260331T150000Z", "DTEND:20260331T230000Z", "SUMMARY:夜 (s)",
        "DESCRIPTION:breaks short 02:00-02:15", "END:VEVENT", "END:VCALENDAR", "",
    ]


def test_xlsx_marks_statutory_holidays_in_the_header(tmp_path: Path) -> None:
    problem = _problem()
    problem.holidays = frozenset({date(2026, 4, 1)})
    path = tmp_path / "h.xlsx"
    write_xlsx(path, problem, {"A": [None, Assignment("白", "s")], "B": [None, None]})
    wb = load_workbook(path)
    assert (wb["2026-03"]["B1"].value, wb["2026-04"]["B1"].value) == ("31 二", "1 三 法定")
