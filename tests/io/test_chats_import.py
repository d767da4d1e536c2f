"""Chat record import: CSV/Excel schema and the text-export adapter; unknown agents; idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.io.chats import parse_text_export
from kefu.service.credit.actions import import_chats
from kefu.store.models.live import Message
from kefu.store.models.org import Agent

CSV = (
    "店铺,买家,客服,时间,方向,内容,自动回复\n"
    "s1,买家甲,s1:kf01,2026-11-03 10:00:00,买家,在吗,0\n"
    "s1,买家甲,s1:kf01,2026-11-03 10:00:02,客服,您好[自动回复],1\n"
    "s1,买家甲,s1:kf01,2026-11-03 10:01:00,out,在的亲,0\n"
)
TEXT = """买家甲 (2026-11-03 10:00:00):
在吗
有货吗
旗舰店:小美 (2026-11-03 10:00:02):
[自动回复]您好, 欢迎光临
旗舰店:小美 (2026-11-03 10:01:00):
有的亲
"""


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Message)) or 0)


def test_csv_schema_and_idempotence(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "chats.csv"
    path.write_text(CSV, encoding="gbk")
    report = import_chats(session, path)
    assert (report.rows, report.inserted) == (3, 3)
    msgs = session.scalars(select(Message).order_by(Message.ts)).all()
    assert [(m.direction, m.auto, m.text) for m in msgs] == [
        ("in", False, "在吗"),
        ("out", True, "您好[自动回复]"),
        ("out", False, "在的亲"),
    ]
    assert msgs[0].ts == datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    again = import_chats(session, path)
    assert (again.inserted, again.unchanged) == (0, 3)
    assert _count(session) == 3


def test_text_export_adapter(tmp_path: Path) -> None:
    path = tmp_path / "conv.txt"
    path.write_text(TEXT, encoding="utf-8")
    rows, errors = parse_text_export(path, "s1")
    assert errors == []
    assert [(r.buyer, r.agent, r.direction, r.auto, r.text) for r in rows] == [
        ("买家甲", "旗舰店:小美", "in", False, "在吗\n有货吗"),
        ("买家甲", "旗舰店:小美", "out", True, "[自动回复]您好, 欢迎光临"),
        ("买家甲", "旗舰店:小美", "out", False, "有的亲"),
    ]


def test_text_export_into_database_with_gbk(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "conv.txt"
    path.write_bytes(TEXT.encode("gbk"))
    assert import_chats(session, path, shop="s1").inserted == 3


def test_unknown_agents_and_bad_rows_refuse_the_file(session: Session, tmp_path: Path) -> None:
    session.add(Agent(id="s1:kf01", name="kf01"))
    session.flush()
    path = tmp_path / "chats.csv"
    path.write_text(
        CSV + "s1,买家乙,s1:ghost,2026-11-03 11:00:00,in,hi,0\ns1,买家乙,s1:kf01,昨天,in,hi,0\n",
        encoding="utf-8",
    )
    with pytest.raises(KefuError) as info:
        import_chats(session, path)
    assert info.value.code == ErrorCode.IMPORT_BAD_ROW
    assert [(r.row, r.column, r.reason_en) for r in info.value.rows] == [
        (5, "agent", "unknown agent 's1:ghost'"),
        (6, "time", "unreadable time '昨天'"),
    ]
    assert _count(session) == 0
    report = import_chats(session, path, skip_bad_rows=True)
    assert (report.inserted, len(report.rejected)) == (3, 2)
