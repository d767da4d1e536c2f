"""Read the contract files (M.csv, O.csv) of ``kefu credit run`` into Arrow, or say exactly what is wrong.

Why two paths: the happy path is Arrow's multithreaded CSV reader (20 M rows in
seconds); only when it refuses a file do we re-read it row by row to report every
bad row with its column and reason, in Chinese and English. The per-shop job
(:mod:`kefu.service.credit.shops`) splits the files by shop here first.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kefu.credit.blocks import small_pages
from kefu.credit.ingest import MSG_COLUMNS, ORDER_COLUMNS
from kefu.domain.errors import ErrorCode, KefuError, RowError, bad_rows

TS = pa.timestamp("ms", tz="UTC")
DICT = pa.dictionary(pa.int32(), pa.string())
MSG_TYPES = {"shop": DICT, "buyer": DICT, "agent": DICT, "ts": TS, "direction": DICT, "auto": pa.int8()}
ORDER_TYPES = {
    "order_id": pa.string(),
    "shop": DICT,
    "buyer": DICT,
    "created_at": TS,
    "paid_at": TS,
    "amount_fen": pa.int64(),
    "status": pa.string(),
    "refund_fen": pa.int64(),
}
MAX_ERRORS = 1000


def _header(path: Path, needed: tuple[str, ...]) -> None:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            head = next(csv.reader(fh), [])
    except UnicodeDecodeError as exc:
        raise KefuError(
            ErrorCode.IMPORT_BAD_ENCODING,
            f"文件 {path.name} 不是 UTF-8 编码",
            f"file {path.name} is not UTF-8",
            {"file": str(path)},
        ) from exc
    except OSError as exc:
        raise KefuError(
            ErrorCode.IMPORT_BAD_FILE, f"无法读取文件 {path}", f"cannot read file {path}"
        ) from exc
    missing = [c for c in needed if c not in [h.strip() for h in head]]
    if missing:
        raise KefuError(
            ErrorCode.IMPORT_MISSING_COLUMN,
            f"文件 {path.name} 缺少列: {', '.join(missing)}",
            f"file {path.name} is missing columns: {', '.join(missing)}",
            {"file": str(path), "missing": missing},
        )


def _read(path: Path, types: dict[str, pa.DataType]) -> pa.Table:
    """8 MB blocks (Arrow's default is 1 MB): one dictionary per block, so 8× fewer
    chunk dictionaries for :func:`kefu.credit.ingest._codes` to merge and less per-block work."""
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=8 << 20),
        convert_options=pacsv.ConvertOptions(
            column_types=types, include_columns=list(types), null_values=[""], strings_can_be_null=False
        ),
    )


def _check_ts(text: str) -> str | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return "bad"
    return "naive" if value.tzinfo is None else None


def _scan(path: Path, checks: dict[str, str]) -> list[RowError]:
    """Slow path: find each bad cell. ``checks`` maps column → ts | ts_opt | int | int_opt | dir | flag."""
    errors: list[RowError] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            for col, kind in checks.items():
                text = (row.get(col) or "").strip()
                if kind.endswith("_opt") and text == "":
                    continue
                base = kind.removesuffix("_opt")
                if base == "ts":
                    bad = _check_ts(text)
                    if bad == "naive":
                        errors.append(
                            RowError(
                                i, col, f"时间缺少时区: '{text}'", f"time without offset: '{text}'", path.name
                            )
                        )
                    elif bad:
                        errors.append(
                            RowError(
                                i, col, f"无法识别的时间 '{text}'", f"unreadable time '{text}'", path.name
                            )
                        )
                elif base == "int" and not text.lstrip("-").isdigit():
                    errors.append(
                        RowError(i, col, f"不是整数: '{text}'", f"not an integer: '{text}'", path.name)
                    )
                elif base == "dir" and text not in ("in", "out"):
                    errors.append(
                        RowError(
                            i, col, f"应为 in 或 out: '{text}'", f"must be in or out: '{text}'", path.name
                        )
                    )
                elif base == "flag" and text not in ("0", "1", ""):
                    errors.append(
                        RowError(i, col, f"应为 0 或 1: '{text}'", f"must be 0 or 1: '{text}'", path.name)
                    )
            if len(errors) >= MAX_ERRORS:
                break
    return errors


def read_messages(path: Path) -> pa.Table:
    """M.csv → Arrow (shop, buyer, agent, ts, direction, auto): the compiled reader of
    :mod:`kefu.io.fastcsv` when the file has its usual shape, else Arrow's reader."""
    _header(path, MSG_COLUMNS)
    from kefu.io.fastcsv import read_fixed  # local: numba loads only for readers of M.csv

    with small_pages():
        fast = read_fixed(path)
    if fast is not None:
        return fast
    try:
        table = _read(path, MSG_TYPES)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        errors = _scan(path, {"ts": "ts", "direction": "dir", "auto": "flag"})
        if not errors:
            raise KefuError(
                ErrorCode.IMPORT_BAD_FILE, f"文件 {path.name} 无法解析", f"cannot parse {path.name}: {exc}"
            ) from exc
        raise bad_rows(path.name, errors) from exc
    # checked through the chunk dictionaries (a few values each), not 20 M decoded strings
    allowed = pa.array(["in", "out"])
    direction = table.column("direction")
    values = [c.dictionary if pa.types.is_dictionary(c.type) else c for c in direction.chunks]
    if not all(pc.all(pc.is_in(v, allowed)).as_py() is not False for v in values):
        raise bad_rows(path.name, _scan(path, {"direction": "dir"}))
    return table


def read_orders(path: Path) -> pa.Table:
    """O.csv → Arrow; refuses payment before creation, negative amounts and missing creation times."""
    _header(path, ORDER_COLUMNS)
    try:
        table = _read(path, ORDER_TYPES)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        errors = _scan(
            path, {"created_at": "ts", "paid_at": "ts_opt", "amount_fen": "int", "refund_fen": "int_opt"}
        )
        if not errors:
            raise KefuError(
                ErrorCode.IMPORT_BAD_FILE, f"文件 {path.name} 无法解析", f"cannot parse {path.name}: {exc}"
            ) from exc
        raise bad_rows(path.name, errors) from exc
    errors = order_row_errors(table, path.name)
    if errors:
        raise bad_rows(path.name, errors)
    return table.set_column(7, "refund_fen", pc.fill_null(table.column("refund_fen"), 0))


def order_row_errors(table: pa.Table, file: str = "") -> list[RowError]:
    """Impossible orders in an Arrow table: paid before created, negative money, no id/creation time."""
    errors: list[RowError] = []
    checks = [
        (
            "order_id",
            pc.equal(pc.utf8_length(pc.fill_null(table.column("order_id"), "")), 0),
            "订单编号为空",
            "empty order id",
        ),
        ("created_at", pc.is_null(table.column("created_at")), "缺少创建时间", "missing creation time"),
        (
            "paid_at",
            pc.less(table.column("paid_at"), table.column("created_at")),
            "付款时间早于创建时间",
            "paid before created",
        ),
        ("amount_fen", pc.less(table.column("amount_fen"), 0), "金额为负数", "negative amount"),
        ("refund_fen", pc.less(table.column("refund_fen"), 0), "退款金额为负数", "negative refund"),
        ("amount_fen", pc.is_null(table.column("amount_fen")), "缺少金额", "missing amount"),
    ]
    for col, mask, zh, en in checks:
        flags = pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(flags)[:MAX_ERRORS]:
            errors.append(RowError(int(i) + 2, col, zh, en, file))
    dup = pc.value_counts(table.column("order_id"))
    if len(dup) < table.num_rows:
        counts = dup.field("counts").to_numpy()
        for oid in dup.field("values").filter(pa.array(counts > 1)).to_pylist()[:MAX_ERRORS]:
            errors.append(RowError(0, "order_id", f"订单编号重复: {oid}", f"duplicate order id: {oid}", file))
    return sorted(errors, key=lambda e: (e.row, e.column))


def write_outputs(result: object, out_dir: Path, parquet: bool = False) -> list[Path]:
    """DIR/order_credit.csv, agent_day.csv, shop_day.csv, provisional.csv, evidence.csv (UTF-8).

    ``parquet``: each frame also as DIR/<name>.parquet (typed columns, for Spark or DuckDB to read back).
    """
    from kefu.credit.pipeline import CreditResult  # local: pipeline imports this module's neighbours

    assert isinstance(result, CreditResult)
    out_dir.mkdir(parents=True, exist_ok=True)
    frames = {
        "order_credit.csv": result.order_credit,
        "agent_day.csv": result.agent_day,
        "shop_day.csv": result.shop_day,
        "provisional.csv": result.provisional,
        "evidence.csv": result.evidence,
    }
    paths = []
    for name, frame in frames.items():
        path = out_dir / name
        _write_frame(frame, path)
        paths.append(path)
        if parquet:
            frame.to_parquet(path.with_suffix(".parquet"), index=False)
            paths.append(path.with_suffix(".parquet"))
    return paths


def _write_frame(frame: object, path: Path) -> None:
    """Plain CSV (quotes only where a value needs them); Arrow's writer for the big frames."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else v.isoformat())
    try:
        table = pa.Table.from_pandas(out, preserve_index=False)
        table = pa.table(
            [pc.fill_null(pc.cast(c, pa.string()), "") for c in table.columns], names=table.column_names
        )
        with path.open("wb") as fh:
            fh.write((",".join(table.column_names) + "\n").encode())
            pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        out.to_csv(path, index=False)


def split_by_shop(
    path: Path, needed: tuple[str, ...], folder: Path, tag: str
) -> dict[str, tuple[Path, np.ndarray]]:
    """One contract file → one file per shop under ``folder``: shop → (path, original data rows).

    Why through files: each shop's part is then read and checked by exactly the reader of
    the whole-file path (:func:`read_messages` / :func:`read_orders`), so a shop fails for the
    same reasons, and its errors' rows map back to the original file through the row index.
    Only a file that is not CSV at all (encoding, ragged rows) fails every shop.
    """
    _header(path, needed)
    with path.open(encoding="utf-8", newline="") as fh:
        head = [h.strip() for h in next(csv.reader(fh), [])]
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=8 << 20),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(head, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise KefuError(
            ErrorCode.IMPORT_BAD_FILE, f"文件 {path.name} 无法解析", f"cannot parse {path.name}: {exc}"
        ) from exc
    codes = pc.dictionary_encode(table.column("shop")).combine_chunks()
    idx = codes.indices.to_numpy(zero_copy_only=False)
    order = np.argsort(idx, kind="stable")
    bounds = np.searchsorted(idx[order], np.arange(len(codes.dictionary) + 1))
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, tuple[Path, np.ndarray]] = {}
    for k, shop in enumerate(codes.dictionary.to_pylist()):
        rows = order[bounds[k] : bounds[k + 1]]
        part = folder / f"{tag}-{k}.csv"
        pacsv.write_csv(table.take(pa.array(rows)), part)
        out[str(shop)] = (part, rows)
    return out
