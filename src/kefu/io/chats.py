"""Chat records → message batches: the format is detected (or forced) and read in bounded batches.

Formats: ``qianniu-text`` (the Qianniu client's chat-log export), ``qianniu-web`` (text of
the web 聊天记录查询 page), ``qianniu-xlsx`` (per-buyer Excel), ``csv`` (our documented
schema, CSV or Excel: shop 店铺, buyer 买家, agent 客服, time 时间, direction 方向 (in/out or
买家/客服), text 内容, optional auto 自动回复 0/1). Readers hand rows to ``ChatRows``, which
parses times a batch at a time and marks auto-replies; every unreadable line or cell is a
RowError so the caller can refuse the file or skip the bad rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from kefu.domain.errors import ErrorCode, KefuError, RowError
from kefu.domain.timeutil import SHOP_TZ
from kefu.io import columns as col
from kefu.io.table import (
    EXCEL_SUFFIXES,
    Batch,
    load_workbook,
    open_table,
    read_head,
    sheet_rows,
    sniff_encoding,
)

FORMATS = ("auto", "qianniu-text", "qianniu-web", "qianniu-xlsx", "csv")
BATCH_ROWS = 200_000
AUTO_MARKS = ("[自动回复]", "【自动回复】", "[auto]")
COLUMNS: dict[str, tuple[str, ...]] = {
    "shop": ("shop", "店铺"),
    "buyer": ("buyer", "买家"),
    "agent": ("agent", "客服"),
    "time": ("time", "ts", "时间"),
    "direction": ("direction", "方向"),
    "text": ("text", "内容", "消息"),
    "auto": ("auto", "自动回复"),
}
REQUIRED = ("buyer", "agent", "time", "direction")
DIRECTIONS = {"in": "in", "out": "out", "IN": "in", "OUT": "out", "买家": "in", "客服": "out", "收": "in", "发": "out"}
AUTO_VALUES = {"0": False, "1": True, "是": True, "否": False, "true": True, "false": False, "True": True,
               "False": False}  # fmt: skip
FILE_DATE = re.compile(r"(20\d{2})[-_.年]?(\d{2})[-_.月]?(\d{2})")


@dataclass
class ChatBatch:
    """Rows of one batch: row, shop (raw account prefix or shop column), buyer, agent, ts (UTC), direction, auto, text."""

    table: pa.Table


@dataclass
class ChatRows:
    """Collects rows from a reader and turns them into Arrow batches; bad cells become RowErrors."""

    file: str
    shop: str = ""  # --shop: wins over the file's shop names
    tz: ZoneInfo = SHOP_TZ
    errors: list[RowError] = field(default_factory=list)
    read: int = 0
    share: Callable[[], float] = lambda: 0.0  # the part of the file read so far (set by its reader; 0 when unknown)
    seen: tuple[int, float] = (0, 0.0)  # (read, share) as of the latest batch, set at once: read on another thread
    _rows: list[tuple[int, str, str, str, str, str, str]] = field(default_factory=list)

    def add(self, row: int, shop: str, buyer: str, agent: str, ts: str, direction: str, text: str) -> None:
        self._rows.append((row, shop, buyer, agent, ts, direction, text))

    def error(self, err: RowError) -> None:
        self.errors.append(err)

    def ready(self) -> bool:
        return len(self._rows) >= BATCH_ROWS

    def take(self, auto: list[bool] | None = None) -> ChatBatch:
        """The rows added so far as one batch."""
        cols = list(zip(*self._rows, strict=True)) if self._rows else [()] * 7
        self._rows = []
        rows, shop, buyer, agent, ts_text, direction, text = (pa.array(list(c), t) for c, t in zip(
            cols, (pa.int64(), *[pa.string()] * 6), strict=True))  # fmt: skip
        return self.batch(rows, shop, buyer, agent, ts_text, direction, text,
                          None if auto is None else pa.array(auto, pa.bool_()))  # fmt: skip

    def batch(self, rows: pa.Array, shop: pa.Array, buyer: pa.Array, agent: pa.Array, ts_text: pa.Array,
              direction: pa.Array, text: pa.Array, auto: pa.Array | None = None) -> ChatBatch:  # fmt: skip
        """Columns → a batch: times parsed (unreadable ones reported), auto-replies marked by their text."""
        self.read += len(rows)
        self.seen = (self.read, self.share())
        if self.shop:
            shop = pa.array([self.shop] * len(rows), pa.string())
        ts, bad = col.times(ts_text, self.tz)
        unreadable = pc.or_(bad, pc.is_null(ts))
        for k in col.rows_where(unreadable):
            shown = ts_text[k].as_py() or ""
            self.error(RowError(rows[k].as_py(), "time", f"无法识别的时间 '{shown}'", f"unreadable time '{shown}'",
                                self.file))  # fmt: skip
        marks = pc.or_(pc.starts_with(text, AUTO_MARKS[0]), pc.starts_with(text, AUTO_MARKS[1]))
        is_auto = pc.and_(pc.equal(direction, "out"), pc.or_(marks, pc.starts_with(text, AUTO_MARKS[2])))
        if auto is not None:
            is_auto = pc.or_(is_auto, auto)
        table = pa.table({"row": rows, "shop": shop, "buyer": buyer, "agent": agent, "ts": ts,
                          "direction": direction, "auto": is_auto, "text": text})  # fmt: skip
        return ChatBatch(table.filter(pc.invert(unreadable)))


def bad_date(row: int, file: str) -> RowError:
    return RowError(row, "date", "时间没有日期: 请用 --date 指定", "times carry no date: use --date", file)


def file_date(name: str) -> date | None:
    """The date written in an export's file name (千牛聊天记录_原始逐条_2026-05-09_20-57.xlsx → 2026-05-09)."""
    m = FILE_DATE.search(name)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def detect_format(path: Path) -> str:
    """The chat format of a file from its type and first lines."""
    from kefu.io.qianniu_chats import WEB_TIME, XLSX_COLUMNS
    from kefu.io.qianniu_log import HEADER

    if path.suffix.lower() in EXCEL_SUFFIXES:
        wb = load_workbook(path)
        try:
            for sheet in wb.worksheets:
                header = next(sheet_rows(sheet), [])
                if all(c in [h.strip() for h in header] for c in XLSX_COLUMNS[:3]):
                    return "qianniu-xlsx"
        finally:
            wb.close()
        return "csv"
    if path.suffix.lower() == ".csv":
        return "csv"
    head = read_head(path)
    text = head.decode(sniff_encoding(head, path.name), errors="ignore").replace("\r\n", "\n")
    if re.search(HEADER, text, re.M):
        return "qianniu-text"
    if any(WEB_TIME.match(line.strip()) for line in text.splitlines()):
        return "qianniu-web"
    raise KefuError(
        ErrorCode.IMPORT_BAD_FILE,
        f"无法识别聊天记录格式 {path.name}: 应为千牛聊天记录 (买家 --> 店铺:客服 时间)、网页查询页文本、逐买家 Excel 或 CSV",
        f"unknown chat format {path.name}: expected a Qianniu chat log (buyer --> shop:agent time), "
        "the web query page text, the per-buyer Excel or our CSV",
        {"file": path.name},
    )


def read_chats(path: Path, fmt: str = "auto", shop: str = "", day: date | None = None,
               tz: ZoneInfo = SHOP_TZ) -> tuple[str, ChatRows, Iterator[ChatBatch]]:  # fmt: skip
    """(format, collector with errors and counts, batches) of a chat file."""
    from kefu.io import qianniu_chats as qn
    from kefu.io.qianniu_log import read_text_log

    if fmt not in FORMATS:
        raise KefuError(ErrorCode.BAD_ARGUMENT, f"未知格式 '{fmt}', 可选: {', '.join(FORMATS)}",
                        f"unknown format '{fmt}', choose {', '.join(FORMATS)}", {"format": fmt})  # fmt: skip
    path = Path(path)
    kind = detect_format(path) if fmt == "auto" else fmt
    out = ChatRows(path.name, shop, tz)
    if kind == "qianniu-text":
        return kind, out, read_text_log(path, path.name, out)
    if kind == "qianniu-web":
        return kind, out, qn.read_web_text(path, path.name, day, out)
    if kind == "qianniu-xlsx":
        return kind, out, qn.read_buyer_excel(path, path.name, day, out)
    return kind, out, _read_table(path, out)


def _read_table(path: Path, out: ChatRows) -> Iterator[ChatBatch]:
    """Our documented CSV/Excel schema, batch by batch."""
    table = open_table(path)
    missing = [COLUMNS[f][0] for f in REQUIRED if not any(a in table.header for a in COLUMNS[f])]
    if missing:
        raise KefuError(ErrorCode.IMPORT_MISSING_COLUMN, f"文件 {path.name} 缺少列: {', '.join(missing)}",
                        f"file {path.name} is missing columns: {', '.join(missing)}",
                        {"file": path.name, "missing": missing})  # fmt: skip
    found = {f: next(a for a in aliases if a in table.header) for f, aliases in COLUMNS.items()
             if any(a in table.header for a in aliases)}  # fmt: skip
    out.errors.extend(table.bad_rows)
    out.share = table.share
    for batch in table.batches:
        yield _table_batch(batch, found, path.name, out)


def _table_batch(batch: Batch, found: dict[str, str], file: str, out: ChatRows) -> ChatBatch:
    """One batch of our CSV schema checked column-wise: each bad cell a RowError (row order, then check order)."""
    def get(fld: str) -> pa.Array:
        if fld not in found:
            return pa.array([""] * batch.rows, pa.string())
        return col.filled(col.text(batch.columns[found[fld]]))

    shop, buyer, agent, ts, direction, text, auto = (get(f) for f in ("shop", "buyer", "agent", "time",
                                                                        "direction", "text", "auto"))  # fmt: skip
    way = _lookup(direction, DIRECTIONS, pa.string())
    flag = _lookup(pc.if_else(pc.equal(auto, ""), "0", auto), AUTO_VALUES, pa.bool_())
    no_shop = pa.array([False] * batch.rows) if out.shop else pc.equal(shop, "")
    checks = ((pc.is_null(way), COLUMNS["direction"][0], "方向应为 in/out (买家/客服)", "direction must be in/out"),
              (pc.equal(buyer, ""), COLUMNS["buyer"][0], "不能为空", "must not be empty"),
              (pc.equal(agent, ""), COLUMNS["agent"][0], "不能为空", "must not be empty"),
              (pc.is_null(flag), COLUMNS["auto"][0], "应为 0 或 1", "must be 0 or 1"),
              (no_shop, "shop", "缺少店铺 (用 --shop 指定)", "no shop (use --shop)"))  # fmt: skip
    found_errors = sorted((k, c, RowError(batch.first_row + k, name, zh, en, file))
                          for c, (bad, name, zh, en) in enumerate(checks) for k in col.rows_where(bad))  # fmt: skip
    out.errors.extend(e for _, _, e in found_errors)
    good = pc.invert(pc.is_in(pa.array(range(batch.rows), pa.int64()),
                              value_set=pa.array(sorted({k for k, _, _ in found_errors}), pa.int64())))  # fmt: skip
    rows = pa.array(range(batch.first_row, batch.first_row + batch.rows), pa.int64())
    return out.batch(*(pc.filter(c, good) for c in (rows, shop, buyer, agent, ts, way, text, flag)))


def _lookup(values: pa.Array, mapping: dict[str, Any], kind: pa.DataType) -> pa.Array:
    """Each value's mapping (null where the value is not a key)."""
    keys = pa.array(list(mapping), pa.string())
    return pc.take(pa.array(list(mapping.values()), kind), pc.index_in(values, value_set=keys))
