"""`kefu duty replay`: the CSV contract checked from outside, and bad files rejected with exit 2."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import parse_aware
from kefu.service.duty.actions import replay_files

ORDERS = """order_id,shop,buyer,created_at,paid_at,amount_fen,status,refund_fen
o-small,s1,b1,2026-11-20T10:00:00+08:00,,800,等待买家付款,0
o-big,s1,b2,2026-11-20T10:00:00+08:00,,801,等待买家付款,0
o-paid,s1,b3,2026-11-20T11:00:00+08:00,2026-11-20T11:05:00+08:00,5000,交易成功,0
o-silent,s1,b4,2026-11-20T11:00:00+08:00,2026-11-20T11:06:00+08:00,5000,交易成功,0
o-sat,s1,b5,2026-11-21T09:00:00+08:00,,5000,等待买家付款,0
"""
MESSAGES = """shop,buyer,agent,ts,direction,auto
s1,b3,a01,2026-11-20T10:58:00+08:00,in,0
s1,b3,a01,2026-11-20T10:59:00+08:00,out,0
"""
ROSTER = """agent,date,shift
a01,2026-11-20,白班
b02,2026-11-20,晚班
a01,2026-11-21,白班
b02,2026-11-21,休
"""
ATTRIBUTION = """order_id,order_agent,payment_agent
o-paid,a01,a01
o-silent,,
"""
RETURNS = "order_id,received_at\nr1,2026-11-20T17:31:00+08:00\n"
REVIEWS = "order_id,buyer,posted_at,rating\nv1,b9,2026-11-21T08:00:00+08:00,bad\n"


def write(folder: Path, **files: str) -> dict[str, Path]:
    paths = {}
    for name, text in files.items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def kefu(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kefu", *args], capture_output=True, text=True, check=False)


def read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_replay_writes_the_exact_contract(tmp_path: Path) -> None:
    p = write(tmp_path, O=ORDERS, M=MESSAGES, R=ROSTER, A=ATTRIBUTION, T=RETURNS, V=REVIEWS)
    out = tmp_path / "out"
    result = kefu("duty", "replay", "--orders", str(p["O"]), "--messages", str(p["M"]), "--roster", str(p["R"]),
                  "--returns", str(p["T"]), "--reviews", str(p["V"]), "--attribution", str(p["A"]),
                  "--until", "2026-11-21T12:00:00+08:00", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert read(out / "messages.csv") == [
        ["channel", "order_id", "sent_at"],
        ["sms", "o-big", "2026-11-20T10:15:00+08:00"],
        ["sms", "o-sat", "2026-11-21T09:15:00+08:00"],
    ]
    assert read(out / "tasks.csv") == [
        ["task_type", "order_id", "assignee", "created_at", "due_at"],
        ["pay_reminder", "o-big", "b02", "2026-11-20T10:30:00+08:00", "2026-11-20T11:30:00+08:00"],
        ["pay_reminder", "o-small", "b02", "2026-11-20T10:30:00+08:00", "2026-11-20T11:30:00+08:00"],
        ["address_check", "o-paid", "a01", "2026-11-20T11:05:00+08:00", "2026-11-20T11:35:00+08:00"],
        ["return", "r1", "a01", "2026-11-20T17:31:00+08:00", "2026-11-21T17:30:00+08:00"],
        ["review", "v1", "a01", "2026-11-21T08:00:00+08:00", "2026-11-22T08:00:00+08:00"],
        ["pay_reminder", "o-sat", "a01", "2026-11-21T09:30:00+08:00", "2026-11-21T10:30:00+08:00"],
    ]


def test_until_cuts_events_and_timers(tmp_path: Path) -> None:
    p = write(tmp_path, O=ORDERS, M=MESSAGES, R=ROSTER, A=ATTRIBUTION)
    result = replay_files(orders=p["O"], messages=p["M"], roster=p["R"], attribution=p["A"],
                          until=parse_aware("2026-11-20T10:29:59+08:00"), out=tmp_path / "out")
    assert [m.order_id for m in result.messages] == ["o-big"]
    assert result.tasks == []


def test_bad_rows_are_listed_and_exit_2(tmp_path: Path) -> None:
    bad = ORDERS.replace("2026-11-20T11:05:00+08:00", "yesterday").replace(",801,", ",8.01,")
    p = write(tmp_path, O=bad, M=MESSAGES, R=ROSTER, A=ATTRIBUTION)
    result = kefu("duty", "replay", "--orders", str(p["O"]), "--messages", str(p["M"]), "--roster", str(p["R"]),
                  "--attribution", str(p["A"]), "--until", "2026-11-21T12:00:00+08:00", "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "IMPORT_BAD_ROW" in result.stderr
    assert "row 3" in result.stderr and "8.01" in result.stderr
    assert "row 4" in result.stderr and "yesterday" in result.stderr
    assert not (tmp_path / "o").exists()
    with pytest.raises(KefuError) as err:
        replay_files(orders=p["O"], messages=p["M"], roster=p["R"], attribution=p["A"],
                     until=parse_aware("2026-11-21T12:00:00+08:00"), out=tmp_path / "o")
    assert [(r.row, r.column) for r in err.value.rows] == [(3, "amount_fen"), (4, "paid_at")]


def test_unknown_shift_code_rejected_when_a_shift_table_is_given(tmp_path: Path) -> None:
    shifts = "code,start,end,night\n白班,09:00,18:00,0\n晚班,15:00,00:00,1\n"
    p = write(tmp_path, O=ORDERS, M=MESSAGES, R=ROSTER + "c03,2026-11-20,夜班\n", A=ATTRIBUTION, S=shifts)
    with pytest.raises(KefuError) as err:
        replay_files(orders=p["O"], messages=p["M"], roster=p["R"], attribution=p["A"], shifts=p["S"],
                     until=parse_aware("2026-11-21T12:00:00+08:00"), out=tmp_path / "out")
    assert err.value.code is ErrorCode.IMPORT_BAD_ROW
    assert [(r.row, r.column) for r in err.value.rows] == [(6, "shift")]


def test_shift_table_evening_flag_chooses_the_evening_shift(tmp_path: Path) -> None:
    shifts = "code,start,end,night,evening\n白班,09:00,18:00,0,1\n晚班,15:00,00:00,1,0\n"
    p = write(tmp_path, O=ORDERS, M=MESSAGES, R=ROSTER, A=ATTRIBUTION, S=shifts)
    result = replay_files(orders=p["O"], messages=p["M"], roster=p["R"], attribution=p["A"], shifts=p["S"],
                          until=parse_aware("2026-11-20T10:30:00+08:00"), out=tmp_path / "out")
    assert [(t.order_id, t.assignee) for t in result.tasks] == [("o-big", "a01"), ("o-small", "a01")]


def test_gbk_files_are_read(tmp_path: Path) -> None:
    p = write(tmp_path, O=ORDERS, M=MESSAGES, A=ATTRIBUTION)
    (tmp_path / "R.csv").write_bytes(ROSTER.encode("gbk"))
    result = replay_files(orders=p["O"], messages=p["M"], roster=tmp_path / "R.csv", attribution=p["A"],
                          until=parse_aware("2026-11-20T10:30:00+08:00"), out=tmp_path / "out")
    assert [t.assignee for t in result.tasks] == ["b02", "b02"]


@pytest.mark.skipif(importlib.util.find_spec("kefu.credit.pipeline") is None, reason="credit engine not present")
def test_replay_with_the_credit_engine_checks_the_payment_agents_address(tmp_path: Path) -> None:
    p = write(tmp_path, O=ORDERS, M=MESSAGES, R=ROSTER)
    result = replay_files(orders=p["O"], messages=p["M"], roster=p["R"],
                          until=parse_aware("2026-11-20T12:00:00+08:00"), out=tmp_path / "out")
    checks = [(t.order_id, t.assignee) for t in result.tasks if t.task_type == "address_check"]
    assert checks == [("o-paid", "a01")]


def test_gbk_chat_file_and_until_filter(tmp_path: Path) -> None:
    from kefu.io.duty_csv import read_messages

    path = tmp_path / "M.csv"
    path.write_bytes((MESSAGES + "s1,买家甲,a01,2026-11-20T12:00:00+08:00,out,1\n").encode("gbk"))
    frame = read_messages(path, parse_aware("2026-11-20T10:59:00+08:00"))
    assert list(frame.columns) == ["shop", "buyer", "agent", "ts", "direction", "auto"]
    assert frame["direction"].tolist() == ["in", "out"]
    assert len(read_messages(path)) == 3
    utf8 = tmp_path / "M8.csv"
    utf8.write_text(MESSAGES, encoding="utf-8")
    assert read_messages(utf8, parse_aware("2026-11-20T10:58:30+08:00"))["direction"].tolist() == ["in"]


def test_bad_chat_rows_are_rejected_with_row_and_column(tmp_path: Path) -> None:
    p = write(tmp_path, O=ORDERS, M=MESSAGES + "s1,b3,a01,2026-11-20T11:00:00+08:00,sideways,0\n", R=ROSTER)
    with pytest.raises(KefuError) as err:
        replay_files(orders=p["O"], messages=p["M"], roster=p["R"],
                     until=parse_aware("2026-11-21T12:00:00+08:00"), out=tmp_path / "out")
    assert [(r.row, r.column) for r in err.value.rows] == [(4, "direction")]


def test_missing_column_is_reported(tmp_path: Path) -> None:
    p = write(tmp_path, O=ORDERS, M=MESSAGES, R="agent,day,shift\na01,2026-11-20,白班\n", A=ATTRIBUTION)
    with pytest.raises(KefuError) as err:
        replay_files(orders=p["O"], messages=p["M"], roster=p["R"], attribution=p["A"],
                     until=parse_aware("2026-11-21T12:00:00+08:00"), out=tmp_path / "out")
    assert (err.value.code, err.value.details["missing"]) == (ErrorCode.IMPORT_MISSING_COLUMN, ["date"])
