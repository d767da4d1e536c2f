"""Configuration of the shop simulator: every statistic the tests check is a field here.

The simulator is a model of a Taobao shop's customer traffic, not a replay of
data: each number below is a knob with a default taken from the seeds (shift
times of seed 001) and from what shops report (双11 at 3–5× a normal day,
peaks in the evening, most payments within minutes of ordering). Tests compare
the simulator's output against these same fields, so changing a default never
silently breaks a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Buyer journeys. Codes are small ints so that numpy arrays can carry them.
CHAT_ORDER = 0  # asks, then orders (and pays after a delay)
SILENT = 1  # orders and pays without a word (静默下单)
ORDER_CHAT_PAY = 2  # orders, asks (e.g. for a discount or shipping), then pays
NEVER_PAY = 3  # orders without a word and never pays
CHAT_NEVER_PAY = 4  # asks, orders, never pays
CHAT_ONLY = 5  # asks and does not order (询单未下单)
JOURNEY_NAMES = ("chat_order", "silent", "order_chat_pay", "never_pay", "chat_never_pay", "chat_only")
ORDERING = (CHAT_ORDER, SILENT, ORDER_CHAT_PAY, NEVER_PAY, CHAT_NEVER_PAY)
PAYING = (CHAT_ORDER, SILENT, ORDER_CHAT_PAY)
CHATTING = (CHAT_ORDER, ORDER_CHAT_PAY, CHAT_NEVER_PAY, CHAT_ONLY)

# Taobao order statuses (spec/io-and-quality.md).
WAIT_PAY = "等待买家付款"
PAID = "买家已付款，等待卖家发货"
SHIPPED = "卖家已发货，等待买家确认"
SUCCESS = "交易成功"
CLOSED = "交易关闭"
STATUSES = (WAIT_PAY, PAID, SHIPPED, SUCCESS, CLOSED)

REVIEW_NAMES = ("good", "neutral", "bad")

# Relative contact volume per local hour (00..23): quiet at night, a morning
# rise, a lunch dip, the busiest hours after dinner (Taobao's 20:00–22:00).
DEFAULT_HOURLY = (
    3.0, 1.6, 0.9, 0.5, 0.4, 0.5, 1.0, 2.2, 4.2, 6.4, 7.4, 7.2,
    6.0, 6.6, 7.2, 7.2, 6.8, 6.6, 6.8, 7.8, 9.0, 9.6, 8.2, 5.6,
)  # fmt: skip
# Monday..Sunday: weekends a little busier for a consumer shop.
DEFAULT_WEEKLY = (1.0, 0.97, 0.95, 0.97, 1.03, 1.1, 1.12)


@dataclass(frozen=True)
class Promotion:
    """A platform sales event: a peak day, a lead-up (预售/预热) and an after-wave (售后)."""

    name: str
    month: int
    day: int
    peak: float  # multiplier of the ordinary daily volume on the peak day
    lead_days: int = 0
    lead_factor: float = 1.0  # multiplier at the start of the lead-up, rising towards the peak
    after_days: int = 0
    after_factor: float = 1.0  # multiplier the day after the peak, decaying to 1
    midnight_share: float = 0.0  # share of the peak day's volume in the 00:00–02:00 rush

    def peak_date(self, year: int) -> date:
        return date(year, self.month, self.day)


DEFAULT_PROMOTIONS = (
    Promotion(
        "双11",
        11,
        11,
        peak=4.0,
        lead_days=10,
        lead_factor=1.3,
        after_days=4,
        after_factor=2.0,
        midnight_share=0.2,
    ),
    Promotion(
        "618",
        6,
        18,
        peak=2.5,
        lead_days=7,
        lead_factor=1.2,
        after_days=2,
        after_factor=1.5,
        midnight_share=0.12,
    ),
    Promotion(
        "双12",
        12,
        12,
        peak=2.0,
        lead_days=3,
        lead_factor=1.15,
        after_days=2,
        after_factor=1.3,
        midnight_share=0.1,
    ),
)


@dataclass(frozen=True)
class SimConfig:
    """All parameters of one simulated shop. Times are seconds unless a name says otherwise."""

    # arrivals (contacts = conversations a buyer starts)
    daily_contacts: float = 180.0  # ordinary weekday, no promotion
    hourly: tuple[float, ...] = DEFAULT_HOURLY
    weekly: tuple[float, ...] = DEFAULT_WEEKLY
    holiday_factor: float = 0.8  # 法定节假日: people are away from their phones
    spring_festival_factor: float = 0.45  # the whole 春节 block: couriers stop, shops go quiet
    promotions: tuple[Promotion, ...] = DEFAULT_PROMOTIONS
    # journeys: shares over all buyers (Poisson mode); export mode renormalises the ordering ones
    # (chat_order, silent, order_chat_pay, never_pay, chat_never_pay, chat_only)
    journey_shares: tuple[float, ...] = (0.22, 0.13, 0.05, 0.025, 0.025, 0.55)
    # payment delay after ordering: lognormal in minutes (median, sigma of log)
    pay_delay_median_min: float = 6.0
    pay_delay_sigma: float = 1.2
    # order placement relative to a chat
    order_in_chat_share: float = 0.4  # chat-then-order buyers who order while still chatting
    order_after_chat_median_s: float = 600.0
    next_day_order_share: float = (
        0.1  # chat-then-order buyers (ordering after the chat) who come back 4–30 h later
    )
    chat_after_order_median_s: float = 300.0  # order-then-chat: time from order to first message
    pay_after_chat_median_s: float = 240.0  # order-then-chat-then-pay: chat end to payment
    # conversations
    mean_messages: float = 8.0  # per conversation, including auto-replies
    auto_reply_share: float = 0.6  # conversations whose first reply is an auto-reply (auto=1)
    reply_median_s: float = 22.0  # agent reply delay (lognormal)
    reply_sigma: float = 1.0
    offhours_reply_median_s: float = 420.0  # replies outside 09:00–22:30
    buyer_gap_median_s: float = 45.0  # buyer's time to answer an agent
    buyer_gap_sigma: float = 1.1
    same_side_gap_median_s: float = 8.0  # a second line from the same side
    aftersale_chat_share: float = 0.12  # paid orders followed by a 售后 chat within 5 days
    transfer_share: float = 0.05  # conversations (4+ lines) handed to a second agent halfway (转交; assists)
    # money
    amount_median_fen: int = 12900
    amount_sigma: float = 0.7
    refund_share: float = 0.06  # of paid orders
    full_refund_share: float = 0.7  # of refunds
    return_share: float = 0.6  # of refunds that are 退货退款 (goods come back, returned_at)
    close_unpaid_after_h: float = 24.0  # 交易关闭 for an unpaid order after this long
    ship_after_h: float = 20.0
    confirm_after_days: float = 10.0  # 交易成功 after this long since payment
    review_share: float = 0.5  # of orders that reached 交易成功
    review_shares: tuple[float, float, float] = (0.86, 0.09, 0.05)  # good, neutral, bad
    # shifts (seed 001)
    day_shift: tuple[str, str] = ("09:00", "16:30")
    night_shift: tuple[str, str] = ("16:00", "22:30")

    def ordering_shares(self) -> tuple[float, ...]:
        """Shares of the five ordering journeys among buyers who order (export mode)."""
        s = self.journey_shares[: len(ORDERING)]
        total = sum(s)
        return tuple(x / total for x in s)

    def silent_order_share(self) -> float:
        """Expected share of orders with no chat at all (silent payers + silent never-payers)."""
        o = self.ordering_shares()
        return o[SILENT] + o[NEVER_PAY]
