"""Tickets and complaints: categories, severity, SLA in business hours, lifecycle, root causes.

Why business hours: a complaint filed at 22:40 when the last shift left at 22:30
is not "late" at 08:00 the next morning. SLA clocks therefore run only inside the
shop's service window (default 09:00–22:30, the union of seed 001's 白班 and 晚班)
on days the business calendar says the team works; whether rest days and statutory
holidays count is a setting, because many shops staff weekends but close at 春节.

Pure: plain data in, plain data out. The service layer maps rows to ``TicketFacts``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from kefu.domain.calendar import BusinessCalendar, DayInfo, DayKind
from kefu.domain.errors import ErrorCode, KefuError, bad_argument
from kefu.domain.timeutil import SHOP_TZ

CATEGORIES = (
    "物流",
    "质量",
    "错发",
    "漏发",
    "退换",
    "尺码",
    "售前",
    "服务态度",
    "系统故障",
    "活动",
    "差评",
    "其他",
)
SEVERITIES = ("low", "normal", "high", "critical")
DEPARTMENTS = {"logistics": "物流部", "tech": "技术部", "marketing": "市场部"}
CALLBACK_OUTCOMES = ("satisfied", "unsatisfied", "unreachable", "reopened")

# Allowed status changes; everything else is TICKET_BAD_TRANSITION.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"escalated", "resolved", "closed"}),
    "escalated": frozenset({"resolved", "escalated"}),  # escalated again = to another department
    "resolved": frozenset({"closed", "open"}),  # reopened after an unhappy callback
    "closed": frozenset(),
}


@dataclass(frozen=True)
class BusinessHours:
    """The service window in which SLA clocks run."""

    open: time = time(9, 0)
    close: time = time(22, 30)
    open_on_rest_days: bool = True  # weekends and in-lieu days
    open_on_statutory: bool = False  # 法定节假日 itself
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    tz: ZoneInfo = SHOP_TZ

    def __post_init__(self) -> None:
        if self.close <= self.open:
            raise bad_argument("business_hours", "下班时间必须晚于上班时间", "close must be after open")

    def is_open_day(self, day: date) -> bool:
        kind = self.calendar.kind(day)
        if kind is DayKind.WORKDAY:
            return True
        return self.open_on_rest_days if kind is DayKind.REST else self.open_on_statutory

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        if not self.is_open_day(day):
            return None
        return datetime.combine(day, self.open, tzinfo=self.tz), datetime.combine(
            day, self.close, tzinfo=self.tz
        )

    def add_minutes(self, start: datetime, minutes: int) -> datetime:
        """The moment ``minutes`` business minutes after ``start`` (returned in UTC-aware form of the shop zone)."""
        if minutes < 0:
            raise bad_argument("minutes", "不能为负", "must not be negative")
        local = start.astimezone(self.tz)
        remaining = timedelta(minutes=minutes)
        day = local.date()
        for _ in range(800):  # > two years of days: a calendar with no open day is a setting error
            win = self.window(day)
            if win is not None:
                begin = max(local, win[0])
                if begin < win[1]:
                    if begin + remaining <= win[1]:
                        return begin + remaining
                    remaining -= win[1] - begin
            day += timedelta(days=1)
            local = datetime.combine(day, time(0), tzinfo=self.tz)
        raise bad_argument("business_hours", "两年内没有营业日", "no open business day within two years")

    def minutes_between(self, start: datetime, end: datetime) -> int:
        """Business minutes inside [start, end] (0 when end is not after start)."""
        if end <= start:
            return 0
        total = timedelta()
        day = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        while day <= last:
            win = self.window(day)
            if win is not None:
                lo, hi = max(start, win[0]), min(end, win[1])
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return int(total.total_seconds() // 60)


def calendar_with_overrides(overrides: Mapping[str, str]) -> BusinessCalendar:
    """The national calendar plus the shop's own days (``{"2027-02-16": "rest"}``): a shop
    that closes two extra days at 春节 or opens on a holiday says so here."""
    days: dict[date, DayInfo] = {}
    for text, kind in overrides.items():
        try:
            day, day_kind = date.fromisoformat(str(text)), DayKind(kind)
        except ValueError as exc:
            raise bad_argument(
                "calendar_overrides", f"无效的日历设置 {text}: {kind}", f"bad calendar override {text}: {kind}",
                allowed=[k.value for k in DayKind],
            ) from exc  # fmt: skip
        days[day] = DayInfo(day, day_kind, "店铺设置")
    return BusinessCalendar(overrides=days)


@dataclass(frozen=True)
class SlaPolicy:
    """Business minutes allowed per severity: (first response, resolution)."""

    minutes: Mapping[str, tuple[int, int]] = field(
        default_factory=lambda: {
            "critical": (30, 4 * 60),
            "high": (60, 8 * 60),
            "normal": (120, 24 * 60),
            "low": (240, 48 * 60),
        }
    )

    @classmethod
    def from_settings(cls, raw: Mapping[str, object] | None) -> SlaPolicy:
        """Defaults overridden per severity by ``{"high": [60, 480]}`` (business minutes)."""
        merged = dict(cls().minutes)
        for severity, pair in (raw or {}).items():
            ok = (
                severity in SEVERITIES
                and isinstance(pair, (list, tuple))
                and len(pair) == 2
                and all(isinstance(x, int) and not isinstance(x, bool) and 0 < x <= 100_000 for x in pair)
                and pair[0] <= pair[1]
            )
            if not ok:
                raise bad_argument(
                    "sla", f"SLA 设置无效: {severity}={pair}", f"bad SLA setting: {severity}={pair}",
                    expected="severity: [first_response_minutes, resolution_minutes]",
                )  # fmt: skip
            merged[severity] = (int(pair[0]), int(pair[1]))  # type: ignore[index]
        return cls(merged)

    def for_severity(self, severity: str) -> tuple[int, int]:
        if severity not in self.minutes:
            raise bad_argument(
                "severity",
                f"未知严重程度 {severity}",
                f"unknown severity {severity}",
                allowed=list(SEVERITIES),
            )
        return self.minutes[severity]


@dataclass(frozen=True)
class TicketFacts:
    """What the SLA and the monthly summary need to know about one ticket."""

    id: int
    category: str
    severity: str
    status: str
    created_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    department: str = ""
    root_cause: str = ""
    callback_at: datetime | None = None
    callback_outcome: str = ""


@dataclass(frozen=True)
class SlaReport:
    first_response_due: datetime
    resolution_due: datetime
    first_response: str  # met | breached | pending
    resolution: str  # met | breached | pending
    first_response_minutes: int | None  # business minutes taken, when responded
    resolution_minutes: int | None


def _state(done: datetime | None, due: datetime, now: datetime) -> str:
    if done is not None:
        return "met" if done <= due else "breached"
    return "breached" if now > due else "pending"


def sla_report(
    t: TicketFacts, now: datetime, hours: BusinessHours, policy: SlaPolicy | None = None
) -> SlaReport:
    """Due times and met/breached/pending for first response and resolution of one ticket."""
    first, resolve = (policy or SlaPolicy()).for_severity(t.severity)
    fr_due = hours.add_minutes(t.created_at, first)
    res_due = hours.add_minutes(t.created_at, resolve)
    return SlaReport(
        fr_due,
        res_due,
        _state(t.first_response_at, fr_due, now),
        _state(t.resolved_at, res_due, now),
        hours.minutes_between(t.created_at, t.first_response_at) if t.first_response_at else None,
        hours.minutes_between(t.created_at, t.resolved_at) if t.resolved_at else None,
    )


def check_new_ticket(category: str, severity: str) -> None:
    if category not in CATEGORIES:
        raise bad_argument(
            "category", f"未知分类 {category}", f"unknown category {category}", allowed=list(CATEGORIES)
        )
    if severity not in SEVERITIES:
        raise bad_argument(
            "severity", f"未知严重程度 {severity}", f"unknown severity {severity}", allowed=list(SEVERITIES)
        )


def check_transition(current: str, new: str) -> None:
    """Raise TICKET_BAD_TRANSITION for a status change the lifecycle does not allow."""
    if new not in TRANSITIONS.get(current, frozenset()):
        raise KefuError(
            ErrorCode.TICKET_BAD_TRANSITION,
            f"工单状态不能从 {current} 变为 {new}",
            f"ticket cannot go from {current} to {new}",
            {"from": current, "to": new},
        )


def check_department(department: str) -> None:
    if department not in DEPARTMENTS:
        raise bad_argument(
            "department",
            f"未知部门 {department}",
            f"unknown department {department}",
            allowed=list(DEPARTMENTS),
        )


def check_callback_outcome(outcome: str) -> None:
    if outcome not in CALLBACK_OUTCOMES:
        raise bad_argument(
            "outcome",
            f"未知回访结果 {outcome}",
            f"unknown callback outcome {outcome}",
            allowed=list(CALLBACK_OUTCOMES),
        )


def root_cause_summary(
    tickets: Iterable[TicketFacts], now: datetime, hours: BusinessHours, policy: SlaPolicy | None = None
) -> dict[str, object]:
    """Monthly review for the supervisor: what went wrong, where, how fast we fixed it.

    Root causes rank by count; tickets without a recorded root cause are shown as
    ``未填写`` so that missing analysis is visible rather than silently dropped."""
    items = list(tickets)
    by_cat: Counter[str] = Counter()
    by_cause: Counter[str] = Counter()
    by_dept: Counter[str] = Counter()
    by_sev: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    fr_breach = res_breach = resolved = 0
    res_minutes: list[int] = []
    for t in items:
        by_cat[t.category] += 1
        by_cause[t.root_cause or "未填写"] += 1
        by_sev[t.severity] += 1
        if t.department:
            by_dept[t.department] += 1
        if t.callback_outcome:
            outcomes[t.callback_outcome] += 1
        rep = sla_report(t, now, hours, policy)
        fr_breach += rep.first_response == "breached"
        res_breach += rep.resolution == "breached"
        if rep.resolution_minutes is not None:
            resolved += 1
            res_minutes.append(rep.resolution_minutes)
    avg_hours = (
        (Decimal(sum(res_minutes)) / Decimal(len(res_minutes)) / Decimal(60)).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        if res_minutes
        else None
    )
    return {
        "tickets": len(items),
        "resolved": resolved,
        "by_category": dict(by_cat.most_common()),
        "by_root_cause": dict(by_cause.most_common()),
        "by_department": dict(by_dept.most_common()),
        "by_severity": dict(by_sev.most_common()),
        "first_response_breaches": fr_breach,
        "resolution_breaches": res_breach,
        "avg_resolution_business_hours": avg_hours,
        "callback_outcomes": dict(outcomes.most_common()),
    }
