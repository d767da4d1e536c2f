"""Any export table → its cleaned header and string columns in bounded batches (CSV or Excel).

Why columnar: a month of a big shop's exports is millions of rows, and a Python
object per cell is the slow part of an import. Arrow's CSV reader tokenises in C++
and hands every column over as one string array per batch; the readers that
understand the platforms' layouts then clean and validate whole columns at once.

What real exports throw at us, handled here once: GBK (read as gb18030), UTF-8 with
or without BOM, UTF-16 with BOM; header names with trailing spaces, tabs or a BOM;
data rows that end with a comma (宝贝报表) so they carry one unnamed field more than
the header; rows with a wrong number of fields (reported, never silently skipped).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kefu.domain.errors import ErrorCode, KefuError, RowError

BATCH_BYTES = 8 << 20
EXCEL_BATCH_ROWS = 50_000
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def clean_name(name: object) -> str:
    """A header cell as the platform meant it: BOM, tabs, quotes wrappers and edge spaces removed."""
    text = "" if name is None else str(name)
    return text.replace("\ufeff", "").strip().strip("\t").strip()


def sniff_encoding(head: bytes, name: str) -> str:
    """The encoding of a file from its first bytes: a BOM decides; else UTF-8 if it decodes, else GB18030."""
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise bad_encoding(name) from exc
    return "gb18030"


def bad_encoding(name: str) -> KefuError:
    return KefuError(
        ErrorCode.IMPORT_BAD_ENCODING,
        f"文件 {name} 不是 UTF-8、UTF-16 或 GBK 编码",
        f"file {name} is neither UTF-8, UTF-16 nor GBK encoded",
        {"file": name},
    )


def read_head(path: Path, size: int = 1 << 16) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise KefuError(ErrorCode.IMPORT_BAD_FILE, f"无法读取文件 {path}", f"cannot read file {path}") from exc


def empty_file(name: str) -> KefuError:
    return KefuError(ErrorCode.IMPORT_BAD_FILE, f"文件 {name} 是空的", f"file {name} is empty", {"file": name})


@dataclass
class Batch:
    """One slice of a table: ``columns`` by cleaned header name, ``first_row`` the sheet row of its first line."""

    first_row: int
    columns: Mapping[str, pa.Array]
    rows: int


class GbkColumns(Mapping[str, pa.Array]):
    """A GBK batch's columns, each decoded to UTF-8 when first asked for.

    Why: a Taobao 订单报表 has 61 columns and an import reads about 15. Arrow's own
    transcoding would run Python's GB18030 decoder over every byte of the file; the raw
    bytes tokenise the same (no GBK trail byte is a comma, quote, CR or LF), so only the
    columns read are decoded, an all-ASCII one (ids, times, money) by a zero-copy cast.
    """

    def __init__(self, batch: pa.RecordBatch, file: str) -> None:
        self._batch, self._file = batch, file
        self._done: dict[str, pa.Array] = {}

    def __getitem__(self, name: str) -> pa.Array:
        if name not in self._done:
            self._done[name] = gbk_column(self._batch.column(name), self._file)
        return self._done[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._batch.schema.names)

    def __len__(self) -> int:
        return int(self._batch.num_columns)


SEP = "\x1f"  # joins a column's cells for one decode: a control character no export writes (checked)


def gbk_column(raw: pa.Array, file: str) -> pa.Array:
    """GB18030 bytes → a string column: ASCII zero-copy, else one decode of the joined cells (per cell if SEP occurs)."""
    data = raw.buffers()[2]
    offsets = np.frombuffer(raw.buffers()[1], np.int32, len(raw) + 1, raw.offset * 4)
    body = np.frombuffer(data, np.uint8, int(offsets[-1] - offsets[0]), int(offsets[0])) if data else np.zeros(0)
    if not (body >= 0x80).any():
        return raw.cast(pa.string())
    try:
        if pc.any(pc.match_substring(raw, SEP)).as_py():
            return pa.array([v.decode("gb18030") for v in raw.to_pylist()], pa.string())
        joined = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, len(raw)], pa.int32()), raw), SEP.encode())
        text = joined[0].as_py().decode("gb18030")
    except UnicodeDecodeError:
        raise bad_encoding(file) from None
    return pc.list_flatten(pc.split_pattern(pa.array([text], pa.string()), SEP))


@dataclass
class Table:
    """A file opened for reading: its cleaned header, and its data in batches (read once)."""

    name: str
    header: list[str]
    batches: Iterator[Batch]
    bad_rows: list[RowError] = field(default_factory=list)  # rows with the wrong number of fields
    share: Callable[[], float] = lambda: 0.0  # the part of the file read so far (0 when unknown)


def read_share(fh: BinaryIO, size: int) -> Callable[[], float]:
    """How far a reader has got through a file, for a progress bar: its position over the size (closed: all read).

    Asked from the writer's thread while the reader's thread may be closing the file: a
    file closed between the check and ``tell`` counts as read to the end.
    """

    def share() -> float:
        if not size:
            return 0.0
        try:
            return 1.0 if fh.closed else min(1.0, fh.tell() / size)
        except (OSError, ValueError):  # closed by the reader meanwhile
            return 1.0

    return share


def _unique(names: list[str]) -> list[str]:
    """Cleaned names, repeats and blanks made unique (``名称``, ``名称#2``; blank → ``#3``)."""
    seen: dict[str, int] = {}
    out = []
    for i, raw in enumerate(names, start=1):
        name = clean_name(raw) or f"#{i}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def open_table(path: Path) -> Table:
    """Open a CSV (any supported encoding) or .xlsx export; refuses empty or unreadable files."""
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return _open_excel(path)
    return _open_csv(path)


def _open_csv(path: Path) -> Table:
    head = read_head(path)
    if not head.strip():
        raise empty_file(path.name)
    encoding = sniff_encoding(head, path.name)
    text = head.decode(encoding, errors="ignore")
    sample = list(csv.reader(io.StringIO(text)))
    if not sample or not any(c.strip() for c in sample[0]):
        raise empty_file(path.name)
    header = list(sample[0])
    complete = sample[1:-1] if len(head) == 1 << 16 else sample[1:]
    if complete and all(len(r) == len(header) + 1 and r[-1] == "" for r in complete):
        header.append("")  # 宝贝报表: every data row ends with a comma
    names = _unique(header)
    bad: list[RowError] = []

    def invalid(row: pacsv.InvalidRow) -> str:
        line = row.number if row.number is not None else 0
        bad.append(RowError(line, "", f"应有 {row.expected_columns} 列, 实有 {row.actual_columns} 列",
                            f"expected {row.expected_columns} fields, found {row.actual_columns}", path.name))  # fmt: skip
        return "skip"

    gbk = encoding == "gb18030"  # tokenised raw, decoded column by column (GbkColumns)
    native = gbk or encoding == "utf-8-sig"  # the BOM sits in the skipped header line
    fh = path.open("rb")  # Arrow reads through it: its position drives the progress bar
    try:
        reader = pacsv.open_csv(
            fh,
            read_options=pacsv.ReadOptions(
                encoding="utf8" if native else encoding, block_size=BATCH_BYTES, column_names=names, skip_rows=1
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.binary() if gbk else pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        fh.close()
        raise KefuError(
            ErrorCode.IMPORT_BAD_FILE, f"无法解析 CSV 文件 {path.name}", f"cannot parse CSV file {path.name}"
        ) from exc
    handed, size = Handed(BATCH_BYTES), path.stat().st_size
    share = handed.share(read_share(fh, size), size)
    return Table(path.name, names, _csv_batches(reader, fh, path.name, gbk, handed), bad, share)


@dataclass
class Handed:
    """How much of a CSV file the batches handed out so far span: Arrow cuts one batch per block of ``block`` bytes.

    Why not the file's position alone: Arrow's streaming reader reads blocks ahead of the
    batch it hands out (a fifth to a quarter of a 1.3 GB file before the first batch), so
    the position overstated the progress and the rows estimated from it fell short four
    times over at the first batch — which decided the 20 M-message file was small
    (``indexes.DeferredIndexes``) and wrote it row by row into five indexes. The smaller of
    the two shares is taken: for a UTF-16 file the blocks count transcoded bytes.
    """

    block: int
    batches: int = 0

    def share(self, position: Callable[[], float], size: int) -> Callable[[], float]:
        return lambda: min(position(), self.batches * self.block / size) if size else 0.0


def _csv_batches(reader: pacsv.CSVStreamingReader, fh: BinaryIO, name: str, gbk: bool,
                 handed: Handed) -> Iterator[Batch]:  # fmt: skip
    with fh:
        for batch in _csv_read(reader, name, gbk):
            handed.batches += 1
            yield batch


def _csv_read(reader: pacsv.CSVStreamingReader, name: str, gbk: bool) -> Iterator[Batch]:
    row = 2
    while True:
        try:
            rb = reader.read_next_batch()
        except StopIteration:
            return
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise KefuError(
                ErrorCode.IMPORT_BAD_FILE,
                f"文件 {name} 第 {row} 行之后无法解析: {exc}",
                f"file {name} cannot be parsed after row {row}: {exc}",
                {"file": name},
            ) from exc
        if rb.num_rows:
            cols = GbkColumns(rb, name) if gbk else {n: rb.column(i) for i, n in enumerate(rb.schema.names)}
            yield Batch(row, cols, rb.num_rows)
            row += rb.num_rows


def excel_text(value: object) -> str:
    """An Excel cell as the export's text: whole numbers without '.0', times as 'YYYY-MM-DD HH:MM:SS'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def load_workbook(path: Path):  # type: ignore[no-untyped-def]
    """A read-only openpyxl workbook, or a clear error for a broken file."""
    from openpyxl import load_workbook as _load

    try:
        return _load(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken file
        raise KefuError(
            ErrorCode.IMPORT_BAD_FILE, f"无法读取 Excel 文件 {path.name}", f"unreadable Excel file {path.name}"
        ) from exc


def sheet_rows(sheet: object) -> Iterator[list[str]]:
    """Every non-empty row of a worksheet as text cells."""
    for values in sheet.iter_rows(values_only=True):  # type: ignore[attr-defined]
        cells = [excel_text(v) for v in values]
        if any(c.strip() for c in cells):
            yield cells


def _open_excel(path: Path) -> Table:
    wb = load_workbook(path)
    rows = sheet_rows(wb.worksheets[0])
    first = next(rows, None)
    if first is None:
        wb.close()
        raise empty_file(path.name)
    names = _unique(first)
    return Table(path.name, names, _excel_batches(wb, rows, names))


def _excel_batches(wb: object, rows: Iterator[list[str]], names: list[str]) -> Iterator[Batch]:
    row = 2
    width = len(names)
    try:
        while True:
            chunk = [r[:width] + [""] * (width - len(r)) for _, r in zip(range(EXCEL_BATCH_ROWS), rows, strict=False)]
            if not chunk:
                return
            cols = {n: pa.array([r[i] for r in chunk], pa.string()) for i, n in enumerate(names)}
            yield Batch(row, cols, len(chunk))
            row += len(chunk)
    finally:
        wb.close()  # type: ignore[attr-defined]
