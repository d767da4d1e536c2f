"""Buyer journeys as numpy arrays: conversations, messages and orders of a block of buyers.

Everything is vectorised so that the same code builds a demo month (thousands
of rows) and a benchmark month (20 M messages, in chunks). Times are UTC epoch
seconds (int64). A block knows nothing of agents: the caller assigns an agent
to each conversation (by shift and skill), because the demo and the export
staff their floors differently.

Ordering of causes inside a journey (what credit attribution must untangle):
chat → order → pay; silent order → pay; order → chat → pay; (chat →) order,
never pay; chat only. Paid buyers sometimes come back for a 售后 chat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kefu.sim.arrivals import local_minute_of_day, sample_times
from kefu.sim.config import (
    CHAT_NEVER_PAY,
    CHAT_ONLY,
    CHAT_ORDER,
    CHATTING,
    CLOSED,
    ORDER_CHAT_PAY,
    PAID,
    PAYING,
    SHIPPED,
    STATUSES,
    SUCCESS,
    WAIT_PAY,
    SimConfig,
)

DAY = 86400
SINGLE_LINE_SHARE = 0.03  # buyer writes one line and leaves before any reply


@dataclass
class Block:
    """One block of buyers. Index arrays point into the block's own buyer/conversation arrays."""

    journey: np.ndarray  # per buyer, journey code
    conv_buyer: np.ndarray  # per conversation
    conv_start: np.ndarray
    conv_end: np.ndarray
    conv_aftersale: np.ndarray  # bool: a 售后 chat after payment
    msg_conv: np.ndarray  # per message, grouped by conversation, time-ordered inside one
    msg_ts: np.ndarray
    msg_out: np.ndarray  # bool: agent → buyer
    msg_auto: np.ndarray  # bool: auto-reply
    order_buyer: np.ndarray  # per order (one per ordering buyer)
    order_created: np.ndarray
    order_paid: np.ndarray  # -1 when unpaid as of the window end
    order_pay_delay: np.ndarray  # seconds from creation to payment as drawn (-1 never pays)
    order_conv: np.ndarray  # the buyer's pre-sale conversation, -1 for a silent order
    order_amount: np.ndarray  # fen
    order_status: np.ndarray  # index into STATUSES
    order_refund: np.ndarray  # fen
    order_refund_at: np.ndarray  # -1 if none
    order_returned_at: np.ndarray  # -1 if none (goods received back)
    order_review: np.ndarray  # -1 none, 0 good, 1 neutral, 2 bad
    order_review_at: np.ndarray

    def status_names(self) -> np.ndarray:
        return np.asarray(np.asarray(STATUSES, dtype=object)[self.order_status])


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return np.asarray(rng.lognormal(np.log(median), sigma, n), dtype=float)


def natural_lengths(rng: np.random.Generator, n: int, mean: float) -> np.ndarray:
    """Messages per conversation: mostly 2+ (geometric tail), a few single unanswered lines."""
    lengths = 1 + rng.geometric(1.0 / max(mean - 1.0, 1.0001), n)
    lengths[rng.random(n) < SINGLE_LINE_SHARE] = 1
    return lengths.astype(np.int64)


def fit_lengths(rng: np.random.Generator, lengths: np.ndarray, total: int) -> np.ndarray:
    """Adjust lengths by random units so they sum to exactly ``total`` (≥ 1 each)."""
    lengths = lengths.copy()
    n = len(lengths)
    if n == 0:
        if total:
            raise ValueError("messages requested but no conversations")
        return lengths
    if total < n:
        raise ValueError(f"{total} messages cannot fill {n} conversations")
    diff = total - int(lengths.sum())
    if diff > 0:
        lengths += rng.multinomial(diff, np.full(n, 1.0 / n))
    for floor in (2, 1):
        if diff >= 0:
            break
        cap = np.clip(lengths - floor, 0, None)
        take = min(-diff, int(cap.sum()))
        if take:
            units = np.repeat(np.arange(n), cap)
            pick = units[rng.choice(len(units), take, replace=False)]
            lengths -= np.bincount(pick, minlength=n)
            diff += take
    return lengths


def generate_messages(
    rng: np.random.Generator, cfg: SimConfig, starts: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Messages of conversations: (conv, ts, out, auto, conv_end).

    The buyer writes first; the first reply is an auto-reply in a share of
    conversations (always outside 09:00–22:30); later lines alternate at
    random with reply delays (agent), answer delays (buyer) and short gaps
    between two lines from the same side.
    """
    n = len(starts)
    total = int(lengths.sum())
    conv = np.repeat(np.arange(n), lengths)
    offsets = np.cumsum(lengths) - lengths
    pos = np.arange(total) - np.repeat(offsets, lengths)
    minute = local_minute_of_day(starts)
    off = (minute < 9 * 60) | (minute >= 22 * 60 + 30)
    out = rng.random(total) < 0.5
    out[pos == 0] = False
    out[pos == 1] = True
    auto_conv = (rng.random(n) < cfg.auto_reply_share) | off
    auto = (pos == 1) & auto_conv[conv]
    # an auto-reply is followed by a person: make sure one human reply exists when there is room
    human = np.bincount(conv, weights=(out & ~auto), minlength=n)
    fix = (human == 0) & (lengths >= 3)
    out[(offsets + lengths - 1)[fix]] = True
    prev_out = np.zeros(total, dtype=bool)
    prev_out[1:] = out[:-1]
    prev_auto = np.zeros(total, dtype=bool)
    prev_auto[1:] = auto[:-1]
    reply = out & ~auto & (~prev_out | prev_auto)
    answer = ~out & prev_out
    reply_median = np.where(off[conv], cfg.offhours_reply_median_s, cfg.reply_median_s)
    gap = np.where(
        reply,
        rng.lognormal(np.log(reply_median), cfg.reply_sigma),
        np.where(
            answer,
            _lognormal(rng, cfg.buyer_gap_median_s, cfg.buyer_gap_sigma, total),
            _lognormal(rng, cfg.same_side_gap_median_s, 0.7, total),
        ),
    )
    gap = np.maximum(np.rint(gap), 1).astype(np.int64)
    gap[auto] = 1 + rng.integers(0, 3, int(auto.sum()))
    gap[pos == 0] = 0
    cs = np.cumsum(gap)
    ts = starts[conv] + cs - cs[offsets][conv]
    # before 09:00 nobody is at work: the first human reply waits for 白班 (留言 answered at shift start)
    early = minute < 9 * 60
    human_reply = np.flatnonzero(out & ~auto & early[conv])
    if len(human_reply):
        convs, first = np.unique(conv[human_reply], return_index=True)
        idx = human_reply[first]
        nine = starts[convs] - (starts[convs] + 8 * 3600) % 86400 + 9 * 3600
        wait = nine + rng.integers(10, 900, len(idx)) - ts[idx]
        gap[idx] += np.maximum(wait, 0)
        cs = np.cumsum(gap)
        ts = starts[conv] + cs - cs[offsets][conv]
    ends = ts[offsets + lengths - 1] if n else np.empty(0, dtype=np.int64)
    return conv, ts, out, auto, ends


def simulate_block(
    rng: np.random.Generator,
    cfg: SimConfig,
    rates: np.ndarray,
    start_epoch: int,
    journey: np.ndarray,
    *,
    n_messages: int | None = None,
    aftersale_share: float | None = None,
    drop_after_end: bool = False,
    as_of: int | None = None,
) -> Block:
    """Simulate the buyers of ``journey`` (codes) arriving with the minute ``rates``.

    With ``n_messages`` the conversation lengths are fitted to that exact total
    (benchmark export); otherwise they are natural and 售后 chats that would
    start after the window are dropped when ``drop_after_end`` (demo).
    Statuses are as seen at ``as_of`` (default: the window end).
    """
    end_epoch = start_epoch + 60 * len(rates) if as_of is None else as_of
    nb = len(journey)
    anchor = sample_times(rng, nb, rates, start_epoch)
    chats = np.isin(journey, CHATTING)
    paying = np.isin(journey, PAYING)
    share = cfg.aftersale_chat_share if aftersale_share is None else aftersale_share
    aftersale_buyers = np.flatnonzero(paying & (rng.random(nb) < share))
    primary_buyers = np.flatnonzero(chats)
    n_primary, n_after = len(primary_buyers), len(aftersale_buyers)
    lengths = natural_lengths(rng, n_primary + n_after, cfg.mean_messages)
    if n_messages is not None:
        lengths = fit_lengths(rng, lengths, n_messages)

    # pass 1: pre-sale conversations
    p_start = anchor[primary_buyers].copy()
    ocp = journey[primary_buyers] == ORDER_CHAT_PAY
    p_start[ocp] += np.rint(_lognormal(rng, cfg.chat_after_order_median_s, 0.8, int(ocp.sum()))).astype(
        np.int64
    )
    conv1, ts1, out1, auto1, end1 = generate_messages(rng, cfg, p_start, lengths[:n_primary])
    conv_of_buyer = np.full(nb, -1, dtype=np.int64)
    conv_of_buyer[primary_buyers] = np.arange(n_primary)

    # orders
    order_buyer = np.flatnonzero(journey != CHAT_ONLY)
    no = len(order_buyer)
    oj = journey[order_buyer]
    oconv = conv_of_buyer[order_buyer]
    created = anchor[order_buyer].copy()
    c_start = _at(p_start, oconv)
    c_end = _at(end1, oconv)
    after_chat = c_end + np.rint(_lognormal(rng, cfg.order_after_chat_median_s, 1.0, no)).astype(np.int64)
    in_chat = c_start + np.rint(rng.random(no) * (c_end - c_start)).astype(np.int64)
    co = oj == CHAT_ORDER
    later = c_end + rng.integers(4 * 3600, 30 * 3600, no)  # comes back the next day (credit window)
    after_chat = np.where(rng.random(no) < cfg.next_day_order_share, later, after_chat)
    created = np.where(co, np.where(rng.random(no) < cfg.order_in_chat_share, in_chat, after_chat), created)
    created = np.where(oj == CHAT_NEVER_PAY, after_chat, created)
    pay_delay = np.rint(_lognormal(rng, cfg.pay_delay_median_min, cfg.pay_delay_sigma, no) * 60).astype(
        np.int64
    )
    pay_delay = np.maximum(pay_delay, 1)
    paid = created + pay_delay
    ocp_o = oj == ORDER_CHAT_PAY
    paid[ocp_o] = (c_end + np.rint(_lognormal(rng, cfg.pay_after_chat_median_s, 1.0, no)).astype(np.int64))[
        ocp_o
    ]
    pays = np.isin(oj, PAYING)
    pay_delay = np.where(pays, paid - created, -1)
    paid_true = np.where(pays, paid, -1)

    # pass 2: 售后 chats after payment
    paid_of_buyer = np.full(nb, -1, dtype=np.int64)
    paid_of_buyer[order_buyer] = paid_true
    a_start = paid_of_buyer[aftersale_buyers] + rng.integers(3600, 5 * DAY, n_after)
    a_len = lengths[n_primary:]
    if drop_after_end:
        keep = a_start < end_epoch
        aftersale_buyers, a_start, a_len = aftersale_buyers[keep], a_start[keep], a_len[keep]
    conv2, ts2, out2, auto2, end2 = generate_messages(rng, cfg, a_start, a_len)

    block_orders = _order_outcomes(rng, cfg, end_epoch, created, paid_true)
    return Block(
        journey=journey,
        conv_buyer=np.concatenate([primary_buyers, aftersale_buyers]),
        conv_start=np.concatenate([p_start, a_start]),
        conv_end=np.concatenate([end1, end2]),
        conv_aftersale=np.concatenate([np.zeros(n_primary, bool), np.ones(len(a_start), bool)]),
        msg_conv=np.concatenate([conv1, conv2 + n_primary]),
        msg_ts=np.concatenate([ts1, ts2]),
        msg_out=np.concatenate([out1, out2]),
        msg_auto=np.concatenate([auto1, auto2]),
        order_buyer=order_buyer,
        order_created=created,
        order_pay_delay=pay_delay,
        order_conv=oconv,
        **block_orders,
    )


def _at(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]`` with 0 where index is -1 (also when ``values`` is empty)."""
    if len(values) == 0:
        return np.zeros(len(index), dtype=np.int64)
    return np.where(index >= 0, values[np.maximum(index, 0)], 0)


def _order_outcomes(
    rng: np.random.Generator, cfg: SimConfig, as_of: int, created: np.ndarray, paid_true: np.ndarray
) -> dict[str, np.ndarray]:
    """Amount, status, refund, return and review of each order, as seen at ``as_of``."""
    n = len(created)
    amount = np.maximum(np.rint(_lognormal(rng, cfg.amount_median_fen, cfg.amount_sigma, n) / 10) * 10, 100)
    amount = amount.astype(np.int64)
    paid = np.where((paid_true >= 0) & (paid_true < as_of), paid_true, -1)
    is_paid = paid >= 0
    refund_at = np.where(is_paid, paid + rng.integers(DAY, 7 * DAY, n), -1)
    refunded = is_paid & (rng.random(n) < cfg.refund_share) & (refund_at < as_of)
    refund_at = np.where(refunded, refund_at, -1)
    full = rng.random(n) < cfg.full_refund_share
    partial = np.rint(amount * rng.uniform(0.2, 0.5, n) / 10).astype(np.int64) * 10
    refund = np.where(refunded, np.where(full, amount, partial), 0)
    returned_at = refund_at + rng.integers(2 * DAY, 6 * DAY, n)
    returned = refunded & (rng.random(n) < cfg.return_share) & (returned_at < as_of)
    returned_at = np.where(returned, returned_at, -1)

    age = as_of - np.where(is_paid, paid, created)
    status = np.full(n, STATUSES.index(SUCCESS), dtype=np.int8)
    status[is_paid & (age < cfg.confirm_after_days * DAY)] = STATUSES.index(SHIPPED)
    status[is_paid & (age < cfg.ship_after_h * 3600)] = STATUSES.index(PAID)
    status[~is_paid] = STATUSES.index(CLOSED)
    status[~is_paid & (age < cfg.close_unpaid_after_h * 3600)] = STATUSES.index(WAIT_PAY)
    status[refunded & full] = STATUSES.index(CLOSED)

    review_at = np.where(is_paid, paid + int(cfg.confirm_after_days * DAY) + rng.integers(0, 2 * DAY, n), -1)
    reviewed = (status == STATUSES.index(SUCCESS)) & (rng.random(n) < cfg.review_share) & (review_at < as_of)
    kind = rng.choice(3, n, p=np.asarray(cfg.review_shares) / sum(cfg.review_shares))
    return {
        "order_paid": paid,
        "order_amount": amount,
        "order_status": status,
        "order_refund": refund.astype(np.int64),
        "order_refund_at": refund_at,
        "order_returned_at": returned_at,
        "order_review": np.where(reviewed, kind, -1).astype(np.int8),
        "order_review_at": np.where(reviewed, review_at, -1),
    }
