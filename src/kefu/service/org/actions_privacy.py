"""PIPL use-cases: reveal one record (audited), erase a buyer, keep personal data only so long.

* :func:`reveal` — a supervisor (or admin) sees one conversation, ticket, order, logbook
  entry or handover note unmasked; a ``privacy.revealed`` event records who saw what.
* :func:`erase_buyer` — ``kefu privacy erase --buyer NICK [--shop S]``: the buyer's
  messages, orders (name, phone, address), tickets, surveys, logbooks, notifications and
  event data are anonymised; one ``privacy.erased`` event per shop (without the nickname).
* :func:`sweep_retention` — data older than the retention (days, per shop in
  ``Shop.settings["privacy"]["retention_days"]`` or global ``KEFU_RETENTION_DAYS``) is
  anonymised the same way; ``kefu privacy sweep`` and the duty worker (daily) run it.

Anonymised means: texts erased, phone/address emptied, the nickname replaced by a random
pseudonym (``匿名-3f9a1c2b``) that is the same in every table for that buyer *within one
run*, so a month's credit still joins messages to orders; nothing links it back to the
nickname (no hash of it, no key). What the rows keep: times, amounts, agents, statuses.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from kefu.config import get_settings
from kefu.domain import privacy
from kefu.domain.errors import ErrorCode, KefuError, bad_argument, not_found
from kefu.domain.timeutil import SHOP_TZ, local_midnight, utc_now
from kefu.service.org import events
from kefu.service.org.events import OrgEvent
from kefu.service.org.schemas import Revealed, RevealedText
from kefu.store.models.care import LogbookEntry, Survey, Ticket
from kefu.store.models.commerce import Order
from kefu.store.models.duty import OutboxMessage, Task
from kefu.store.models.live import Conversation, Event, Handover, Message
from kefu.store.models.org import Shop

ERASED = "[已删除 / erased]"
PSEUDONYM_PREFIX = "匿名-"
MAX_RETENTION_DAYS = 3650


# ----------------------------------------------------------------- reveal


def reveal(session: Session, subject: str, *, role: str, actor: str, now: datetime | None = None) -> Revealed:
    """One record's personal data unmasked, for a role that may reveal; the reveal is an event row."""
    if not privacy.may_reveal(role):
        raise KefuError(ErrorCode.FORBIDDEN, "只有主管和管理员可以查看完整信息",
                        "only supervisors and admins may reveal personal data", {"role": role})
    kind, _, key = subject.partition(":")
    texts, shop = _subject_texts(session, kind, key, subject)
    events.privacy_revealed(session, subject=subject, shop_id=shop, actor=actor, role=role, fields=len(texts),
                            ts=now or utc_now())
    return Revealed(subject=subject, texts=[RevealedText(field=f, text=t) for f, t in texts])


def _int_key(key: str, subject: str) -> int:
    if not key.isdigit() or not 0 < int(key) < 2**31:
        raise bad_argument("subject", f"无法识别 {subject}", f"unreadable subject {subject}")
    return int(key)


def _subject_texts(session: Session, kind: str, key: str, subject: str) -> tuple[list[tuple[str, str]], str | None]:
    if kind == "conversation":
        conv = session.get(Conversation, _int_key(key, subject))
        if conv is None:
            raise not_found("会话 / conversation", key)
        rows = session.scalars(select(Message).where(Message.conversation_id == conv.id).order_by(Message.ts, Message.id))
        return [(f"message:{m.id}", m.text) for m in rows], conv.shop_id
    if kind == "ticket":
        t = session.get(Ticket, _int_key(key, subject))
        if t is None:
            raise not_found("工单 / ticket", key)
        notes = [(f"note:{i}", str(n.get("text", ""))) for i, n in enumerate(t.notes or [])]
        return [("summary", t.summary), *notes], t.shop_id
    if kind == "order":
        o = session.get(Order, key)
        if o is None:
            raise not_found("订单 / order", key)
        return [("phone", o.phone), ("address", o.address), ("memo", o.memo)], o.shop_id
    if kind == "logbook":
        e = session.get(LogbookEntry, _int_key(key, subject))
        if e is None:
            raise not_found("记录 / logbook entry", key)
        return [("text", e.text)], e.shop_id
    if kind == "handover":
        h = session.get(Handover, _int_key(key, subject))
        if h is None:
            raise not_found("交接 / handover", key)
        return [("note", h.note)], h.shop_id
    raise bad_argument("subject", "应为 conversation:/ticket:/order:/logbook:/handover:<编号>",
                       "must be conversation:, ticket:, order:, logbook: or handover:<id>", value=subject[:80])


# ----------------------------------------------------------------- anonymising one buyer


@dataclass
class Anonymised:
    """Rows changed, per table (what ``kefu privacy erase`` and the sweep print)."""

    messages: int = 0
    conversations: int = 0
    orders: int = 0
    tickets: int = 0
    surveys: int = 0
    events: int = 0
    logbook: int = 0
    handovers: int = 0
    tasks: int = 0
    outbox: int = 0

    def add(self, other: Anonymised) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def new_pseudonym() -> str:
    return PSEUDONYM_PREFIX + secrets.token_hex(4)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _older(column: Any, before: datetime | None) -> list[ColumnElement[bool]]:
    return [] if before is None else [column < before]


def _anonymise_buyer(session: Session, shop: str, buyer: str, pseudonym: str, before: datetime | None) -> Anonymised:
    """Every row of (shop, buyer) — older than ``before`` when given — anonymised under ``pseudonym``."""
    out = Anonymised()
    convs = list(session.scalars(select(Conversation.id).where(
        Conversation.shop_id == shop, Conversation.buyer == buyer,
        *([] if before is None else [Conversation.opened_at < before, Conversation.status == "closed"]))))
    still_open: list[ColumnElement[bool]] = []
    if before is not None:  # the retention leaves a conversation that is still open alone until it closes
        open_ids = list(session.scalars(select(Conversation.id).where(
            Conversation.shop_id == shop, Conversation.buyer == buyer, Conversation.status != "closed")))
        still_open = [or_(Message.conversation_id.is_(None), Message.conversation_id.not_in(open_ids))] if open_ids else []
    out.messages = _rowcount(session.execute(update(Message).where(
        Message.shop_id == shop, Message.buyer == buyer, *_older(Message.ts, before), *still_open).values(
        buyer=pseudonym, text=ERASED)))
    if convs:
        out.conversations = _rowcount(session.execute(update(Conversation).where(Conversation.id.in_(convs)).values(
            buyer=pseudonym)))
    orders = list(session.scalars(select(Order).where(Order.shop_id == shop, Order.buyer == buyer,
                                                       *_older(Order.created_at, before))))
    for o in orders:
        o.buyer, o.phone, o.address, o.memo = pseudonym, "", "", privacy.mask_text(o.memo)
    out.orders = len(orders)
    tickets = list(session.scalars(select(Ticket).where(
        Ticket.shop_id == shop, Ticket.buyer == buyer,
        *([] if before is None else [Ticket.created_at < before, Ticket.status.in_(("resolved", "closed"))]))))
    for t in tickets:
        t.buyer, t.summary = pseudonym, ERASED
        t.notes = [{**n, "text": ERASED} for n in (t.notes or [])]
    out.tickets = len(tickets)
    survey_of = [Survey.conversation_id.in_(convs)] if convs else []
    survey_of += [Survey.ticket_id.in_([t.id for t in tickets])] if tickets else []
    if survey_of:
        out.surveys = _rowcount(session.execute(update(Survey).where(or_(*survey_of), Survey.comment != "").values(
            comment="")))
    out.events = _scrub_events(session, [f"conversation:{c}" for c in convs], buyer, pseudonym)
    order_ids = [o.id for o in orders]
    out.tasks = _mask_rows(session, Task, [Task.order_id.in_(order_ids)] if order_ids else None, ("note", "outcome"))
    out.outbox = _scrub_outbox(session, lambda payload: payload.get("order_id") in set(order_ids)) if order_ids else 0
    session.flush()
    return out


def _scrub_events(session: Session, subjects: list[str], buyer: str, pseudonym: str) -> int:
    changed = 0
    for i in range(0, len(subjects), 500):
        for e in session.scalars(select(Event).where(Event.subject.in_(subjects[i : i + 500]))):
            if (e.data or {}).get("buyer") == buyer:
                e.data = {**e.data, "buyer": pseudonym}
                changed += 1
    return changed


def _mask_rows(session: Session, model: Any, where: list[ColumnElement[bool]] | None, columns: Iterable[str],
               rename: dict[str, str] | None = None) -> int:
    """Free-text columns of the matching rows masked, nicknames replaced by their pseudonyms; rows changed."""
    if where is None:
        return 0
    nicks = re.compile("|".join(map(re.escape, sorted(rename, key=len, reverse=True)))) if rename else None
    changed = 0
    for row in session.scalars(select(model).where(*where)):
        dirty = False
        for col in columns:
            old = getattr(row, col) or ""
            named = nicks.sub(lambda m: (rename or {})[m.group(0)], old) if nicks else old
            new = privacy.mask_text(named)
            if new != old:
                setattr(row, col, new)
                dirty = True
        changed += dirty
    return changed


def _scrub_outbox(session: Session, wanted: Callable[[dict[str, Any]], bool], before: datetime | None = None) -> int:
    """Queued or sent notifications (the payloads ``wanted`` picks) keep no phone number and no unmasked text."""
    changed = 0
    for m in session.scalars(select(OutboxMessage).where(*_older(OutboxMessage.created_at, before))):
        payload = dict(m.payload or {})
        if not wanted(payload):
            continue
        new = {**payload, "phone": "", "text": privacy.mask_text(str(payload.get("text", "")))}
        if new != payload:
            m.payload = new
            changed += 1
    return changed


@dataclass(frozen=True)
class ErasureReport:
    buyer_shops: dict[str, str] = field(default_factory=dict)  # shop → pseudonym
    rows: dict[str, int] = field(default_factory=dict)


def erase_buyer(session: Session, buyer: str, *, shop: str | None = None, actor: str = "cli",
                now: datetime | None = None) -> ErasureReport:
    """Anonymise everything kefu holds about ``buyer`` (in ``shop``, or in every shop)."""
    if not buyer.strip() or buyer.startswith(PSEUDONYM_PREFIX):
        raise bad_argument("buyer", "买家昵称不能为空或已匿名", "buyer nickname is empty or already anonymised")
    now = now or utc_now()
    shops = sorted({s for model in (Message, Order, Conversation, Ticket)
                    for s in session.scalars(select(model.shop_id).where(model.buyer == buyer).distinct())
                    if shop is None or s == shop})  # fmt: skip
    if not shops:
        raise not_found("买家 / buyer", buyer if shop is None else f"{buyer}@{shop}")
    total = Anonymised()
    pseudonyms: dict[str, str] = {}
    for s in shops:
        pseudonyms[s] = p = new_pseudonym()
        done = _anonymise_buyer(session, s, buyer, p, before=None)
        done.logbook = _mask_rows(session, LogbookEntry, [LogbookEntry.shop_id == s, LogbookEntry.text.contains(buyer)],
                                  ("text",), {buyer: p})
        done.handovers = _mask_rows(session, Handover, [Handover.shop_id == s, Handover.note.contains(buyer)],
                                    ("note",), {buyer: p})
        total.add(done)
        events.privacy_erased(session, pseudonym=p, shop_id=s, actor=actor, rows=done.as_dict(), ts=now)
    session.flush()
    return ErasureReport(pseudonyms, total.as_dict())


# ----------------------------------------------------------------- retention


def set_retention(session: Session, shop_id: str, days: int | None, *, actor: str = "cli") -> int | None:
    """A shop's retention in days (None: follow the global ``KEFU_RETENTION_DAYS``)."""
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise not_found("店铺 / shop", shop_id)
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        raise bad_argument("days", f"应在 1 到 {MAX_RETENTION_DAYS} 之间", f"must be 1 to {MAX_RETENTION_DAYS}")
    current = dict((shop.settings or {}).get("privacy") or {})
    current.pop("retention_days", None)
    if days is not None:
        current["retention_days"] = days
    shop.settings = {**(shop.settings or {}), "privacy": current}
    events.retention_set(session, shop_id=shop_id, actor=actor, days=days, ts=utc_now())
    session.flush()
    return days


def retention_days(session: Session) -> tuple[dict[str, int | None], int | None]:
    """(per-shop retention where a shop sets one, the global one); None = keep forever."""
    per_shop: dict[str, int | None] = {}
    for shop_id, settings in session.execute(select(Shop.id, Shop.settings)):
        days = ((settings or {}).get("privacy") or {}).get("retention_days")
        if isinstance(days, int):
            per_shop[shop_id] = days
    days = get_settings().retention_days
    return per_shop, days or None


@dataclass(frozen=True)
class SweepReport:
    cutoffs: dict[str, str]  # shop ("*" = every other shop) → the instant before which data was anonymised
    buyers: int
    rows: dict[str, int]


def sweep_retention(session: Session, now: datetime | None = None, *, actor: str = "system") -> SweepReport:
    """Anonymise what is older than each shop's retention (cut at a shop-day boundary, so whole days go)."""
    now = now or utc_now()
    per_shop, default = retention_days(session)
    plans: list[tuple[str, list[str], datetime]] = []
    for shop_id, days in sorted(per_shop.items()):
        if days:
            plans.append((shop_id, [], _cutoff(now, days)))
    if default:
        plans.append(("*", list(per_shop), _cutoff(now, default)))
    total = Anonymised()
    buyers = 0
    cutoffs: dict[str, str] = {}
    for key, skip, cutoff in plans:
        cutoffs[key] = cutoff.isoformat()
        done, n = _sweep_scope(session, key, skip, cutoff)
        total.add(done)
        buyers += n
        events.retention_swept(session, scope=key, actor=actor, ts=now,
                               data={"before": cutoff.isoformat(), "buyers": n, **done.as_dict()})
    session.flush()
    return SweepReport(cutoffs, buyers, total.as_dict())


def sweep_if_due(session: Session, now: datetime | None = None) -> SweepReport | None:
    """The duty worker's daily pass: sweep once per shop day when a retention is set, else nothing."""
    now = now or utc_now()
    per_shop, default = retention_days(session)
    if not default and not any(per_shop.values()):
        return None
    day_began = local_midnight(now.astimezone(SHOP_TZ).date())
    last = session.scalar(select(func.max(Event.ts)).where(Event.kind == OrgEvent.RETENTION_SWEPT))
    if last is not None and last >= day_began:
        return None
    return sweep_retention(session, now)


def _cutoff(now: datetime, days: int) -> datetime:
    return local_midnight((now - timedelta(days=days)).astimezone(SHOP_TZ).date())


def _in_scope(column: Any, key: str, skip: list[str]) -> list[ColumnElement[bool]]:
    if key != "*":
        return [column == key]
    return [column.not_in(skip)] if skip else []


def _window(column: Any, since: datetime | None, cutoff: datetime) -> list[ColumnElement[bool]]:
    """Rows between the last sweep's cutoff and this one (older ones were done then)."""
    return [column < cutoff, *([column >= since] if since is not None else [])]


def _last_cutoff(session: Session, key: str) -> datetime | None:
    last = session.scalar(select(Event).where(Event.kind == OrgEvent.RETENTION_SWEPT, Event.subject == f"shop:{key}")
                          .order_by(Event.id.desc()).limit(1))
    return datetime.fromisoformat(last.data["before"]) if last is not None and "before" in (last.data or {}) else None


def _sweep_scope(session: Session, key: str, skip: list[str], cutoff: datetime) -> tuple[Anonymised, int]:
    since = _last_cutoff(session, key)
    if since is not None and since >= cutoff:
        return Anonymised(), 0
    pairs: set[tuple[str, str]] = set()
    for model, ts in ((Message, Message.ts), (Order, Order.created_at), (Ticket, Ticket.created_at)):
        pairs.update((s, b) for s, b in session.execute(select(model.shop_id, model.buyer).where(
            *_window(ts, since, cutoff), ~model.buyer.startswith(PSEUDONYM_PREFIX),
            *_in_scope(model.shop_id, key, skip)).distinct()))
    total = Anonymised()
    renamed: dict[str, dict[str, str]] = {}
    for shop, buyer in sorted(pairs):
        renamed.setdefault(shop, {})[buyer] = pseudonym = new_pseudonym()
        total.add(_anonymise_buyer(session, shop, buyer, pseudonym, before=cutoff))
    first = since.astimezone(SHOP_TZ).date() if since is not None else None
    day = cutoff.astimezone(SHOP_TZ).date()
    for shop in sorted({s for s, in session.execute(select(LogbookEntry.shop_id).distinct())} | set(renamed)):
        if _in_scope_shop(shop, key, skip):
            days = [LogbookEntry.day < day, *([LogbookEntry.day >= first] if first else [])]
            total.logbook += _mask_rows(session, LogbookEntry, [LogbookEntry.shop_id == shop, *days], ("text",),
                                        renamed.get(shop))
            total.handovers += _mask_rows(session, Handover, [Handover.shop_id == shop,
                                                              *_window(Handover.at, since, cutoff)],
                                          ("note",), renamed.get(shop))
    total.surveys += _rowcount(session.execute(update(Survey).where(and_(
        *_window(Survey.sent_at, since, cutoff), Survey.comment != "", *_in_scope(Survey.shop_id, key, skip)))
        .values(comment="")))
    total.tasks += _mask_rows(session, Task, [*_window(Task.created_at, since, cutoff),
                                              *_in_scope(Task.shop_id, key, skip)], ("note", "outcome"))
    total.outbox += _scrub_outbox(session, lambda p: _in_scope_shop(str(p.get("shop_id", "")), key, skip),
                                  before=cutoff)
    return total, len(pairs)


def _in_scope_shop(shop: str, key: str, skip: list[str]) -> bool:
    return shop == key if key != "*" else shop not in skip
