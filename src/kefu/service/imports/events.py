"""Imports events: one row per stored file, so the audit trail shows who loaded what and what it changed.

One keyword-only function per kind, each writing through :func:`kefu.service.events.append`.
A refused file writes nothing (its transaction is rolled back with the rows).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from kefu.service import events
from kefu.service.imports.schemas import ImportReport


class ImportEvent(StrEnum):
    ORDERS_IMPORTED = "orders.imported"
    CHATS_IMPORTED = "chats.imported"
    CALLS_IMPORTED = "calls.imported"


def _data(report: ImportReport) -> dict[str, Any]:
    return {"file": report.file, "layout": report.layout, "rows": report.rows, "inserted": report.inserted,
            "updated": report.updated, "unchanged": report.unchanged, "rejected": len(report.rejected)}  # fmt: skip


def _shop(shops: set[str]) -> str | None:
    """The shop of the file when it holds one shop's rows (a multi-shop file names none)."""
    return next(iter(shops)) if len(shops) == 1 else None


def orders_imported(session: Session, *, report: ImportReport, shops: set[str]) -> None:
    """An order export (or 宝贝报表) was stored: its layout and counts; linked / unlinked buyer-less orders."""
    events.append(session, ImportEvent.ORDERS_IMPORTED, subject=f"file:{report.file}", shop_id=_shop(shops),
                  data=_data(report) | {"linked": report.linked, "unlinked": len(report.unlinked)})  # fmt: skip


def chats_imported(session: Session, *, report: ImportReport, shops: set[str]) -> None:
    """Chat records were stored: their format and counts."""
    events.append(session, ImportEvent.CHATS_IMPORTED, subject=f"file:{report.file}", shop_id=_shop(shops),
                  data=_data(report) | {"linked": report.linked})  # fmt: skip


def calls_imported(session: Session, *, report: ImportReport, shop_id: str) -> None:
    """Call records were stored for a shop: their counts."""
    events.append(session, ImportEvent.CALLS_IMPORTED, subject=f"file:{report.file}", shop_id=shop_id,
                  data=_data(report))  # fmt: skip
