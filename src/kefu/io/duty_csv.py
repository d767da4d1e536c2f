"""CSV in and out for ``kefu duty replay``: orders, messages, roster, shifts, returns, reviews.

Shops hand us Taobao exports in GBK and spreadsheets saved as UTF-8 with a
BOM, so every file is decoded as UTF-8 first and GB18030 (a superset of GBK)
second. A file with any bad cell is rejected whole with every bad row listed
(``bad_rows``): replaying half a file would produce tasks a manager cannot
trust. Times without an offset are shop wall-clock time; output times are
ISO-8601 in the shop zone (+08:00).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kefu.domain.errors import ErrorCode, KefuError, RowError, bad_rows
from kefu.domain.timeutil import SHOP_TZ
from kefu.duty.engine import MessageOut, OrderFacts, TaskOut
from kefu.duty.replay import ReturnEvent, ReviewEvent
from kefu.duty.roster import REST_CODES
from kefu.io import cells, csvfile
from kefu.io import credit_csv as credit_files
from kefu.io.csvfile import BadCell

T = TypeVar("T")

ORDER_COLUMNS = ("order_id", "shop", "buyer", "created_at", "paid_at", "amount_fen", "status", "refund_fen")
MESSAGE_COLUMNS = ("shop", "buyer", "agent", "ts", "direction", "auto")
TASK_HEADER = ("task_type", "order_id", "assignee", "created_at", "due_at")
MESSAGE_HEADER = ("channel", "order_id", "sent_at")





def _rows(path: Path, required: Iterable[str]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(csvfile.read_text(path)[0]))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise KefuError(ErrorCode.IMPORT_MISSING_COLUMN, f"文件 {path.name} 缺少列: {', '.join(missing)}",
                        f"file {path.name} lacks columns: {', '.join(missing)}",
                        {"file": path.name, "missing": missing})
    reader.fieldnames = header
    return [{k: cells.unquote((v or "").strip()) for k, v in row.items() if k is not None} for row in reader]


def _parse(path: Path, required: Iterable[str], convert: Callable[[dict[str, str]], T]) -> list[T]:
    """Convert every row; collect every bad cell, then reject the file if there was one."""
    out: list[T] = []
    errors: list[RowError] = []
    for number, row in enumerate(_rows(path, required), start=2):
        try:
            out.append(convert(row))
        except BadCell as bad:
            errors.append(RowError(number, bad.column, bad.zh, bad.en, path.name))
    if errors:
        raise bad_rows(path.name, errors)
    return out


def _time(row: dict[str, str], column: str, *, optional: bool = False) -> datetime | None:
    text = row.get(column, "")
    if not text:
        if optional:
            return None
        raise BadCell(column, "不能为空", "must not be empty")
    try:
        value = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError as exc:
        raise BadCell(column, f"无法识别的时间 '{text}'", f"unreadable time '{text}'") from exc
    # UTC inside: comparisons between aware datetimes of one fixed zone are much cheaper
    return (value if value.tzinfo is not None else value.replace(tzinfo=SHOP_TZ)).astimezone(UTC)


def _req_time(row: dict[str, str], column: str) -> datetime:
    value = _time(row, column)
    assert value is not None
    return value


def _text(row: dict[str, str], column: str) -> str:
    if not row.get(column):
        raise BadCell(column, "不能为空", "must not be empty")
    return row[column]


def _fen(row: dict[str, str], column: str) -> int:
    text = row.get(column, "") or "0"
    try:
        value = int(text)
    except ValueError as exc:
        raise BadCell(column, f"金额应为整数分: '{text}'", f"amount must be whole fen: '{text}'") from exc
    if value < 0:
        raise BadCell(column, "金额不能为负", "amount must not be negative")
    return value


def _order(row: dict[str, str]) -> tuple[OrderFacts, str, int]:
    created = _req_time(row, "created_at")
    paid = _time(row, "paid_at", optional=True)
    if paid is not None and paid < created:
        raise BadCell("paid_at", "付款时间早于下单时间", "paid before the order was created")
    facts = OrderFacts(_text(row, "order_id"), row["shop"], _text(row, "buyer"), created, paid,
                       _fen(row, "amount_fen"))
    return facts, row.get("status", ""), _fen(row, "refund_fen")


def read_orders(path: Path) -> tuple[list[OrderFacts], pd.DataFrame]:
    """Orders for the rules, and the same orders as a frame for the credit engine.

    The frame has UTC timestamps (NaT when unpaid) and int64 fen columns.
    """
    rows = _parse(path, ORDER_COLUMNS, _order)
    seen: set[str] = set()
    duplicates = []
    for number, (order, _status, _refund) in enumerate(rows, start=2):
        if order.order_id in seen:
            duplicates.append(RowError(number, "order_id", f"订单号重复 {order.order_id}",
                                       f"duplicate order id {order.order_id}", path.name))
        seen.add(order.order_id)
    if duplicates:
        raise bad_rows(path.name, duplicates)
    orders = [r[0] for r in rows]
    frame = pd.DataFrame({
        "order_id": [o.order_id for o in orders],
        "shop": [o.shop for o in orders],
        "buyer": [o.buyer for o in orders],
        "created_at": pd.to_datetime(pd.Series([o.created_at for o in orders], dtype=object), utc=True),
        "paid_at": pd.to_datetime(pd.Series([o.paid_at for o in orders], dtype=object), utc=True),
        "amount_fen": pd.array([o.amount_fen for o in orders], dtype="int64"),
        "status": [r[1] for r in rows],
        "refund_fen": pd.array([r[2] for r in rows], dtype="int64"),
    })
    return orders, frame


def _message(row: dict[str, str]) -> tuple[Any, ...]:
    if row.get("direction") not in ("in", "out"):
        raise BadCell("direction", "应为 in 或 out", "must be in or out")
    auto = row.get("auto", "0").lower()
    if auto not in ("0", "1", "true", "false", ""):
        raise BadCell("auto", "应为 0 或 1", "must be 0 or 1")
    return (_text(row, "shop") if "shop" in row else "", _text(row, "buyer"), row.get("agent", ""),
            _req_time(row, "ts"), row["direction"], auto in ("1", "true"))


def _messages_by_row(path: Path, until: datetime | None) -> pd.DataFrame:
    """The row reader for chat files the Arrow reader refuses as not UTF-8 (GBK exports)."""
    frame = pd.DataFrame(_parse(path, MESSAGE_COLUMNS, _message), columns=list(MESSAGE_COLUMNS))
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    frame["auto"] = frame["auto"].astype("int8")
    return frame if until is None else frame[frame["ts"] <= pd.Timestamp(until)].reset_index(drop=True)


def read_messages(path: Path, until: datetime | None = None) -> pd.DataFrame:
    """Chat messages as the credit engine takes them; only those at or before ``until``.

    UTF-8 files go through the credit engine's own Arrow reader (the same
    checks as ``kefu credit run``, and fast on millions of rows); GBK files
    through the row reader here.
    """
    try:
        table = credit_files.read_messages(path)
    except KefuError as exc:
        if exc.code is not ErrorCode.IMPORT_BAD_ENCODING:
            raise
        return _messages_by_row(path, until)
    except UnicodeDecodeError:  # GBK bytes beyond the part the header check reads
        return _messages_by_row(path, until)
    if until is not None:
        table = table.filter(pc.less_equal(table.column("ts"), pa.scalar(until, type=table.schema.field("ts").type)))
    frame = table.to_pandas()
    for column in ("shop", "buyer", "agent", "direction"):
        frame[column] = frame[column].astype(str)
    return frame


@dataclass(frozen=True)
class ShiftRow:
    code: str
    start: str
    end: str
    night: bool
    evening: bool


def _flag(row: dict[str, str], column: str) -> bool:
    text = row.get(column, "").lower()
    if text not in ("", "0", "1", "true", "false", "yes", "no"):
        raise BadCell(column, "应为 0 或 1", "must be 0 or 1")
    return text in ("1", "true", "yes")


def _hhmm(row: dict[str, str], column: str) -> str:
    text = row.get(column, "")
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[0]) > 23 or int(parts[1]) > 59:
        raise BadCell(column, f"应为 HH:MM: '{text}'", f"must be HH:MM: '{text}'")
    return text


def read_shifts(path: Path) -> list[ShiftRow]:
    return _parse(path, ("code", "start", "end"), lambda r: ShiftRow(
        _text(r, "code"), _hhmm(r, "start"), _hhmm(r, "end"), _flag(r, "night"), _flag(r, "evening")))


def read_roster(path: Path, known_codes: set[str] | None = None) -> list[tuple[str, date, str]]:
    """(agent, day, shift code) rows; with a shift table, unknown codes are errors."""

    def convert(row: dict[str, str]) -> tuple[str, date, str]:
        try:
            day = date.fromisoformat(row.get("date", ""))
        except ValueError as exc:
            raise BadCell("date", f"日期应为 YYYY-MM-DD: '{row.get('date')}'",
                       f"date must be YYYY-MM-DD: '{row.get('date')}'") from exc
        code = row.get("shift", "")
        if known_codes is not None and code not in known_codes and code not in REST_CODES:
            raise BadCell("shift", f"班次表中没有 '{code}'", f"shift '{code}' is not in the shift table")
        return _text(row, "agent"), day, code

    return _parse(path, ("agent", "date", "shift"), convert)


def read_returns(path: Path) -> list[ReturnEvent]:
    return _parse(path, ("order_id", "received_at"),
                  lambda r: ReturnEvent(_text(r, "order_id"), _req_time(r, "received_at")))


def _review(row: dict[str, str]) -> ReviewEvent:
    if row.get("rating") not in ("good", "neutral", "bad"):
        raise BadCell("rating", "应为 good/neutral/bad", "must be good, neutral or bad")
    return ReviewEvent(_text(row, "order_id"), row.get("buyer", ""), _req_time(row, "posted_at"), row["rating"])


def read_reviews(path: Path) -> list[ReviewEvent]:
    return _parse(path, ("order_id", "buyer", "posted_at", "rating"), _review)


def iso(ts: datetime) -> str:
    """Shop-zone ISO-8601 to the second, e.g. 2026-11-20T10:15:00+08:00."""
    return ts.astimezone(SHOP_TZ).isoformat(timespec="seconds")


def write_tasks(path: Path, tasks: Iterable[TaskOut]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(TASK_HEADER)
        for t in tasks:
            writer.writerow(cells.csv_row((t.task_type, t.order_id, t.assignee, iso(t.created_at), iso(t.due_at))))


def write_messages(path: Path, messages: Iterable[MessageOut]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(MESSAGE_HEADER)
        for m in messages:
            writer.writerow(cells.csv_row((m.channel, m.order_id, iso(m.sent_at))))


def read_attribution(path: Path) -> pd.DataFrame:
    """order_id,order_agent,payment_agent rows (empty = nobody), as ``order_credit`` has them."""
    rows = _parse(path, ("order_id", "order_agent", "payment_agent"),
                  lambda r: (_text(r, "order_id"), r.get("order_agent", ""), r.get("payment_agent", "")))
    return pd.DataFrame(rows, columns=["order_id", "order_agent", "payment_agent"])
