"""Imports use-cases: order exports (any platform), 宝贝报表 item rows, chat logs, call records, shop aliases.

Each import is one savepoint in the caller's transaction: a file with bad rows is
refused whole (every bad row listed, nothing stored) unless ``skip_bad_rows``, and a
run that stores nothing at all is refused too, so "exit 0" always means "stored".
Re-importing the same file changes nothing. Batches are staged and written as they
are read, so memory stays bounded by a batch, not by the file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from kefu.domain.errors import ROW_ERRORS_SHOWN, ErrorCode, KefuError, RowError, bad_rows
from kefu.domain.timeutil import SHOP_TZ
from kefu.io.calls import read_calls
from kefu.io.chats import read_chats
from kefu.io.orders import read_orders
from kefu.service.credit.actions import rules_from_options
from kefu.service.credit.store import shop_rules
from kefu.service.imports import events, store
from kefu.service.imports.bulk import SPILL_BYTES, ahead, all_or_nothing
from kefu.service.imports.credit_run import credit_shop_range
from kefu.service.imports.indexes import DeferredIndexes
from kefu.service.imports.reconcile import ReconcileOut, reconcile
from kefu.service.imports.schemas import (
    ImportOut,
    ImportReport,
    Progress,
    RowErrorOut,
    ShopCreditIn,
    ShopCreditOut,
    UploadIn,
)


def tick(progress: Progress | None, done: int, part: float) -> None:
    """Rows done, and the rows the whole file will hold at this rate (0 while unknown), for a progress bar."""
    if progress:
        progress(done, estimate(done, part))


def estimate(done: int, part: float) -> int:
    """The rows the whole file will hold if ``done`` rows are its ``part`` (0 while unknown)."""
    return round(done / part) if part > 0 else 0


def finish(session: Session, report: ImportReport, errors: list[RowError], skip_bad_rows: bool) -> None:
    """Refuse a file with bad rows (unless skipping) or with nothing to store; else keep the rejects."""
    errors.sort(key=lambda e: e.row)
    if errors and not skip_bad_rows:
        raise bad_rows(report.file, errors)
    report.rejected = errors
    if report.rows == 0:
        raise KefuError(
            ErrorCode.IMPORT_BAD_ROW,
            f"文件 {report.file} 没有可导入的行 (拒绝 {len(errors)} 行)",
            f"file {report.file} has no row to import ({len(errors)} rejected)",
            {"file": report.file},
            errors,
        )


def import_orders(session: Session, path: Path, skip_bad_rows: bool = False, progress: Progress | None = None,
                  shop: str = "", platform: str = "auto") -> ImportReport:  # fmt: skip
    """An order export of any known layout → ``orders`` (upsert by 订单编号) and ``order_items``."""
    with all_or_nothing(session):
        return _import_orders(session, Path(path), skip_bad_rows, progress, shop, platform)


def _import_orders(session: Session, path: Path, skip_bad_rows: bool, progress: Progress | None, shop: str,
                   platform: str) -> ImportReport:  # fmt: skip
    src = read_orders(path, platform, shop, SHOP_TZ)
    layout = src.layout
    report = ImportReport(src.name, layout=layout.name)
    aliases = store.shop_alias_map(session)
    errors: list[RowError] = []
    shops: set[str] = set()
    has_buyer = src.has_buyer
    buyerless: list[str] = []
    for batch in ahead(src.batches):
        if batch.orders is not None and len(batch.orders):
            orders = _shop_ids(batch.orders, aliases)
            shops.update(orders.column("shop_id").unique().to_pylist())
            if not has_buyer:
                buyerless.extend(orders.column("order_id").to_pylist())
            orders = orders.append_column("platform", pa.array([layout.platform] * len(orders), pa.string()))
            report.add(store.upsert_orders(session, orders.drop_columns(["row"]).rename_columns({"order_id": "id"})))
            report.rows += len(orders)
        if batch.items is not None and len(batch.items):
            report.rows += _store_items(session, batch.items, layout.label("order_id"), src.name, errors,
                                        count=batch.orders is None, report=report)  # fmt: skip
        tick(progress, src.rows, src.share())
    errors.extend(src.errors)
    finish(session, report, errors, skip_bad_rows)
    if buyerless:
        report.linked, report.unlinked = store.link_orders(session, shops, buyerless)
    events.orders_imported(session, report=report, shops=shops)
    session.flush()
    return report


def _shop_ids(orders: pa.Table, aliases: dict[str, str]) -> pa.Table:
    """The file's shop names (店铺名称 / 店铺ID / --shop) → shop ids through the alias list; unknown names kept."""
    raw = orders.column("shop")
    keys = pa.array(list(aliases), pa.string())
    mapped = pc.take(pa.array(list(aliases.values()), pa.string()), pc.index_in(raw, value_set=keys))
    ids = pc.coalesce(mapped, raw)
    return orders.drop_columns(["shop"]).append_column("shop_id", ids)


def _store_items(session: Session, items: pa.Table, label: str, file: str, errors: list[RowError], count: bool,
                 report: ImportReport) -> int:  # fmt: skip
    """Item rows attached to their orders; rows whose order is unknown are bad rows. Returns good rows."""
    items = items.rename_columns({"row": "row_no"}) if "row" in items.column_names else items
    if "row_no" not in items.column_names:
        items = items.append_column("row_no", pa.array(range(len(items)), pa.int64()))
    orphans = store.missing_orders(session, items)
    errors.extend(RowError(r, label, "订单不存在 (请先导入订单报表)", "no such order (import the order export first)",
                           file) for r in orphans)  # fmt: skip
    if orphans:
        items = items.filter(pc.invert(pc.is_in(items.column("row_no"), pa.array(orphans, pa.int64()))))
    counts = store.upsert_items(session, items)
    if count:
        report.add(counts)
    return len(items) if count else 0


def import_chats(session: Session, path: Path, skip_bad_rows: bool = False, progress: Progress | None = None,
                 shop: str = "", fmt: str = "auto", day: date | None = None) -> ImportReport:  # fmt: skip
    """Chat records of any supported format → ``messages``; unknown agents are bad rows (once agents exist)."""
    with all_or_nothing(session, spill=_size(Path(path)) >= SPILL_BYTES):
        return _import_chats(session, Path(path), skip_bad_rows, progress, shop, fmt, day)


def _import_chats(session: Session, path: Path, skip_bad_rows: bool, progress: Progress | None, shop: str,
                  fmt: str, day: date | None) -> ImportReport:  # fmt: skip
    kind, out, batches = read_chats(path, fmt, shop, day, SHOP_TZ)
    report = ImportReport(path.name, layout=kind)
    aliases = store.shop_alias_map(session)
    agents = store.agent_directory(session)
    errors: list[RowError] = []
    shops: set[str] = set()
    deferred = DeferredIndexes(session, "messages", keep=("ix_messages_ts",))  # the dedup probe's index
    staged = store.StagedMessages()
    for batch in ahead(batches):
        table = batch.table
        if not len(table):
            continue
        read, part = out.seen  # taken together by the reader's thread, which runs ahead of this one
        big = deferred.consider(max(read, estimate(read, part)))
        table = _shop_ids(table, aliases)
        table, unknown = _agent_ids(table, agents)
        errors.extend(RowError(r, "agent", f"未知客服 '{a}'", f"unknown agent '{a}'", path.name) for r, a in unknown)
        shops.update(table.column("shop_id").unique().to_pylist())
        messages = table.append_column("bot", pa.array([False] * len(table), pa.bool_()))
        if big:  # a big file: gathered, then written in time order by one statement at the end
            store.stage_messages(session, staged, messages)
        else:
            report.add(store.insert_messages(session, messages))
        report.rows += len(table)
        tick(progress, read, part)
    errors.extend(out.errors)
    finish(session, report, errors, skip_bad_rows)
    report.add(store.insert_staged_messages(session, staged))
    deferred.rebuild()
    report.linked, report.unlinked = store.link_orders(session, shops)
    events.chats_imported(session, report=report, shops=shops)
    session.flush()
    return report


def _size(path: Path) -> int:
    """The file's bytes (0 when unreadable: the reader then says why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _agent_ids(table: pa.Table, directory: store.AgentDirectory) -> tuple[pa.Table, list[tuple[int, str]]]:
    """Sub-account names → agent ids (by id, else by a name unique in the shop); unknown ones set aside."""
    if directory.empty:
        return table.rename_columns({"agent": "agent_id"}), []
    pairs = table.select(["shop_id", "agent"]).group_by(["shop_id", "agent"]).aggregate([])
    resolved = [directory.resolve(s, a) for s, a in zip(pairs.column("shop_id").to_pylist(),
                                                           pairs.column("agent").to_pylist(), strict=True)]  # fmt: skip
    joined = table.join(pairs.append_column("agent_id", pa.array(resolved, pa.string())), ["shop_id", "agent"])
    bad = joined.filter(pc.is_null(joined.column("agent_id")))
    unknown = sorted(zip(bad.column("row").to_pylist(), bad.column("agent").to_pylist(), strict=True))
    return joined.filter(pc.is_valid(joined.column("agent_id"))).drop_columns(["agent"]), unknown


def import_upload(session: Session, path: Path, upload: UploadIn, progress: Progress | None = None) -> ImportReport:
    """A file uploaded through the API or the imports page, by its kind and options."""
    if upload.kind == "orders":
        return import_orders(session, path, upload.skip_bad_rows, progress, upload.shop, upload.platform)
    if upload.kind == "chats":
        return import_chats(session, path, upload.skip_bad_rows, progress, upload.shop, upload.fmt, upload.day)
    return import_calls(session, path, upload.skip_bad_rows, progress, upload.shop)


def import_file(session: Session, path: Path, upload: UploadIn) -> ImportOut:
    """An uploaded file (API) into the database: the counts, the first rejected rows and their total."""
    report = import_upload(session, path, upload)
    return ImportOut(file=report.file, layout=report.layout, rows=report.rows, inserted=report.inserted,
                     updated=report.updated, unchanged=report.unchanged,
                     rejected=[RowErrorOut(**r.as_dict()) for r in report.rejected[:ROW_ERRORS_SHOWN]],
                     rejected_total=len(report.rejected), linked=report.linked, unlinked=report.unlinked)  # fmt: skip


def shop_aliases(session: Session, shop_id: str) -> list[str]:
    """The names a shop goes by in exports besides its id and name."""
    _known_shop(session, shop_id)
    return store.aliases_of(session, shop_id)


def set_shop_aliases(session: Session, shop_id: str, aliases: list[str]) -> list[str]:
    """Replace a shop's alias list; blanks dropped, repeats merged, an alias taken from any other shop."""
    _known_shop(session, shop_id)
    clean = sorted({a.strip() for a in aliases if a.strip()})
    store.replace_aliases(session, shop_id, clean)
    return store.aliases_of(session, shop_id)


def _known_shop(session: Session, shop_id: str) -> None:
    if not store.shop_exists(session, shop_id):
        raise KefuError(ErrorCode.NOT_FOUND, f"未知店铺 '{shop_id}'", f"unknown shop '{shop_id}'", {"shop": shop_id})


@dataclass(frozen=True)
class PhoneFigures:
    """One agent's (or the shop's, agent '') phone figures over a period."""

    agent: str
    offered: int  # inbound calls that reached this agent (or the shop)
    answered: int
    outbound: int
    talk_s: int

    @property
    def answer_rate(self) -> float | None:
        return round(self.answered / self.offered, 4) if self.offered else None

    @property
    def avg_talk_s(self) -> float | None:
        handled = self.answered + self.outbound
        return round(self.talk_s / handled, 1) if handled else None


def import_calls(session: Session, path: Path, skip_bad_rows: bool = False, progress: Progress | None = None,
                 shop: str = "") -> ImportReport:  # fmt: skip
    """Call detail records → ``call_records`` (upsert by shop, caller, callee, start)."""
    if not shop:
        raise KefuError(ErrorCode.BAD_ARGUMENT, "请用 --shop 指定通话记录所属店铺", "name the calls' shop with --shop",
                        {"argument": "--shop"})  # fmt: skip
    with all_or_nothing(session):
        src = read_calls(Path(path), shop, SHOP_TZ)
        report = ImportReport(src.name, layout="cdr")
        tally = [0, 0, 0]  # inbound, answered inbound, talk seconds
        for batch in src.batches:
            report.add(store.upsert_calls(session, batch))
            report.rows += len(batch)
            inbound = pc.equal(batch.column("direction"), "in")
            answered = pc.or_(pc.is_valid(batch.column("answered_at")), pc.greater(batch.column("talk_s"), 0))
            tally[0] += pc.sum(inbound).as_py() or 0
            tally[1] += pc.sum(pc.and_(inbound, answered)).as_py() or 0
            tally[2] += pc.sum(batch.column("talk_s")).as_py() or 0
            if progress:
                progress(report.rows, report.rows)
        finish(session, report, list(src.errors), skip_bad_rows)
        rate = f"{tally[1] / tally[0]:.1%}" if tally[0] else "-"
        report.extra.append(f"呼入 {tally[0]}, 接通 {tally[1]} (接通率 {rate}), 通话 {tally[2]} 秒 / inbound {tally[0]}, "
                            f"answered {tally[1]} (answer rate {rate}), talk {tally[2]} s")  # fmt: skip
        events.calls_imported(session, report=report, shop_id=shop)
        session.flush()
        return report


def phone_figures(session: Session, start: datetime, end: datetime, shop_id: str | None = None) -> list[PhoneFigures]:
    """Per agent, then the shop as a whole (agent ''): calls offered, answered, outbound, talk time."""
    per: dict[str, list[int]] = {}
    for agent, direction, _, answered_at, talk_s in store.calls_between(session, start, end, shop_id):
        answered = answered_at is not None or talk_s > 0
        for key in ({agent, ""} if agent else {""}):
            f = per.setdefault(key, [0, 0, 0, 0])
            if direction == "in":
                f[0] += 1
                f[1] += answered
            else:
                f[2] += 1
            f[3] += talk_s
    return [PhoneFigures(a, *per[a]) for a in sorted(per, key=lambda a: (a == "", a))]


def inbound_call_times(session: Session, shop_id: str, start: datetime, end: datetime) -> list[datetime]:
    """Start times of the inbound calls in [start, end): the phone channel's arrivals history."""
    return [s for _, d, s, _, _ in store.calls_between(session, start, end, shop_id) if d == "in"]


def credit_imported(session: Session, run: ShopCreditIn) -> ShopCreditOut:
    """Credit a shop's imported orders and chats into the contract's files: the shop's rules, options given win."""
    given = rules_from_options(run.rule or "order_first", 48 if run.window_hours is None else run.window_hours,
                               10 if run.session_gap_min is None else run.session_gap_min)  # fmt: skip
    rules = shop_rules(session, run.shop)
    if run.rule is not None:
        rules = replace(rules, rule=given.rule)
    if run.window_hours is not None:
        rules = replace(rules, credit_window_s=given.credit_window_s)
    if run.session_gap_min is not None:
        rules = replace(rules, session_gap_s=given.session_gap_s)
    return credit_shop_range(session, run.shop, run.first, run.last, run.out, rules)


def reconcile_month(session: Session, shop_id: str, month: str, sheet: Path, out: Path) -> ReconcileOut:
    """Our figures for a shop's month beside the platform's 客服数据汇总-日数据 sheet → ``out/reconcile.csv``."""
    _known_shop(session, shop_id)
    return reconcile(session, shop_id, month, Path(sheet), Path(out))
