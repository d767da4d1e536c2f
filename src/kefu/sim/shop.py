"""A demo shop as plain data: agents, shifts, a month's roster, presence and the buyers' traffic.

Pure (no database): ``kefu.service.demo.actions`` stores what this builds. The floor
follows seed 001: 白班 09:00–16:30 and 晚班 16:00–22:30 in weekly rotation,
four rest days a month, nobody resting on a promotion peak (``demo_roster``). Conversations go to
an agent rostered on the shift and skill of the first message (售后 chats to
售后 agents), so the demo's credit, metrics and overtime have something to find.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from kefu.sim.arrivals import local_minute_of_day, minute_rates, window_epochs
from kefu.sim.config import CHATTING, SimConfig
from kefu.sim.demo_roster import DAY_SHIFT, NIGHT_SHIFT, make_roster, roster_days
from kefu.sim.journeys import Block, simulate_block

SHIFTS: dict[str, dict[str, object]] = {
    DAY_SHIFT: {"start": "09:00", "end": "16:30", "evening": False, "break": ("11:30", "13:30")},
    NIGHT_SHIFT: {"start": "16:00", "end": "22:30", "evening": True, "break": ("17:30", "19:00")},
}
MEAL_MINUTES = 30
LATE_SHARE = 0.1  # 晚班 starts that are late (adherence has something to find)
SHIFT_CUT_MINUTE = 16 * 60 + 15  # contacts after 16:15 go to 晚班
CONTACTS_PER_AGENT_DAY = 15.0  # 12 agents ≈ 180 contacts on an ordinary day
NAMES = ("小美", "小雅", "阿琳", "小雪", "晓峰", "小周", "阿杰", "小云", "婷婷", "小林", "佳佳", "小诺")


@dataclass(frozen=True)
class AgentSpec:
    id: str
    name: str
    skills: tuple[str, ...]
    secondary: tuple[str, ...]
    capacity: int
    probation: bool
    hired_on: date
    weight: float  # relative share of contacts (a new agent takes fewer)


@dataclass
class DemoShop:
    """Everything the demo loader stores, in shop-local terms plus UTC epoch seconds."""

    start: date
    days: int
    as_of: int  # epoch seconds: nothing happens after this moment
    agents: list[AgentSpec]
    roster: list[list[str]]  # [agent][day] -> shift code, "" for a rest day
    presence: list[tuple[int, str, int, int | None]]  # (agent index, status, start, end or None)
    block: Block
    conv_agent: np.ndarray  # agent index per conversation
    conv_open: np.ndarray  # bool: still open at as_of
    buyer_names: list[str] = field(default_factory=list)
    roster_ahead: list[list[str]] = field(default_factory=list)  # [agent][day after the window] to the month's end


def hhmm_minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def make_agents(rng: np.random.Generator, n: int, start: date) -> list[AgentSpec]:
    """Two thirds 售前 first, one third 售后 first; the last one (two from six agents) on probation."""
    n_probation = 0 if n < 2 else (1 if n < 6 else 2)
    out = []
    for i in range(n):
        aftersale = i % 3 == 2
        skills = ("售后", "售前") if aftersale else ("售前",)
        secondary = () if aftersale else ("售后",)
        probation = i >= n - n_probation
        hired = start - timedelta(
            days=int(rng.integers(20, 50)) if probation else int(rng.integers(120, 900))
        )
        name = NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else str(i // len(NAMES) + 1))
        capacity = int(rng.integers(4, 6)) if probation else int(rng.integers(6, 9))
        out.append(AgentSpec(f"kf{i + 1:02d}", name, skills, secondary, capacity, probation, hired,
                             0.6 if probation else 1.0))  # fmt: skip
    return out


def make_presence(
    rng: np.random.Generator,
    roster: list[list[str]],
    start_epoch: int,
    as_of: int,
    last_chat: dict[tuple[int, int], int] | None = None,
) -> list[tuple[int, str, int, int | None]]:
    """Status intervals per agent: online, a meal break, online, offline until the next shift.

    Arrival 0–10 min early (now and then up to 11 min late for 晚班, whose
    first quarter hour 白班 still covers), leaving 0–20 min after shift end, and never
    before the last message of a conversation of that shift (``last_chat`` by
    (agent, day)): the shift extends while buyers are still chatting (seed 001),
    which is the overtime the worked-time report finds. The interval open at
    ``as_of`` has no end.
    """
    last_chat = last_chat or {}
    out: list[tuple[int, str, int, int | None]] = []
    for a, row in enumerate(roster):
        spans: list[tuple[str, int, int]] = []
        for d, code in enumerate(row):
            if not code:
                continue
            spec = SHIFTS[code]
            base = start_epoch + d * 86400
            arrive = int(rng.integers(-10, 1))
            if code == NIGHT_SHIFT and rng.random() < LATE_SHARE:
                arrive = int(rng.integers(1, 12))  # late while 白班 still covers (until 16:30)
            s = base + 60 * (hhmm_minutes(str(spec["start"])) + arrive)
            e = base + 60 * (hhmm_minutes(str(spec["end"])) + int(rng.integers(0, 21)))
            e = max(e, last_chat.get((a, d), 0) + 60)
            win = spec["break"]
            assert isinstance(win, tuple)
            lo, hi = hhmm_minutes(win[0]), hhmm_minutes(win[1]) - MEAL_MINUTES
            b = base + 60 * int(rng.integers(lo, hi + 1))
            spans += [
                ("online", s, b),
                ("break", b, b + 60 * MEAL_MINUTES),
                ("online", b + 60 * MEAL_MINUTES, e),
            ]
        cursor = start_epoch
        for status, s, e in spans:
            if s > cursor:
                spans_off = ("offline", cursor, s)
                _emit(out, a, spans_off, as_of)
            _emit(out, a, (status, s, e), as_of)
            cursor = e
        _emit(out, a, ("offline", cursor, as_of + 1), as_of)
    return out


def _emit(
    out: list[tuple[int, str, int, int | None]], agent: int, span: tuple[str, int, int], as_of: int
) -> None:
    status, s, e = span
    if s > as_of:
        return
    out.append((agent, status, s, None if e > as_of else e))


def assign_agents(
    rng: np.random.Generator,
    agents: list[AgentSpec],
    roster: list[list[str]],
    block: Block,
    start_epoch: int,
    presence: list[tuple[int, str, int, int | None]] | None = None,
) -> np.ndarray:
    """Agent per conversation: rostered on that day and shift with the skill, online when it is answered.

    Among the candidates, those online (not on break, not yet gone) at the
    first human reply are preferred; if nobody is, any candidate takes it.
    """
    n_conv = len(block.conv_start)
    day = np.clip((block.conv_start - start_epoch) // 86400, 0, len(roster[0]) - 1 if roster else 0)
    shift = np.where(local_minute_of_day(block.conv_start) < SHIFT_CUT_MINUTE, 0, 1)
    group = block.conv_aftersale.astype(np.int64)
    answer_at = block.conv_start.copy()
    human = block.msg_out & ~block.msg_auto
    first_reply = np.full(n_conv, np.iinfo(np.int64).max)
    np.minimum.at(first_reply, block.msg_conv[human], block.msg_ts[human])
    answer_at = np.where(first_reply < np.iinfo(np.int64).max, first_reply, answer_at)
    online = _online_table(presence or [], len(agents))
    out = np.zeros(n_conv, dtype=np.int64)
    key = day * 4 + shift * 2 + group
    weights = np.array([a.weight for a in agents])
    for k in np.unique(key):
        d, sh, g = int(k // 4), int(k // 2 % 2), int(k % 2)
        code, skill = (DAY_SHIFT, NIGHT_SHIFT)[sh], ("售前", "售后")[g]
        on_shift = [i for i, row in enumerate(roster) if row[d] == code]
        candidates = [i for i in on_shift if skill in agents[i].skills] or on_shift
        candidates = candidates or [i for i, row in enumerate(roster) if row[d]] or list(range(len(agents)))
        idx = np.flatnonzero(key == k)
        w = np.tile(weights[candidates], (len(idx), 1))
        if presence is not None:
            avail = np.column_stack([_is_online(online[c], answer_at[idx]) for c in candidates])
            w = np.where(avail.any(axis=1, keepdims=True), w * avail, w)
        cdf = np.cumsum(w, axis=1)
        pick = (cdf < rng.random(len(idx))[:, None] * cdf[:, -1:]).sum(axis=1)
        out[idx] = np.asarray(candidates)[np.minimum(pick, len(candidates) - 1)]
    return out


def _online_table(
    presence: list[tuple[int, str, int, int | None]], n_agents: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    spans: list[list[tuple[int, int]]] = [[] for _ in range(n_agents)]
    for a, status, s, e in presence:
        if status == "online":
            spans[a].append((s, np.iinfo(np.int64).max if e is None else e))
    return [
        (np.array([x[0] for x in sp], dtype=np.int64), np.array([x[1] for x in sp], dtype=np.int64))
        for sp in spans
    ]


def _is_online(table: tuple[np.ndarray, np.ndarray], t: np.ndarray) -> np.ndarray:
    starts, ends = table
    if len(starts) == 0:
        return np.zeros(len(t), dtype=bool)
    i = np.searchsorted(starts, t, side="right") - 1
    return np.asarray((i >= 0) & (t < ends[np.maximum(i, 0)]))


def open_conversations(
    block: Block, conv_agent: np.ndarray, agents: list[AgentSpec],
    presence: list[tuple[int, str, int, int | None]], as_of: int,
) -> np.ndarray:  # fmt: skip
    """Conversations still open at ``as_of``: active in the last 10 minutes, with an agent at work.

    The live invariants hold from the first second: no open conversation on an
    offline agent, never more open conversations than an agent's capacity
    (the newest are kept, the rest count as closed).
    """
    working = {a for a, status, _s, e in presence if e is None and status in ("online", "break", "away")}
    recent = block.conv_end > as_of - 600
    is_open = np.zeros(len(block.conv_start), dtype=bool)
    for a in working:
        mine = np.flatnonzero(recent & (conv_agent == a))
        newest = mine[np.argsort(block.conv_start[mine])[::-1][: agents[a].capacity]]
        is_open[newest] = True
    return is_open


def cut_block(block: Block, as_of: int) -> Block:
    """The block as seen at ``as_of``: later conversations, messages and orders removed."""
    keep_conv = block.conv_start <= as_of
    new_index = np.cumsum(keep_conv) - 1
    keep_msg = keep_conv[block.msg_conv] & (block.msg_ts <= as_of)
    msg_conv = new_index[block.msg_conv[keep_msg]]
    conv_start = block.conv_start[keep_conv]
    msg_ts = block.msg_ts[keep_msg]
    conv_end = conv_start.copy()
    np.maximum.at(conv_end, msg_conv, msg_ts)
    keep_order = block.order_created <= as_of
    oc = block.order_conv[keep_order]
    linked = oc >= 0
    oc_kept = np.where(linked, keep_conv[np.maximum(oc, 0)] if len(keep_conv) else False, False)
    order_conv = np.where(oc_kept, new_index[np.maximum(oc, 0)] if len(new_index) else -1, -1)

    def orders(a: np.ndarray) -> np.ndarray:
        return a[keep_order]

    return Block(
        journey=block.journey,
        conv_buyer=block.conv_buyer[keep_conv],
        conv_start=conv_start,
        conv_end=conv_end,
        conv_aftersale=block.conv_aftersale[keep_conv],
        msg_conv=msg_conv,
        msg_ts=msg_ts,
        msg_out=block.msg_out[keep_msg],
        msg_auto=block.msg_auto[keep_msg],
        order_buyer=orders(block.order_buyer),
        order_created=orders(block.order_created),
        order_paid=orders(block.order_paid),
        order_pay_delay=orders(block.order_pay_delay),
        order_conv=order_conv,
        order_amount=orders(block.order_amount),
        order_status=orders(block.order_status),
        order_refund=orders(block.order_refund),
        order_refund_at=orders(block.order_refund_at),
        order_returned_at=orders(block.order_returned_at),
        order_review=orders(block.order_review),
        order_review_at=orders(block.order_review_at),
    )


def build_demo_shop(
    seed: int,
    days: int,
    n_agents: int,
    start: date,
    as_of: int | None = None,
    config: SimConfig | None = None,
) -> DemoShop:
    """Simulate the demo shop's window; ``as_of`` (epoch s) cuts it at "now" when the window is current."""
    rng = np.random.default_rng(seed)
    base = config or SimConfig()
    cfg = SimConfig(**{**base.__dict__, "daily_contacts": CONTACTS_PER_AGENT_DAY * n_agents})
    start_epoch, end_epoch = window_epochs(start, days)
    cut = end_epoch if as_of is None else min(as_of, end_epoch)
    rates = minute_rates(start, days, cfg)
    rates[max(0, (cut - start_epoch) // 60) :] = 0.0
    # contacts are the chatting buyers; silent buyers come on top in their share
    chat_share = sum(cfg.journey_shares[j] for j in CHATTING) / sum(cfg.journey_shares)
    n_buyers = int(rng.poisson(rates.sum() / chat_share))
    shares = np.asarray(cfg.journey_shares) / sum(cfg.journey_shares)
    journey = rng.choice(len(shares), n_buyers, p=shares).astype(np.int8)
    block = simulate_block(rng, cfg, rates, start_epoch, journey, drop_after_end=True, as_of=cut)
    block = cut_block(block, cut)
    agents = make_agents(rng, n_agents, start)
    peaks = {p.peak_date(y) for p in cfg.promotions for y in range(start.year, start.year + 2)}
    whole = make_roster(n_agents, start, roster_days(start, days), peaks)
    roster = [row[:days] for row in whole]
    # presence twice from one stream: first the plan (who is at work when), then with the
    # shifts extended until each agent's last chat of the day
    planned = make_presence(np.random.default_rng([seed, 1]), roster, start_epoch, cut)
    conv_agent = assign_agents(rng, agents, roster, block, start_epoch, planned)
    last_chat: dict[tuple[int, int], int] = {}
    day = (block.conv_start - start_epoch) // 86400
    for a, d, end in zip(conv_agent.tolist(), day.tolist(), block.conv_end.tolist(), strict=True):
        last_chat[(a, d)] = max(last_chat.get((a, d), 0), end)
    presence = make_presence(np.random.default_rng([seed, 1]), roster, start_epoch, cut, last_chat)
    conv_open = open_conversations(block, conv_agent, agents, presence, cut)
    if as_of is None or as_of >= end_epoch:
        conv_open[:] = False  # a window in the past: every conversation has been closed
    names = [f"tb_{seed}_{i:06d}" for i in range(n_buyers)]
    return DemoShop(start, days, cut, agents, roster, presence, block, conv_agent, conv_open, names,
                    [row[days:] for row in whole])
