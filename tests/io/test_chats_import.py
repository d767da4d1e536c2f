"""Chat import: Qianniu text log (GBK/UTF-8/UTF-16), web page text, per-buyer Excel, our CSV; aliases; idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.imports.actions import import_chats, set_shop_aliases
from kefu.store.models.live import Message
from kefu.store.models.org import Agent, Shop

FIX = Path(__file__).parent / "fixtures"
LOG = FIX / "qianniu-text" / "千牛聊天记录_小美_20261103.txt"
CSV = (
    "店铺,买家,客服,时间,方向,内容,自动回复\n"
    "s1,买家甲,s1:kf01,2026-11-03 10:00:00,买家,在吗,0\n"
    "s1,买家甲,s1:kf01,2026-11-03 10:00:02,客服,您好[自动回复],1\n"
    "s1,买家甲,s1:kf01,2026-11-03 10:01:00,out,在的亲,0\n"
)


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Message)) or 0)


def _messages(session: Session) -> list[tuple[object, ...]]:
    rows = session.scalars(select(Message).order_by(Message.ts, Message.direction))
    return [(m.shop_id, m.buyer, m.agent_id, m.ts.strftime("%H:%M:%S"), m.direction, m.auto, m.text) for m in rows]


LOG_ROWS = [
    ("s1", "买家甲", "小美", "01:59:50", "out", True, "[自动回复]您好, 欢迎光临"),
    ("s1", "买家甲", "小美", "02:00:00", "in", False, "在吗\n有货吗"),
    ("s1", "买家甲", "小美", "02:00:30", "out", False, "有的亲, 今天下单明天发"),
    ("s1", "买家甲", "小美", "02:02:00", "in", False, "好的"),
    ("s1", "买家乙", "阿强", "03:00:00", "in", False, "订单 3300000000000000009 什么时候发货"),
    ("s1", "买家乙", "阿强", "03:01:00", "out", False, "今天发"),
    ("s1", "买家乙", "旗舰店", "03:05:00", "out", False, "亲, 已为您备注加急"),
]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-16"])
def test_qianniu_text_log_many_buyers_status_lines_and_alias(session: Session, tmp_path: Path, encoding: str) -> None:
    session.add(Shop(id="s1", name="示例旗舰店"))
    set_shop_aliases(session, "s1", ["旗舰店"])
    path = tmp_path / "log.txt"
    path.write_bytes(LOG.read_bytes().decode("gb18030").encode(encoding))
    report = import_chats(session, path)
    assert (report.layout, report.rows, report.inserted, report.rejected) == ("qianniu-text", 7, 7, [])
    assert _messages(session) == LOG_ROWS
    again = import_chats(session, path)
    assert (again.inserted, again.unchanged) == (0, 7)
    assert _count(session) == 7


def test_text_log_agents_known_by_sub_account_name(session: Session) -> None:
    session.add(Shop(id="s1", name="旗舰店"))
    session.flush()
    session.add_all([Agent(id="kf01", shop_id="s1", name="小美"), Agent(id="kf02", shop_id="s1", name="阿强")])
    session.flush()
    with pytest.raises(KefuError) as info:
        import_chats(session, LOG)
    assert [(r.row, r.column, r.reason_en) for r in info.value.rows] == [(18, "agent", "unknown agent '旗舰店'")]
    assert _count(session) == 0
    report = import_chats(session, LOG, skip_bad_rows=True)
    assert (report.inserted, len(report.rejected)) == (6, 1)
    assert [m[2] for m in _messages(session)] == ["kf01", "kf01", "kf01", "kf01", "kf02", "kf02"]


def test_qianniu_web_page_text(session: Session) -> None:
    report = import_chats(session, FIX / "qianniu-web" / "聊天记录查询.txt", shop="s9")
    assert (report.layout, report.inserted) == ("qianniu-web", 4)
    assert _messages(session) == [
        ("s9", "tb8946567709", "小迪", "12:57:11", "out", False, "请在客户端查看原始聊天记录，网页版无法展示"),
        ("s9", "tb8946567709", "小迪", "12:57:13", "in", False, "http://item.taobao.com/item.htm?id=1011758423155"),
        ("s9", "tb8946567709", "小迪", "12:58:02", "in", False, "这个有现货吗\n还要多久"),
        ("s9", "tb8946567709", "小迪", "12:58:30", "out", False, "有现货, 今天发"),
    ]


def test_per_buyer_excel_takes_the_date_from_the_file_name_or_the_option(session: Session, tmp_path: Path) -> None:
    book = FIX / "qianniu-xlsx" / "千牛聊天记录_原始逐条_2026-11-03_20-57.xlsx"
    report = import_chats(session, book)
    assert (report.layout, report.inserted) == ("qianniu-xlsx", 5)
    assert _messages(session)[:2] == [("旗舰店", "买家丙", "小迪", "02:00:00", "in", False, "你好, 在吗"),
                                      ("旗舰店", "买家丙", "小迪", "02:00:20", "out", False, "在的亲")]  # fmt: skip
    first = session.scalars(select(Message.ts).order_by(Message.ts)).first()
    assert first == datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    assert session.scalar(select(Message.auto).where(Message.buyer == "买家丁", Message.direction == "out")) is True
    undated = tmp_path / "chats.xlsx"
    undated.write_bytes(book.read_bytes())
    with pytest.raises(KefuError) as info:
        import_chats(session, undated)
    assert info.value.rows[0].reason_en == "times carry no date: use --date"
    moved = import_chats(session, undated, day=date(2026, 11, 4))
    assert moved.inserted == 5


def test_csv_schema_and_idempotence(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "chats.csv"
    path.write_text(CSV, encoding="gbk")
    report = import_chats(session, path)
    assert (report.layout, report.rows, report.inserted) == ("csv", 3, 3)
    assert [(m[4], m[5], m[6]) for m in _messages(session)] == [
        ("in", False, "在吗"),
        ("out", True, "您好[自动回复]"),
        ("out", False, "在的亲"),
    ]
    again = import_chats(session, path)
    assert (again.inserted, again.unchanged) == (0, 3)


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


def test_skip_bad_rows_storing_nothing_fails_and_unknown_text_is_refused(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_text("这不是聊天记录\n第二行\n", encoding="utf-8")
    with pytest.raises(KefuError) as info:
        import_chats(session, path)
    assert info.value.code == ErrorCode.IMPORT_BAD_FILE
    with pytest.raises(KefuError) as info:
        import_chats(session, path, fmt="qianniu-text", skip_bad_rows=True)
    assert [(r.row, r.reason_en) for r in info.value.rows] == [(1, "text before any message header line"),
                                                               (2, "text before any message header line")]  # fmt: skip
    assert "no row to import" in info.value.message_en


@pytest.mark.parametrize("block", [7, 64, 333])
def test_text_log_read_in_small_blocks_gives_the_same_messages(session: Session, monkeypatch: pytest.MonkeyPatch,
                                                              block: int) -> None:  # fmt: skip
    from kefu.io import qianniu_log

    monkeypatch.setattr(qianniu_log, "READ_BYTES", block)
    session.add(Shop(id="s1", name="示例旗舰店"))
    set_shop_aliases(session, "s1", ["旗舰店"])
    report = import_chats(session, LOG)
    assert (report.inserted, report.rejected) == (7, [])
    assert _messages(session) == LOG_ROWS


def test_csv_cells_checked_column_wise_report_in_row_then_check_order(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "chats.csv"
    path.write_text(CSV + ",买家乙,s1:kf01,2026-11-03 11:00:00,in,hi,0\n"  # no shop
                    "s1,,s1:kf01,2026-11-03 11:00:01,in,hi,2\n"  # empty buyer, auto not 0/1
                    "s1,买家乙,s1:kf01,2026-11-03 11:00:02,sideways,hi,\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(KefuError) as info:
        import_chats(session, path)
    assert [(r.row, r.column, r.reason_en) for r in info.value.rows] == [
        (5, "shop", "no shop (use --shop)"),
        (6, "buyer", "must not be empty"),
        (6, "auto", "must be 0 or 1"),
        (7, "direction", "direction must be in/out"),
    ]
    report = import_chats(session, path, skip_bad_rows=True, shop="s9")  # --shop fills the missing shop
    assert (report.inserted, [(r.row, r.column) for r in report.rejected]) == (4, [(6, "buyer"), (6, "auto"),
                                                                                  (7, "direction")])  # fmt: skip
    assert session.scalar(select(Message.shop_id).where(Message.ts == datetime(2026, 11, 3, 3, 0, tzinfo=UTC))) == "s9"


def test_progress_estimates_the_file_s_rows_as_it_reads(session: Session, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from kefu.io import table

    monkeypatch.setattr(table, "BATCH_BYTES", 1024)  # many batches from a small file (Arrow reads ~32 ahead)
    path = tmp_path / "chats.csv"
    lines = [f"s1,买家{k},s1:kf01,2026-11-03 10:{k // 60:02d}:{k % 60:02d},in,第 {k} 条" for k in range(2000)]
    path.write_text("店铺,买家,客服,时间,方向,内容\n" + "\n".join(lines) + "\n", encoding="utf-8")
    calls: list[tuple[int, int]] = []
    import_chats(session, path, progress=lambda done, total: calls.append((done, total)))
    assert len(calls) > 10
    assert all(0 < done < total for done, total in calls[:5])  # the total is estimated before the end
    # from the first batch on, not from how far Arrow has read ahead (which made a 20 M-row file look 5 M: "small")
    assert all(abs(total - 2000) <= 100 for _, total in calls)
    assert calls[-1][0] == 2000 and abs(calls[-1][1] - 2000) <= 100


def test_header_split_without_the_regex_equals_the_regex() -> None:
    """The sliced split of full-width times gives HEADER's (head, ts) on every kind of line, headers or not."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from kefu.io.qianniu_log import HEADER, _split_headers

    lines = pa.array([
        "买家 --> 店铺:客服 2026-11-03 10:00:00", "店铺:客服 2026-11-03 10:00:02  \t", "店铺:客服2026-11-03 10:00:02",
        "店铺:客服  2026-11-03 10:00:02", " 2026-11-03 10:00:02", "2026-11-03 10:00:02", "x 2026-11-3 9:00:02",
        "x\t2026-11-03 10:00:02", "x \t2026-11-03 10:00:02", "店铺:客服 12026-11-03 10:00:02", "a 2026-11-03 100:00:02",
        "店铺：客服　2026-11-03 10:00:02", "x 2026-11-03 10:00:0", "hello", "", "买家 --> 店 2026-1-03 1:00:02 ",
    ], pa.large_string())  # fmt: skip
    assert _split_headers(lines).to_pylist() == pc.extract_regex(lines, HEADER).to_pylist()


def test_party_and_account_splits_equal_their_regexes() -> None:
    """Who / to (PARTIES) and shop / agent (ACCOUNT) by a split at the first separator, as the regexes capture them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from kefu.io.qianniu_log import ACCOUNT, PARTIES, RE2_SPACE, _split_first

    heads = pa.array(["买家 --> 店铺:客服", "店铺:客服", "店铺:客服 --> 买家 --> x", "a --> ", " --> b", "a->b", "",
                      "店铺 ： 客服", "店铺\t:\u3000客服", "店:铺：客服", "：客服", "店铺:", "no colon", " a : b "],
                     pa.large_string())  # fmt: skip
    who, to = _split_first(heads, " --> ")
    parties = pc.extract_regex(heads, PARTIES)
    assert who.to_pylist() == pc.struct_field(parties, "who").to_pylist()
    has_to = pc.match_substring(heads, " --> ")
    assert to.to_pylist() == pc.if_else(has_to, pc.struct_field(parties, "to"), None).to_pylist()
    shop, agent = _split_first(heads, "[:：]", regex=True)
    account = pc.extract_regex(heads, ACCOUNT)
    assert pc.utf8_rtrim(pc.if_else(pc.is_valid(agent), shop, None), characters=RE2_SPACE).to_pylist() == \
        pc.struct_field(account, "shop").to_pylist()
    assert pc.utf8_ltrim(agent, characters=RE2_SPACE).to_pylist() == pc.struct_field(account, "agent").to_pylist()
