"""Buyer journeys match their configured statistics and causal order."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy import stats

from kefu.sim.arrivals import local_minute_of_day, minute_rates, window_epochs
from kefu.sim.config import (
    CHAT_NEVER_PAY,
    CHAT_ONLY,
    CHAT_ORDER,
    CLOSED,
    NEVER_PAY,
    ORDER_CHAT_PAY,
    SILENT,
    STATUSES,
    WAIT_PAY,
    SimConfig,
)
from kefu.sim.journeys import Block, fit_lengths, simulate_block

CFG = SimConfig()
START = date(2026, 3, 2)
DAYS = 28


def _block(seed: int = 1, n: int = 40_000, **kw: object) -> Block:
    rng = np.random.default_rng(seed)
    shares = np.asarray(CFG.journey_shares) / sum(CFG.journey_shares)
    journey = rng.choice(len(shares), n, p=shares).astype(np.int8)
    first, _ = window_epochs(START, DAYS)
    return simulate_block(rng, CFG, minute_rates(START, DAYS, CFG), first, journey, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def block() -> Block:
    return _block()


def _within(observed: float, p: float, n: int, sigmas: float = 4.0) -> bool:
    return abs(observed - p) <= sigmas * np.sqrt(p * (1 - p) / n)


def test_silent_order_share(block: Block) -> None:
    n = len(block.order_buyer)
    silent = float((block.order_conv < 0).mean())
    assert _within(silent, CFG.silent_order_share(), n)
    # exactly the silent journeys have no conversation before ordering
    kinds = block.journey[block.order_buyer]
    assert ((block.order_conv < 0) == np.isin(kinds, (SILENT, NEVER_PAY))).all()


def test_payment_delay_is_the_configured_lognormal(block: Block) -> None:
    kinds = block.journey[block.order_buyer]
    direct = np.isin(kinds, (CHAT_ORDER, SILENT))
    minutes = block.order_pay_delay[direct] / 60.0
    dist = stats.lognorm(s=CFG.pay_delay_sigma, scale=CFG.pay_delay_median_min)
    assert stats.kstest(minutes, dist.cdf).pvalue > 1e-3
    assert np.median(minutes) == pytest.approx(CFG.pay_delay_median_min, rel=0.06)
    assert np.quantile(minutes, 0.9) == pytest.approx(dist.ppf(0.9), rel=0.08)
    # never-paying buyers never pay
    assert (block.order_pay_delay[np.isin(kinds, (NEVER_PAY, CHAT_NEVER_PAY))] == -1).all()
    assert (block.order_paid[np.isin(kinds, (NEVER_PAY, CHAT_NEVER_PAY))] == -1).all()


def test_causal_order_of_each_journey(block: Block) -> None:
    kinds = block.journey[block.order_buyer]
    conv = block.order_conv
    start, end = block.conv_start[np.maximum(conv, 0)], block.conv_end[np.maximum(conv, 0)]
    co, ocp, cnp = kinds == CHAT_ORDER, kinds == ORDER_CHAT_PAY, kinds == CHAT_NEVER_PAY
    assert (block.order_created[co] >= start[co]).all()
    assert (start[ocp] > block.order_created[ocp]).all()
    true_paid = block.order_created + block.order_pay_delay
    assert (true_paid[ocp] > end[ocp]).all()
    assert (block.order_created[cnp] > end[cnp]).all()
    # chat-only buyers have a conversation and no order
    chat_only = np.flatnonzero(block.journey == CHAT_ONLY)
    assert np.isin(chat_only, block.conv_buyer).all() and not np.isin(chat_only, block.order_buyer).any()
    # 售后 chats come after the buyer's payment
    after = block.conv_aftersale
    paid_of = dict(zip(block.order_buyer.tolist(), true_paid.tolist(), strict=True))
    assert all(block.conv_start[i] > paid_of[int(block.conv_buyer[i])] for i in np.flatnonzero(after))
    assert _within(after.sum() / np.isin(kinds, (CHAT_ORDER, SILENT, ORDER_CHAT_PAY)).sum(),
                   CFG.aftersale_chat_share, int(after.sum()) + 1, sigmas=5)  # fmt: skip


def test_messages_ordered_buyer_first_and_auto_replies(block: Block) -> None:
    conv, ts = block.msg_conv, block.msg_ts
    same = conv[1:] == conv[:-1]
    assert (np.diff(conv) >= 0).all()
    assert (ts[1:][same] >= ts[:-1][same]).all()
    first = np.r_[True, ~same]
    assert not block.msg_out[first].any()  # the buyer writes first
    assert (block.msg_out[block.msg_auto]).all()
    second = np.r_[False, first[:-1]] & np.r_[False, same]
    assert (block.msg_auto & ~second).sum() == 0  # auto-replies only as the first reply
    # share of answered conversations opened by an auto-reply: configured share, always off-hours
    minute = local_minute_of_day(block.conv_start[conv[second]])
    off = (minute < 9 * 60) | (minute >= 22 * 60 + 30)
    expected = CFG.auto_reply_share + (1 - CFG.auto_reply_share) * off.mean()
    assert _within(float(block.msg_auto[second].mean()), expected, int(second.sum()))
    assert block.msg_auto[second][off].all()


def test_reply_delay_median_in_hours(block: Block) -> None:
    conv, out, auto = block.msg_conv, block.msg_out, block.msg_auto
    same = np.r_[False, conv[1:] == conv[:-1]]
    prev_in = np.r_[False, ~out[:-1]]
    reply = same & out & ~auto & prev_in
    minute = local_minute_of_day(block.conv_start[conv])
    inside = (minute >= 9 * 60) & (minute < 22 * 60 + 30)
    gaps = (block.msg_ts - np.r_[0, block.msg_ts[:-1]])[reply & inside]
    assert np.median(gaps) == pytest.approx(CFG.reply_median_s, rel=0.1)


def test_statuses_refunds_returns_reviews_consistent(block: Block) -> None:
    status = np.asarray(STATUSES)[block.order_status]
    unpaid = block.order_paid < 0
    assert set(status[unpaid]) <= {WAIT_PAY, CLOSED}
    assert (block.order_refund <= block.order_amount).all() and (block.order_refund >= 0).all()
    refunded = block.order_refund > 0
    # refunds come 1–7 days after payment: judge the share on orders paid over a week before the end
    settled = ~unpaid & (block.order_paid < window_epochs(START, DAYS)[1] - 7 * 86400)
    assert _within(refunded[settled].mean(), CFG.refund_share, int(settled.sum()))
    back = block.order_returned_at >= 0
    assert (back <= refunded).all() and (block.order_returned_at[back] > block.order_refund_at[back]).all()
    reviewed = block.order_review >= 0
    assert (status[reviewed] == "交易成功").all()
    good = float((block.order_review[reviewed] == 0).mean())
    assert _within(good, CFG.review_shares[0], int(reviewed.sum()))


def test_determinism_by_seed() -> None:
    a, b, c = _block(5, 3000), _block(5, 3000), _block(6, 3000)
    assert np.array_equal(a.msg_ts, b.msg_ts) and np.array_equal(a.order_amount, b.order_amount)
    assert not np.array_equal(a.order_amount[:50], c.order_amount[:50])


def test_exact_message_budget() -> None:
    blk = _block(2, 2000, n_messages=15_000)
    assert len(blk.msg_ts) == 15_000


def test_fit_lengths_exact_and_refuses_the_impossible() -> None:
    rng = np.random.default_rng(0)
    lengths = np.array([5, 1, 9, 3])
    assert fit_lengths(rng, lengths, 30).sum() == 30
    shrunk = fit_lengths(rng, lengths, 6)
    assert shrunk.sum() == 6 and (shrunk >= 1).all()
    with pytest.raises(ValueError):
        fit_lengths(rng, lengths, 3)
    with pytest.raises(ValueError):
        fit_lengths(rng, np.array([], dtype=np.int64), 2)


def test_some_buyers_order_the_next_day(block: Block) -> None:
    kinds = block.journey[block.order_buyer]
    co = kinds == CHAT_ORDER
    wait = block.order_created[co] - block.conv_end[block.order_conv[co]]
    expected = (1 - CFG.order_in_chat_share) * CFG.next_day_order_share
    late = wait >= 4 * 3600
    assert _within(float(late.mean()), expected, int(co.sum()))
    assert wait.max() < 31 * 3600
