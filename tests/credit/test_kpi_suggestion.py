"""Grade thresholds reviewed against the shop's own month (issue 20 item 3, seed 004): cut where a
10/20/60/10 forced distribution cuts, halfway between neighbours, so grading by them reproduces it."""

from __future__ import annotations

from decimal import Decimal

from kefu.credit.kpi import SEED_004_SHARES, grade_all, parse_scheme, suggest_thresholds

D = Decimal
TOTALS = [D("58.10"), D("57.20"), D("56.90"), D("56.00"), D("55.50"), D("55.00"), D("54.20"), D("53.80"),
          D("53.10"), D("52.00")]  # fmt: skip


def test_ten_agents_get_a_few_excellent_some_good_most_meeting_a_few_failing() -> None:
    lines = suggest_thresholds(list(reversed(TOTALS)))  # any order in
    assert lines == ((D("57.7"), "优秀"), (D("56.5"), "良好"), (D("52.6"), "合格"), (D(0), "不合格"))
    graded = [next(g for t, g in lines if x >= t) for x in TOTALS]
    assert [graded.count(g) for g, _ in SEED_004_SHARES] == [1, 2, 6, 1]


def test_the_suggestion_grades_as_the_forced_distribution_does() -> None:
    """The same agents get the same grades from the suggested lines as from ranking with 10/20/60/10."""
    items = "items: [{metric: sales_fen, weight: 100, target: 100}]\n"
    forced = parse_scheme(items + "grades: {by: distribution, distribution: [[优秀, '0.1'], [良好, '0.2'], "
                          "[合格, '0.6'], [不合格, '0.1']]}")  # fmt: skip
    values = {f"kf{i:02d}": {"sales_fen": str(t)} for i, t in enumerate(TOTALS)}
    by_rank = {s.agent: s.grade for s in grade_all(values, forced)}
    lines = suggest_thresholds([s.total for s in grade_all(values, forced)])
    doc = items + "grades: {by: thresholds, thresholds: " + str([[str(t), g] for t, g in lines]) + "}"
    assert {s.agent: s.grade for s in grade_all(values, parse_scheme(doc))} == by_rank


def test_ties_share_a_grade_and_small_teams_leave_groups_empty() -> None:
    assert suggest_thresholds([D(60), D(60), D(50)]) == (
        (D("60.1"), "优秀"), (D(60), "良好"), (D(50), "合格"), (D(0), "不合格"))
    lone = suggest_thresholds([D("55.55")])  # one agent: 合格, the lines above stay strictly falling
    assert lone == ((D("55.7"), "优秀"), (D("55.69"), "良好"), (D("55.55"), "合格"), (D(0), "不合格"))
    assert suggest_thresholds([]) == ()
