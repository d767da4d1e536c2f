"""Rule files are validated into data: a wrong field is RULE_INVALID naming the rule and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kefu.domain.errors import ErrorCode, KefuError
from kefu.duty.rules import default_rules, load_rules, parse_rules


def test_defaults_are_the_seed_003_rules() -> None:
    rules = default_rules()
    assert [(r.id, r.trigger, r.delay_minutes) for r in rules.rules] == [
        ("pay_sms", "order_created", 15), ("pay_task", "order_created", 30), ("address_check", "order_paid", 0),
        ("return", "return_received", 0), ("review", "review_posted", 0)]
    sms = rules.get("pay_sms")
    assert (sms.conditions.unpaid, sms.conditions.amount_fen_gt, sms.action.channel) == (True, 800, "sms")
    assert rules.get("review").conditions.rating_in == ("neutral", "bad")
    assert [r.id for r in rules.for_trigger("order_created")] == ["pay_sms", "pay_task"]


def _rule(**change: object) -> dict:
    base = {"id": "r1", "trigger": "order_created", "delay_minutes": 5, "conditions": {"unpaid": True},
            "action": {"kind": "task", "task_type": "pay_reminder", "assign": {"by": "roster"},
                       "due": {"after_minutes": 10}}}
    base.update(change)
    return {"rules": [base]}


@pytest.mark.parametrize(("data", "field"), [
    ({"nope": []}, "rules"),
    (_rule(trigger="order_shipped"), "trigger"),
    (_rule(delay_minutes=-1), "delay_minutes"),
    (_rule(delay_minutes="15"), "delay_minutes"),
    (_rule(conditions={"unpaid": True, "weather": "rain"}), "conditions"),
    (_rule(conditions={"rating_in": ["awful"]}), "conditions.rating_in"),
    (_rule(action={"kind": "fax"}), "action.kind"),
    (_rule(action={"kind": "message", "channel": "pigeon"}), "action.channel"),
    (_rule(action={"kind": "task", "task_type": "laundry"}), "action.task_type"),
    (_rule(action={"kind": "task", "task_type": "return", "assign": {"by": "luck"}}), "action.assign.by"),
    (_rule(action={"kind": "task", "task_type": "return", "assign": {"by": "roster", "workday": "night"},
                   "due": {"after_minutes": 1}}), "action.assign"),
    (_rule(action={"kind": "task", "task_type": "return", "assign": {"by": "agent"},
                   "due": {"after_minutes": 1}}), "action.assign.agents"),
    (_rule(action={"kind": "task", "task_type": "review", "assign": {"by": "review_parity", "odd": ["a"]},
                   "due": {"after_minutes": 1}}), "action.assign"),
    (_rule(action={"kind": "task", "task_type": "return", "assign": {"by": "roster"},
                   "due": {"at_local": "25:99"}}), "action.due.at_local"),
    (_rule(action={"kind": "task", "task_type": "return", "assign": {"by": "roster"}}), "action.due"),
])
def test_bad_rules_name_the_field(data: dict, field: str) -> None:
    with pytest.raises(KefuError) as err:
        parse_rules(data)
    assert err.value.code is ErrorCode.RULE_INVALID
    assert err.value.details["field"] == field


def test_duplicate_ids_and_files(tmp_path: Path) -> None:
    twice = {"rules": _rule()["rules"] * 2}
    with pytest.raises(KefuError) as dup:
        parse_rules(twice)
    assert dup.value.details == {"rule": "r1", "field": "id"}
    custom = tmp_path / "rules.yaml"
    custom.write_text(yaml.safe_dump(_rule(delay_minutes=20), allow_unicode=True), encoding="utf-8")
    assert load_rules(custom).get("r1").delay_minutes == 20
    (tmp_path / "bad.yaml").write_text("rules: [", encoding="utf-8")
    with pytest.raises(KefuError) as bad:
        load_rules(tmp_path / "bad.yaml")
    assert bad.value.details["field"] == "yaml"
    with pytest.raises(KefuError):
        load_rules(tmp_path / "missing.yaml")
    with pytest.raises(KefuError):
        default_rules().get("nope")
