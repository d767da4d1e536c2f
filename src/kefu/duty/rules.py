"""Follow-up rules as data: trigger, conditions, delay, action, due time.

Shops change these rules more often than we ship code (a different SMS
threshold, a 20-minute 催付, another review split), so the seed-003 defaults
live in ``default_rules.yaml`` and every rule is validated into frozen
dataclasses here. A mistake in a rule file is a ``RULE_INVALID`` error that
names the rule and the field, never a crash at 2 a.m. when the timer fires.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import time
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kefu.domain.errors import ErrorCode, KefuError

TRIGGERS = ("order_created", "order_paid", "return_received", "review_posted")
TASK_TYPES = ("pay_reminder", "address_check", "return", "review")
RATINGS = ("good", "neutral", "bad")
ASSIGN_BY = ("roster", "credit", "review_parity", "agent")
ROSTER_POOLS = ("evening", "on_duty")
CREDIT_ROLES = ("payment_agent", "order_agent")
_CONDITION_KEYS = {"unpaid", "amount_fen_gt", "rating_in", "attributed"}


@dataclass(frozen=True)
class Conditions:
    """All must hold at the firing moment; ``None`` / empty means "not checked"."""

    unpaid: bool = False  # no payment at or before the firing time
    amount_fen_gt: int | None = None  # strictly greater
    rating_in: tuple[str, ...] = ()
    attributed: bool = False  # a 落实付款 or 落实下单 agent exists (not fully silent)


@dataclass(frozen=True)
class Assign:
    """Who gets a task.

    ``roster``: pool ``workday`` on business workdays, ``restday`` on rest and
    statutory days, looked up on the task's creation day or its due day.
    ``credit``: the first non-empty of ``prefer`` from the order's attribution.
    ``review_parity``: ``odd`` / ``even`` agent groups by the day of month of the
    order's first review (empty groups: the roster's agents split in halves).
    ``agent``: always ``agents[0]``.
    """

    by: str
    workday: str = "evening"
    restday: str = "on_duty"
    day: str = "created"  # created | due
    prefer: tuple[str, ...] = CREDIT_ROLES
    odd: tuple[str, ...] = ()
    even: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()


@dataclass(frozen=True)
class Due:
    """When a task is due: a fixed offset, or a local wall-clock time that day."""

    after_minutes: int | None = None
    at_local: time | None = None
    next_day_after: bool = False  # at_local already passed at creation → same time next day


@dataclass(frozen=True)
class Action:
    kind: str  # task | message
    task_type: str = ""
    assign: Assign | None = None
    due: Due | None = None
    channel: str = ""
    text: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    trigger: str
    delay_minutes: int
    conditions: Conditions
    action: Action


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    @cached_property
    def _by_trigger(self) -> dict[str, list[Rule]]:
        out: dict[str, list[Rule]] = {}
        for rule in self.rules:
            out.setdefault(rule.trigger, []).append(rule)
        return out

    def for_trigger(self, trigger: str) -> list[Rule]:
        return self._by_trigger.get(trigger, [])

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise _invalid(rule_id, "id", "规则不存在", "no such rule")


def _invalid(rule_id: str, where: str, zh: str, en: str) -> KefuError:
    return KefuError(
        ErrorCode.RULE_INVALID,
        f"规则 {rule_id} 的 {where}: {zh}",
        f"rule {rule_id}, {where}: {en}",
        {"rule": rule_id, "field": where},
    )


def _str_tuple(rule_id: str, where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise _invalid(rule_id, where, "应为列表", "must be a list")
    return tuple(str(v) for v in value)


def _int(rule_id: str, where: str, value: Any, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _invalid(rule_id, where, f"应为不小于 {minimum} 的整数", f"must be an integer >= {minimum}")
    return value


def _conditions(rule_id: str, raw: Any) -> Conditions:
    if raw is None:
        return Conditions()
    if not isinstance(raw, dict):
        raise _invalid(rule_id, "conditions", "应为映射", "must be a mapping")
    unknown = set(raw) - _CONDITION_KEYS
    if unknown:
        raise _invalid(rule_id, "conditions", f"未知条件 {sorted(unknown)}", f"unknown conditions {sorted(unknown)}")
    ratings = _str_tuple(rule_id, "conditions.rating_in", raw.get("rating_in"))
    if any(r not in RATINGS for r in ratings):
        raise _invalid(rule_id, "conditions.rating_in", f"评价只能是 {RATINGS}", f"ratings must be in {RATINGS}")
    gt = raw.get("amount_fen_gt")
    return Conditions(
        unpaid=bool(raw.get("unpaid", False)),
        amount_fen_gt=None if gt is None else _int(rule_id, "conditions.amount_fen_gt", gt),
        rating_in=ratings,
        attributed=bool(raw.get("attributed", False)),
    )


def _assign(rule_id: str, raw: Any) -> Assign:
    if not isinstance(raw, dict) or raw.get("by") not in ASSIGN_BY:
        raise _invalid(rule_id, "action.assign.by", f"应为 {ASSIGN_BY} 之一", f"must be one of {ASSIGN_BY}")
    assign = Assign(
        by=str(raw["by"]),
        workday=str(raw.get("workday", "evening")),
        restday=str(raw.get("restday", "on_duty")),
        day=str(raw.get("day", "created")),
        prefer=_str_tuple(rule_id, "action.assign.prefer", raw.get("prefer")) or CREDIT_ROLES,
        odd=_str_tuple(rule_id, "action.assign.odd", raw.get("odd")),
        even=_str_tuple(rule_id, "action.assign.even", raw.get("even")),
        agents=_str_tuple(rule_id, "action.assign.agents", raw.get("agents")),
    )
    if assign.workday not in ROSTER_POOLS or assign.restday not in ROSTER_POOLS:
        raise _invalid(rule_id, "action.assign", f"班次池应为 {ROSTER_POOLS}", f"pools must be in {ROSTER_POOLS}")
    if assign.day not in ("created", "due"):
        raise _invalid(rule_id, "action.assign.day", "应为 created 或 due", "must be created or due")
    if any(p not in CREDIT_ROLES for p in assign.prefer):
        raise _invalid(rule_id, "action.assign.prefer", f"应为 {CREDIT_ROLES}", f"must be in {CREDIT_ROLES}")
    if assign.by == "agent" and not assign.agents:
        raise _invalid(rule_id, "action.assign.agents", "需要至少一个客服", "needs at least one agent")
    if assign.by == "review_parity" and bool(assign.odd) != bool(assign.even):
        raise _invalid(rule_id, "action.assign", "odd 与 even 需同时配置", "set both odd and even, or neither")
    return assign


def _due(rule_id: str, raw: Any) -> Due:
    if not isinstance(raw, dict):
        raise _invalid(rule_id, "action.due", "任务需要截止时间", "a task needs a due time")
    if "at_local" in raw:
        try:
            at = time.fromisoformat(str(raw["at_local"]))
        except ValueError as exc:
            raise _invalid(rule_id, "action.due.at_local", "应为 HH:MM", "must be HH:MM") from exc
        return Due(at_local=at, next_day_after=bool(raw.get("next_day_after", False)))
    if "after_minutes" in raw:
        return Due(after_minutes=_int(rule_id, "action.due.after_minutes", raw["after_minutes"]))
    raise _invalid(rule_id, "action.due", "需要 after_minutes 或 at_local", "needs after_minutes or at_local")


def _action(rule_id: str, raw: Any) -> Action:
    if not isinstance(raw, dict) or raw.get("kind") not in ("task", "message"):
        raise _invalid(rule_id, "action.kind", "应为 task 或 message", "must be task or message")
    if raw["kind"] == "message":
        channel = str(raw.get("channel", ""))
        if channel not in ("sms", "dingtalk", "wecom"):
            raise _invalid(rule_id, "action.channel", "应为 sms/dingtalk/wecom", "must be sms, dingtalk or wecom")
        return Action(kind="message", channel=channel, text=str(raw.get("text", "")))
    task_type = str(raw.get("task_type", ""))
    if task_type not in TASK_TYPES:
        raise _invalid(rule_id, "action.task_type", f"应为 {TASK_TYPES} 之一", f"must be one of {TASK_TYPES}")
    return Action(kind="task", task_type=task_type, assign=_assign(rule_id, raw.get("assign")),
                  due=_due(rule_id, raw.get("due")))


def parse_rules(data: Any) -> RuleSet:
    """Validate a mapping ``{"rules": [...]}`` (as loaded from YAML) into a RuleSet."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise _invalid("-", "rules", "文件应包含 rules 列表", "the file must contain a list named rules")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(data["rules"], start=1):
        if not isinstance(raw, dict) or not raw.get("id"):
            raise _invalid(f"#{index}", "id", "缺少规则编号", "missing rule id")
        rule_id = str(raw["id"])
        if rule_id in seen:
            raise _invalid(rule_id, "id", "规则编号重复", "duplicate rule id")
        seen.add(rule_id)
        if raw.get("trigger") not in TRIGGERS:
            raise _invalid(rule_id, "trigger", f"应为 {TRIGGERS} 之一", f"must be one of {TRIGGERS}")
        rules.append(Rule(
            id=rule_id,
            trigger=str(raw["trigger"]),
            delay_minutes=_int(rule_id, "delay_minutes", raw.get("delay_minutes", 0)),
            conditions=_conditions(rule_id, raw.get("conditions")),
            action=_action(rule_id, raw.get("action")),
        ))
    return RuleSet(tuple(rules))


def load_rules(path: Path | None = None) -> RuleSet:
    """The rules in ``path``, or the seed-003 defaults shipped in the package."""
    if path is None:
        text = resources.files("kefu.duty").joinpath("default_rules.yaml").read_text(encoding="utf-8")
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise _invalid(str(path), "file", f"无法读取: {exc}", f"cannot read: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _invalid(str(path or "default_rules.yaml"), "yaml", f"格式错误: {exc}", f"bad YAML: {exc}") from exc
    return parse_rules(data)


def default_rules() -> RuleSet:
    return load_rules(None)


def default_rules_doc() -> dict[str, Any]:
    """The shipped seed-003 rules as a plain document (what the rule editor starts from)."""
    text = resources.files("kefu.duty").joinpath("default_rules.yaml").read_text(encoding="utf-8")
    doc: dict[str, Any] = yaml.safe_load(text)
    return doc


def with_review_groups(rules: RuleSet, odd: list[str], even: list[str]) -> RuleSet:
    """The rules with the 中差评 odd/even agent groups replaced (both empty: unchanged)."""
    if not odd and not even:
        return rules
    changed = []
    for rule in rules.rules:
        assign = rule.action.assign
        if assign is not None and assign.by == "review_parity":
            assign = dataclasses.replace(assign, odd=tuple(odd), even=tuple(even))
            rule = dataclasses.replace(rule, action=dataclasses.replace(rule.action, assign=assign))
        changed.append(rule)
    return RuleSet(tuple(changed))
