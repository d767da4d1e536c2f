"""Roster CSV readers: exact parses, every bad cell reported with row/column in both languages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kefu.domain.errors import ErrorCode, KefuError
from kefu.io.roster_csv import read_agents, read_preferences, read_requirement, read_shifts, write_roster
from kefu.plan.roster.types import Agent, Assignment, BreakRule, Preference, Shift


def _file(tmp: Path, text: str, encoding: str = "utf-8") -> Path:
    p = tmp / "f.csv"
    p.write_bytes(text.encode(encoding))
    return p


def test_agents_parse(tmp_path: Path) -> None:
    text = "agent,skills,night_ok,min_hours,leave\nA,售前|售后,是,160,2026-03-02..2026-03-03|2026-03-09\nB,售后,0,,\n"
    agents = read_agents(_file(tmp_path, text, "gbk"))
    assert agents == [
        Agent("A", ("售前", "售后"), True, 160.0, None,
              frozenset({date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 9)})),
        Agent("B", ("售后",), False, 0.0, None, frozenset()),
    ]


def test_agents_bad_rows(tmp_path: Path) -> None:
    text = "agent,skills,night_ok,leave\nA,s,1,\nA,s,1,\n,s,1,\nC,s,1,2026-03-05..2026-03-01\nD,s,1,03/05\n"
    with pytest.raises(KefuError) as err:
        read_agents(_file(tmp_path, text))
    assert err.value.code == ErrorCode.IMPORT_BAD_ROW
    assert [(r.row, r.column, r.reason_en) for r in err.value.rows] == [
        (3, "agent", "duplicate agent A"),
        (4, "agent", "agent is empty"),
        (5, "leave", "leave ends before it starts '2026-03-05..2026-03-01'"),
        (6, "leave", "date must be YYYY-MM-DD, got '03/05'"),
    ]
    assert err.value.rows[0].reason_zh == "客服 A 重复"


def test_agents_contract_days_columns(tmp_path: Path) -> None:
    text = ("agent,skills,night_ok,min_days,max_days,min_hours,max_hours\n"
            "F,s,1,27,27,,\nP,s,1,10,18,60,120\nX,s,0,,,,\n")
    agents = read_agents(_file(tmp_path, text))
    assert [(a.id, a.min_days, a.max_days, a.min_hours, a.max_hours) for a in agents] == [
        ("F", 27, 27, 0.0, None), ("P", 10, 18, 60.0, 120.0), ("X", None, None, 0.0, None)]


def test_agents_contract_days_bad_cells(tmp_path: Path) -> None:
    text = ("agent,skills,night_ok,min_days,max_days,min_hours,max_hours\n"
            "A,s,1,x,,,\nB,s,1,-2,,,\nC,s,1,20,10,,\nD,s,1,,,100,50\n")
    with pytest.raises(KefuError) as err:
        read_agents(_file(tmp_path, text))
    assert [(r.row, r.column, r.reason_en) for r in err.value.rows] == [
        (2, "min_days", "expected a number of days (whole, ≥ 0), got 'x'"),
        (3, "min_days", "expected a number of days (whole, ≥ 0), got '-2'"),
        (4, "max_days", "max_days 10 is below min_days 20"),
        (5, "max_hours", "max_hours 50 is below min_hours 100"),
    ]
    assert err.value.rows[2].reason_zh == "最多天数 10 小于最少天数 20"


def test_missing_column(tmp_path: Path) -> None:
    with pytest.raises(KefuError) as err:
        read_agents(_file(tmp_path, "agent,skills\nA,s\n"))
    assert err.value.code == ErrorCode.IMPORT_MISSING_COLUMN
    assert err.value.details["missing"] == ["night_ok"]


def test_shifts_parse_overnight_and_breaks(tmp_path: Path) -> None:
    text = "code,start,end,night,breaks\n白,09:00,17:30,0,meal:30@11:30-13:30|short:15@15:00-16:00\n夜,22:00,06:00,1,short:15@01:00-02:00\n"
    shifts = read_shifts(_file(tmp_path, text))
    assert shifts == [
        Shift("白", 540, 1050, False, (BreakRule("meal", 30, 150, 270), BreakRule("short", 15, 360, 420))),
        Shift("夜", 1320, 1800, True, (BreakRule("short", 15, 180, 240),)),
    ]
    assert shifts[0].paid_minutes == 480


def test_shifts_bad_rows(tmp_path: Path) -> None:
    text = ("code,start,end,night,breaks\n白,9点,17:00,0,\n晚,16:00,25:00,0,\n白2,09:00,17:00,x,\n"
            "白3,09:00,17:00,0,lunch:30@11:00-12:00\n白4,09:00,12:00,0,meal:30@13:00-14:00\n")
    with pytest.raises(KefuError) as err:
        read_shifts(_file(tmp_path, text))
    assert [(r.row, r.column) for r in err.value.rows] == [
        (2, "start"), (3, "end"), (4, "night"), (5, "breaks"), (6, "breaks")]
    assert err.value.rows[0].reason_en == "time must be HH:MM, got '9点'"


def test_requirement_parse_and_errors(tmp_path: Path) -> None:
    text = ("interval_start,skill,agents\n2026-03-01T00:30,s,2\n2026-03-01T23:30:00+08:00,s,1.5\n"
            "2026-03-05T10:00,s,9\n")
    req = read_requirement(_file(tmp_path, text), date(2026, 3, 1), 1)
    assert len(req["s"]) == 48 and req["s"][1] == 2.0 and req["s"][47] == 1.5 and sum(req["s"]) == 3.5
    bad = "interval_start,skill,agents\n2026-03-01T00:10,s,1\n2026-03-01T01:00,s,-1\n2026-03-01T01:00,,1\nnope,s,1\n2026-03-01T02:00,s,1\n2026-03-01T02:00,s,2\n"
    with pytest.raises(KefuError) as err:
        read_requirement(_file(tmp_path, bad), date(2026, 3, 1), 1)
    assert [(r.row, r.column) for r in err.value.rows] == [
        (2, "interval_start"), (3, "agents"), (4, "skill"), (5, "interval_start"), (7, "interval_start")]
    assert err.value.rows[0].reason_zh == "时段须对齐到 30 分钟"


def test_preferences_and_writer(tmp_path: Path) -> None:
    prefs = read_preferences(_file(tmp_path, "agent,date,shift,weight\nA,2026-03-02,,2\nB,2026-03-03,白,\n"))
    assert prefs == [Preference("A", date(2026, 3, 2), "", 2), Preference("B", date(2026, 3, 3), "白", 1)]
    out = tmp_path / "roster.csv"
    write_roster(out, {"A": [Assignment("白", "s"), None]}, date(2026, 3, 31), 2)
    assert out.read_bytes().decode("utf-8") == "agent,date,shift\r\nA,2026-03-31,白\r\nA,2026-04-01,\r\n"


def test_undecodable_file(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_bytes(b"agent,skills,night_ok\n\xff\xfe\xfa,s,1\n")
    with pytest.raises(KefuError) as err:
        read_agents(p)
    assert err.value.code == ErrorCode.IMPORT_BAD_ENCODING
