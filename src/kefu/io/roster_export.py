"""Roster exports managers and agents actually open: Excel (agents × days) and ICS calendars.

Excel: one sheet per calendar month, a coloured cell per shift so patterns
are visible at a glance, and each agent's totals at the end of the row. ICS:
one file per agent with one event per shift (UTC times, so any calendar app
shows them in its own zone) and the placed breaks in the description.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from kefu.domain.timeutil import local_midnight
from kefu.io.cells import xlsx_append
from kefu.plan.roster.solve import totals
from kefu.plan.roster.types import Assignment, Roster, RosterProblem

PALETTE = ["FFE699", "9BC2E6", "A9D08E", "F4B084", "C9C9C9", "B4A7D6", "F8CBAD", "8EA9DB", "FFD966", "C6E0B4"]
WEEKDAYS = "一二三四五六日"


def shift_colours(problem: RosterProblem) -> dict[str, str]:
    return {s.code: PALETTE[i % len(PALETTE)] for i, s in enumerate(problem.shifts)}


def write_xlsx(path: Path, problem: RosterProblem, roster: Roster) -> None:
    """Agents × days per calendar month, a colour per shift, each agent's totals at the end of the row.

    A day header reads "1 四", with " 法定" on a 法定节假日 of ``problem.holidays``.
    """
    wb = Workbook()
    wb.remove(wb.active)
    colours = shift_colours(problem)
    dates = problem.dates()
    months: dict[tuple[int, int], list[int]] = {}
    for d, day in enumerate(dates):
        months.setdefault((day.year, day.month), []).append(d)
    for (year, month), idx in months.items():
        ws = wb.create_sheet(f"{year}-{month:02d}")
        header = ["客服 agent"] + [f"{dates[d].day} {WEEKDAYS[dates[d].weekday()]}"
                                   + (" 法定" if dates[d] in problem.holidays else "") for d in idx]  # fmt: skip
        header += ["工时 hours", "上班 days", "夜班 nights", "周末 weekend", "休息 rest"]
        xlsx_append(ws, header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        sub = {a: [roster[a][d] for d in idx] for a in roster}
        part = RosterProblem(dates[idx[0]], len(idx), problem.agents, problem.shifts, {}, problem.rules)
        for t in totals(part, sub):
            line = sub[t.agent]
            xlsx_append(ws, [t.agent, *["" if c is None else c.shift for c in line],
                       t.hours, t.workdays, t.nights, t.weekend_days, t.rest_days])
            row = ws.max_row
            for j, c in enumerate(line, start=2):
                if c is not None and c.shift in colours:
                    ws.cell(row, j).fill = PatternFill("solid", fgColor=colours[c.shift])
                ws.cell(row, j).alignment = Alignment(horizontal="center")
        ws.freeze_panes = "B2"
        ws.column_dimensions["A"].width = 14
    legend = wb.create_sheet("班次 shifts")
    legend.append(["code", "start", "end", "night"])
    for s in problem.shifts:
        xlsx_append(legend, [s.code, f"{s.start // 60:02d}:{s.start % 60:02d}", f"{s.end % 1440 // 60:02d}:{s.end % 60:02d}",
                       "Y" if s.night else ""])
        legend.cell(legend.max_row, 1).fill = PatternFill("solid", fgColor=colours[s.code])
    wb.save(path)


def _stamp(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def agent_ics(problem: RosterProblem, roster: Roster, agent: str, now: datetime | None = None) -> str:
    """RFC 5545 calendar text for one agent's shifts."""
    return _calendar(_events(problem, agent, roster.get(agent, []), now, with_agent=False))


def month_ics(problem: RosterProblem, roster: Roster, now: datetime | None = None) -> str:
    """One calendar with every agent's shifts (the summary names the agent): ``kefu roster export --out F.ics``."""
    events: list[str] = []
    for agent, line in roster.items():
        events += _events(problem, agent, line, now, with_agent=True)
    return _calendar(events)


def _calendar(events: list[str]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kefu//roster//ZH", "CALSCALE:GREGORIAN", *events,
             "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


def _events(problem: RosterProblem, agent: str, line: list[Assignment | None], now: datetime | None,
            with_agent: bool) -> list[str]:
    by = {s.code: s for s in problem.shifts}
    stamp = _stamp(now or datetime(2000, 1, 1, tzinfo=UTC))
    origin = local_midnight(problem.start)
    lines: list[str] = []
    for d, cell in enumerate(line):
        if cell is None or cell.shift not in by:
            continue
        s = by[cell.shift]
        day: date = problem.start + timedelta(days=d)
        begin = local_midnight(day) + timedelta(minutes=s.start)
        end = local_midnight(day) + timedelta(minutes=s.end)
        desc = ", ".join(f"{k} {(origin + timedelta(minutes=a)).strftime('%H:%M')}-"
                         f"{(origin + timedelta(minutes=b)).strftime('%H:%M')}" for k, a, b in cell.breaks)
        summary = f"{agent} {s.code} ({cell.skill})" if with_agent else f"{s.code} ({cell.skill})"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{agent}-{day.isoformat()}@kefu",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_stamp(begin)}",
            f"DTEND:{_stamp(end)}",
            f"SUMMARY:{summary}",
        ]
        if desc:
            lines.append(f"DESCRIPTION:breaks {desc}")
        lines.append("END:VEVENT")
    return lines


def write_ics_dir(folder: Path, problem: RosterProblem, roster: Roster) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for agent in roster:
        p = folder / f"{agent}.ics"
        p.write_text(agent_ics(problem, roster, agent), encoding="utf-8")
        out.append(p)
    return out
