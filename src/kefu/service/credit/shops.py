"""The per-shop job: each shop credited on its own, so one shop's bad data fails only that shop.

Why: an outsourcing firm sends one month's export for many shops; a shop whose file
rows are broken (a paid-before-created order, an unreadable time) must not stop the
other shops' pay. Each shop's rows are split out (:func:`kefu.io.credit_csv.split_by_shop`),
read by the same checks as the whole-file run, credited by the chosen engine and
written to ``DIR/shop=<id>/`` (Hive-style, the layout Spark reads back as a partition
column); a failed shop gets no folder, only its line in ``DIR/shops.csv``.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

import numpy as np

from kefu.credit.ingest import MSG_COLUMNS, ORDER_COLUMNS
from kefu.credit.pipeline import CreditResult
from kefu.domain.errors import KefuError, RowError
from kefu.io.credit_csv import read_messages, read_orders, split_by_shop, write_outputs

Run = Callable[..., CreditResult]  # (messages, orders) Arrow tables → result
REPORT_COLUMNS = ["shop", "status", "messages", "orders", "credited", "error_code", "bad_rows", "reason_zh", "reason_en"]  # fmt: skip


@dataclass(frozen=True)
class ShopOutcome:
    """One shop's line of the report: its sizes, and either its figures or why it failed."""

    shop: str
    messages: int
    orders: int
    credited: int = 0
    error: KefuError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def shop_folder(out: Path, shop: str) -> Path:
    """``DIR/shop=<id>`` with the id percent-encoded (a shop id may hold '/' or spaces)."""
    return out / f"shop={quote(shop, safe='')}"


def _original_rows(exc: KefuError, part: Path | None, rows: np.ndarray, name: str) -> KefuError:
    """The shop part's row numbers → the original file's (header = row 1), and its file name."""

    def back(r: RowError) -> RowError:
        row = int(rows[r.row - 2]) + 2 if 2 <= r.row < len(rows) + 2 else r.row
        return replace(r, row=row, file=name)

    tmp = part.name if part else "\0"
    return replace(
        exc,
        message=exc.message.replace(tmp, name),
        message_en=exc.message_en.replace(tmp, name),
        rows=[back(r) for r in exc.rows],
    )


def run_shops(messages: Path, orders: Path, out: Path, run: Run, parquet: bool = False) -> list[ShopOutcome]:
    """Credit every shop of the two files on its own; returns one outcome per shop, by shop id."""
    outcomes = []
    scratch = Path(tempfile.mkdtemp(prefix="kefu-shops-"))
    try:
        m_parts = split_by_shop(messages, MSG_COLUMNS, scratch, "m")
        o_parts = split_by_shop(orders, ORDER_COLUMNS, scratch, "o")
        for shop in sorted(set(m_parts) | set(o_parts)):
            m_path, m_rows = m_parts.get(shop, (None, np.zeros(0, np.int64)))
            o_path, o_rows = o_parts.get(shop, (None, np.zeros(0, np.int64)))
            base = ShopOutcome(shop, len(m_rows), len(o_rows))
            try:
                m_tab = read_messages(m_path or _empty(scratch, "m", MSG_COLUMNS))
            except KefuError as exc:
                outcomes.append(replace(base, error=_original_rows(exc, m_path, m_rows, messages.name)))
                continue
            try:
                o_tab = read_orders(o_path or _empty(scratch, "o", ORDER_COLUMNS))
                result = run(m_tab, o_tab)
            except KefuError as exc:
                outcomes.append(replace(base, error=_original_rows(exc, o_path, o_rows, orders.name)))
                continue
            write_outputs(result, shop_folder(out, shop), parquet=parquet)
            credited = int((result.order_credit["credited_agent"] != "").sum())
            outcomes.append(replace(base, credited=credited))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    write_report(outcomes, out / "shops.csv")
    return outcomes


def _empty(folder: Path, tag: str, columns: tuple[str, ...]) -> Path:
    """A header-only file for a shop with orders but no messages (or the reverse)."""
    path = folder / f"{tag}-empty.csv"
    path.write_text(",".join(columns) + "\n", encoding="utf-8")
    return path


def _cell(text: str) -> str:
    """A value a spreadsheet shows as text, never runs as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_report(outcomes: list[ShopOutcome], path: Path) -> None:
    """``shops.csv``: one line per shop; a failed shop lists its first bad rows (original row numbers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(REPORT_COLUMNS)
        for o in outcomes:
            e = o.error
            zh = en = ""
            if e is not None:
                zh = "; ".join([e.message, *(f"第{r.row}行 [{r.column}] {r.reason_zh}" for r in e.rows[:5])])
                en = "; ".join(
                    [e.message_en, *(f"row {r.row} [{r.column}] {r.reason_en}" for r in e.rows[:5])]
                )
            w.writerow([_cell(o.shop), "ok" if o.ok else "failed", o.messages, o.orders, o.credited,
                        "" if e is None else str(e.code), 0 if e is None else len(e.rows), _cell(zh), _cell(en)])  # fmt: skip
