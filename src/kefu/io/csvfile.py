"""Shared reader helpers: encoding detection (GBK or UTF-8), header matching by name, cells → values.

Why: Taobao/Tmall exports are GBK, most other files UTF-8, and column order changes
between export versions. Every importer reads through here so a wrong encoding or a
missing column gives the same clear, bilingual error.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import SHOP_TZ
from kefu.io.cells import unquote

ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 ⊇ GBK ⊇ GB2312
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M")


class BadCell(ValueError):
    """One bad cell while parsing a row: the column and the reason in both languages.

    Row parsers raise it; the file reader catches it, adds the row number and
    collects a RowError, so a whole file's problems are reported at once.
    """

    def __init__(self, column: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.column, self.zh, self.en = column, zh, en


def decode(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding) — UTF-8 (with or without BOM) first, then GBK/GB18030; anything else is refused."""
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise KefuError(
        ErrorCode.IMPORT_BAD_ENCODING,
        f"文件 {name} 既不是 UTF-8 也不是 GBK 编码",
        f"file {name} is neither UTF-8 nor GBK encoded",
        {"file": name},
    )


def read_text(path: Path) -> tuple[str, str]:
    """(text, encoding) of a file; unreadable or wrongly encoded files are a KefuError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KefuError(
            ErrorCode.IMPORT_BAD_FILE, f"无法读取文件 {path}", f"cannot read file {path}"
        ) from exc
    return decode(data, path.name)


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV (any supported encoding) or .xlsx file, cells as stripped text."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    text, _ = read_text(path)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise KefuError(ErrorCode.IMPORT_BAD_FILE, f"文件 {path.name} 是空的", f"file {path.name} is empty")
    return [clean(h) for h in rows[0]], [[clean(c) for c in r] for r in rows[1:]]


def _read_xlsx(path: Path) -> tuple[list[str], list[list[str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken file
        raise KefuError(
            ErrorCode.IMPORT_BAD_FILE,
            f"无法读取 Excel 文件 {path.name}",
            f"unreadable Excel file {path.name}",
        ) from exc
    sheet = wb.worksheets[0]
    rows = [["" if v is None else _cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    wb.close()
    if not rows:
        raise KefuError(ErrorCode.IMPORT_BAD_FILE, f"文件 {path.name} 是空的", f"file {path.name} is empty")
    return [clean(h) for h in rows[0]], [[clean(c) for c in r] for r in rows[1:] if any(c != "" for c in r)]


def _cell(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def clean(cell: str) -> str:
    """Strip spaces, tabs, the ``="…"`` wrapper Taobao puts around long numbers and kefu's own
    formula guard (``'=…``, see :mod:`kefu.io.cells`)."""
    text = cell.strip().strip("\t").strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return unquote(text.strip())


def match_columns(
    header: list[str], wanted: dict[str, tuple[str, ...]], required: Iterable[str], file: str
) -> dict[str, int]:
    """Field → column index, matching any alias by name; missing required fields are one clear error."""
    found: dict[str, int] = {}
    for field, aliases in wanted.items():
        for alias in aliases:
            if alias in header:
                found[field] = header.index(alias)
                break
    missing = [wanted[f][0] for f in required if f not in found]
    if missing:
        raise KefuError(
            ErrorCode.IMPORT_MISSING_COLUMN,
            f"文件 {file} 缺少列: {', '.join(missing)}",
            f"file {file} is missing columns: {', '.join(missing)}",
            {"file": file, "missing": missing},
        )
    return found


def parse_time(text: str, tz: ZoneInfo = SHOP_TZ) -> datetime | None:
    """Shop wall-clock or ISO-8601 text → aware datetime; None when unreadable."""
    text = text.strip()
    value: datetime | None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
        for fmt in TIME_FORMATS:
            try:
                value = datetime.strptime(text, fmt)  # noqa: DTZ007 - zone attached just below
                break
            except ValueError:
                continue
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def yuan_to_fen(text: str) -> int | None:
    """'12.30' / '¥1,234.5' → 1230 / 123450 fen (exact, Decimal); None when unreadable or fractional fen."""
    cleaned = text.replace("¥", "").replace("￥", "").replace(",", "").strip()
    if cleaned == "":
        return None
    try:
        value = Decimal(cleaned) * 100
    except InvalidOperation:
        return None
    if value != value.to_integral_value():
        return None
    return int(value)
