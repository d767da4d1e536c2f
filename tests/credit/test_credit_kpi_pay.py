"""KPI scoring (linear, capped), grades (thresholds, forced distribution, probation) and payslip lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kefu.credit.kpi import grade_all, parse_scheme, pick_version, score_items, shipped_scheme
from kefu.credit.pay import Ledger, payslip
from kefu.domain.errors import ErrorCode, KefuError

SCHEME = """
name: t
version: 2
valid_from: "2026-11"
cap: "1.2"
items:
  - {metric: sales_fen, weight: 60, target: 100000}
  - {metric: avg_resp_s, weight: 40, target: 30, lower_is_better: true}
grades: {by: thresholds, thresholds: [[90, A], [60, B], [0, C]]}
pay: {base_fen: 300000, point_fen: 1000, commission: "0.01", base_fen_by_agent: {senior: 400000}}
"""


def test_linear_to_target_and_capped() -> None:
    s = parse_scheme(SCHEME)
    items, total = score_items({"sales_fen": 150000, "avg_resp_s": Decimal("60")}, s)
    assert [(i.attainment, i.points) for i in items] == [
        (Decimal("1.2000"), Decimal("72.00")),
        (Decimal("0.5000"), Decimal("20.00")),
    ]
    assert total == Decimal("92.00")
    items, total = score_items({"sales_fen": 50000}, s)  # response time missing → 0 points
    assert total == Decimal("30.00")
    _, fast = score_items({"sales_fen": 100000, "avg_resp_s": 0}, s)
    assert fast == Decimal("108.00")


def test_grades_by_threshold_with_probation_excluded() -> None:
    s = parse_scheme(SCHEME)
    values = {"a": {"sales_fen": 150000, "avg_resp_s": 30}, "b": {"sales_fen": 80000, "avg_resp_s": 30},
              "c": {"sales_fen": 10000, "avg_resp_s": 90}, "new": {"sales_fen": 150000, "avg_resp_s": 30}}  # fmt: skip
    out = {x.agent: (x.total, x.grade, x.excluded) for x in grade_all(values, s, probation={"new"})}
    assert out == {
        "a": (Decimal("112.00"), "A", False),
        "b": (Decimal("88.00"), "B", False),
        "c": (Decimal("19.33"), "C", False),
        "new": (Decimal("112.00"), "", True),
    }


def test_forced_distribution_10_20_60_10() -> None:
    s = shipped_scheme("service_first")
    values = {f"a{i:02d}": {"fast_rate": Decimal(i) / 20} for i in range(20)}
    grades = {x.agent: x.grade for x in grade_all(values, s)}
    counts = {g: sum(1 for v in grades.values() if v == g) for g in ("优秀", "良好", "合格", "不合格")}
    assert counts == {"优秀": 2, "良好": 4, "合格": 12, "不合格": 2}
    assert grades["a19"] == "优秀" and grades["a00"] == "不合格"


def test_shipped_standard_scheme_weights() -> None:
    s = shipped_scheme("standard")
    assert [(i.metric, i.weight) for i in s.items] == [
        ("sales_fen", 30), ("inq_conv_pay_final", 20), ("aov_fen", 20), ("reply_rate", 20), ("avg_resp_s", 5), ("attendance", 5)
    ]  # fmt: skip
    assert sum(i.weight for i in s.items) == 100


def test_versions_pick_the_one_valid_for_the_month() -> None:
    v1 = parse_scheme(
        SCHEME.replace('version: 2\nvalid_from: "2026-11"', 'version: 1\nvalid_from: "2026-01"')
    )
    v2 = parse_scheme(SCHEME)
    assert pick_version([v1, v2], "2026-10").version == 1
    assert pick_version([v1, v2], "2026-11").version == 2
    with pytest.raises(KefuError):
        pick_version([v2], "2026-10")


@pytest.mark.parametrize(
    "bad",
    [
        SCHEME.replace("target: 100000", "target: 0"),
        SCHEME.replace("weight: 60", "weight: lots"),
        "items: []",
        SCHEME.replace(
            "grades: {by: thresholds, thresholds: [[90, A], [60, B], [0, C]]}",
            "grades: {by: distribution, distribution: [[A, '0.5'], [B, '0.4']]}",
        ),  # fmt: skip
        "- not a mapping",
    ],
)
def test_invalid_schemes(bad: str) -> None:
    with pytest.raises(KefuError) as info:
        parse_scheme(bad)
    assert info.value.code == ErrorCode.KPI_SCHEME_INVALID


def test_payslip_lines_and_evidence() -> None:
    s = parse_scheme(SCHEME)
    score = next(x for x in grade_all({"a": {"sales_fen": 150000, "avg_resp_s": 60}}, s) if x.agent == "a")
    slip = payslip("a", "2026-11", s, score, 150050, ["o1", "o2"],
                   [Ledger(7, -5000, "fine", "超时未回复", "conversation:9"), Ledger(8, 20000, "reward", "好评")],
                   overtime_fen=12345, overtime_evidence=["overtime:2026-11-11"])  # fmt: skip
    assert [(line.kind, line.amount_fen) for line in slip.lines] == [
        ("base", 300000), ("points", 92000), ("commission", 1501), ("overtime", 12345), ("fine", -5000), ("reward", 20000)
    ]  # fmt: skip
    assert slip.total_fen == 300000 + 92000 + 1501 + 12345 - 5000 + 20000
    assert slip.lines[2].evidence == ("order:o1", "order:o2")
    assert slip.lines[4].evidence == ("ledger:7", "conversation:9")


def test_probation_payslip_has_no_points_and_own_base() -> None:
    s = parse_scheme(SCHEME)
    score = grade_all({"senior": {"sales_fen": 100000}}, s, probation={"senior"})[0]
    slip = payslip("senior", "2026-11", s, score, 0, [])
    assert [(line.kind, line.amount_fen) for line in slip.lines][:2] == [("base", 400000), ("points", 0)]
    assert slip.excluded_from_kpi
