"""Duty use-cases: replay rules over files, schedule and fire durable timers, tasks.

API, dashboard and CLI call these functions; the rules themselves live in the
pure ``kefu.duty`` engine. Timers are rows (``DueTimer``) so a restart in the
middle of a 15-minute delay loses nothing, and each (rule, order) row is
unique so a rule fires once per order however many workers poll.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from kefu.domain.calendar import BusinessCalendar
from kefu.duty.credit_bridge import attribution_from_credit, attribution_from_frame
from kefu.duty.engine import Attribution
from kefu.duty.replay import ReplayResult, replay
from kefu.duty.roster import RosterView, evening_codes_from_shifts
from kefu.duty.rules import RuleSet, load_rules
from kefu.io import duty_csv


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


def replay_files(
    *,
    orders: Path,
    messages: Path,
    roster: Path,
    until: datetime,
    out: Path,
    returns: Path | None = None,
    reviews: Path | None = None,
    shifts: Path | None = None,
    rules: Path | None = None,
    attribution: Path | None = None,
    review_odd: list[str] | None = None,
    review_even: list[str] | None = None,
) -> ReplayResult:
    """``kefu duty replay``: read the files, attribute orders, fire rules, write tasks.csv and messages.csv.

    Chats after ``until`` are not read: the live worker could not have known them.
    """
    rule_set = with_review_groups(load_rules(rules), review_odd or [], review_even or [])
    order_list, order_frame = duty_csv.read_orders(orders)
    if shifts is not None:
        table = duty_csv.read_shifts(shifts)
        codes = {s.code for s in table}
        evening = evening_codes_from_shifts((s.code, s.evening, s.night) for s in table)
        roster_view = RosterView.from_entries(duty_csv.read_roster(roster, codes), evening)
    else:
        roster_view = RosterView.from_entries(duty_csv.read_roster(roster))
    return_list = duty_csv.read_returns(returns) if returns is not None else []
    review_list = duty_csv.read_reviews(reviews) if reviews is not None else []
    if attribution is not None:
        duty_csv.read_messages(messages)  # validated all the same: a bad chat file is a bad input
        credit: Mapping[str, Attribution] = attribution_from_frame(duty_csv.read_attribution(attribution))
    else:
        credit = attribution_from_credit(duty_csv.read_messages(messages, until), order_frame)
    result = replay(rule_set, order_list, credit, roster_view, until,
                    returns=return_list, reviews=review_list, calendar=BusinessCalendar())
    out.mkdir(parents=True, exist_ok=True)
    duty_csv.write_tasks(out / "tasks.csv", result.tasks)
    duty_csv.write_messages(out / "messages.csv", result.messages)
    return result
