"""Import use-cases: Taobao/Tmall order exports and chat records into the database.

Each import is one transaction: a file with bad rows is refused whole unless
``skip_bad_rows`` (then the rejects are returned for a report). Re-importing the
same file changes nothing (orders keyed by 订单编号, messages by their natural key).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from kefu.domain.errors import RowError, bad_rows
from kefu.io import chats as chat_io
from kefu.io import taobao_orders
from kefu.service.credit import store
from kefu.service.credit.schemas import ImportReport, Progress
from kefu.store.models.commerce import Order
from kefu.store.models.live import Message

BATCH = 1000


def _check(file: str, errors: list[RowError], skip_bad_rows: bool) -> None:
    if errors and not skip_bad_rows:
        raise bad_rows(file, errors)


def import_orders(
    session: Session,
    path: Path,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    shop: str = "",
) -> ImportReport:
    """Taobao/Tmall order export → ``orders`` (upsert by 订单编号)."""
    rows, errors = taobao_orders.parse(Path(path), shop)
    _check(Path(path).name, errors, skip_bad_rows)
    report = ImportReport(Path(path).name, rows=len(rows), rejected=errors)
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        existing = store.orders_by_id(session, [r.order_id for r in chunk])
        for r in chunk:
            values = {
                "shop_id": r.shop, "buyer": r.buyer, "created_at": r.created_at, "paid_at": r.paid_at,
                "amount_fen": r.amount_fen, "status": r.status, "refund_fen": r.refund_fen, "title": r.title,
                "quantity": r.quantity, "memo": r.memo, "flag": r.flag, "phone": r.phone, "address": r.address,
            }  # fmt: skip
            old = existing.get(r.order_id)
            if old is None:
                session.add(Order(id=r.order_id, **values))
                report.inserted += 1
            elif any(getattr(old, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(old, k, v)
                report.updated += 1
            else:
                report.unchanged += 1
        session.flush()
        if progress:
            progress(min(start + BATCH, len(rows)), len(rows))
    return report


def import_chats(
    session: Session,
    path: Path,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    shop: str = "",
) -> ImportReport:
    """Chat records (CSV/Excel schema or text export) → ``messages``; unknown agents are bad rows."""
    known = frozenset(store.agent_ids(session))
    rows, errors = chat_io.parse(Path(path), shop, known)
    if known:
        for r in rows:
            if r.agent not in known:
                errors.append(
                    RowError(
                        r.row, "agent", f"未知客服 '{r.agent}'", f"unknown agent '{r.agent}'", Path(path).name
                    )
                )
        bad = {e.row for e in errors}
        rows = [r for r in rows if r.row not in bad]
    _check(Path(path).name, sorted(errors, key=lambda e: e.row), skip_bad_rows)
    report = ImportReport(Path(path).name, rows=len(rows), rejected=errors)
    by_pair: dict[tuple[str, str], list[chat_io.ChatRow]] = {}
    for r in rows:
        by_pair.setdefault((r.shop, r.buyer), []).append(r)
    done = 0
    for (shop_id, buyer), items in by_pair.items():
        lo, hi = min(r.ts for r in items), max(r.ts for r in items)
        have = store.message_keys(session, shop_id, buyer, lo, hi)
        for r in items:
            if r.key in have:
                report.unchanged += 1
                continue
            have.add(r.key)
            session.add(Message(shop_id=r.shop, buyer=r.buyer, agent_id=r.agent, ts=r.ts, direction=r.direction,
                                auto=r.auto, text=r.text))  # fmt: skip
            report.inserted += 1
        done += len(items)
        if progress:
            progress(done, len(rows))
    session.flush()
    return report


