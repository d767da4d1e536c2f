"""KPI schemes as versioned data, scoring (linear to target, capped) and grades.

Why data: shops change weights and targets every month; a scheme is a YAML document
(shipped ones in ``kefu/credit/schemes``, or stored by the service) with a version and
the month it applies from, so a past month is always scored with the scheme it had.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from importlib import resources
from typing import Any

import yaml

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import month_bounds


def _invalid(zh: str, en: str, **details: Any) -> KefuError:
    return KefuError(
        ErrorCode.KPI_SCHEME_INVALID, f"绩效方案无效: {zh}", f"invalid KPI scheme: {en}", details
    )


def _dec(value: object, what: str) -> Decimal:
    try:
        out = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise _invalid(f"{what} 不是数字: {value!r}", f"{what} is not a number: {value!r}") from exc
    if not out.is_finite():
        raise _invalid(f"{what} 不是有限数字", f"{what} is not finite")
    return out


@dataclass(frozen=True)
class KpiItem:
    metric: str
    label: str
    weight: Decimal
    target: Decimal
    lower_is_better: bool = False


@dataclass(frozen=True)
class Scheme:
    name: str
    version: int
    valid_from: str  # YYYY-MM
    items: tuple[KpiItem, ...]
    cap: Decimal = Decimal("1.2")
    grade_by: str = "thresholds"  # thresholds | distribution
    thresholds: tuple[tuple[Decimal, str], ...] = ()
    distribution: tuple[tuple[str, Decimal], ...] = ()
    base_fen: int = 0
    point_fen: int = 0
    commission: Decimal = Decimal(0)
    base_fen_by_agent: dict[str, int] = field(default_factory=dict)


def parse_scheme(doc: dict[str, Any] | str) -> Scheme:
    """A YAML text or mapping → Scheme; every problem is KPI_SCHEME_INVALID with the reason."""
    if isinstance(doc, str):
        try:
            doc = yaml.safe_load(doc)
        except yaml.YAMLError as exc:
            raise _invalid("YAML 无法解析", f"unreadable YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise _invalid("应为映射", "must be a mapping")
    items = []
    for i, raw in enumerate(doc.get("items") or []):
        if not isinstance(raw, dict) or "metric" not in raw:
            raise _invalid(f"第{i + 1}项缺少 metric", f"item {i + 1} has no metric")
        target = _dec(raw.get("target"), f"{raw['metric']}.target")
        weight = _dec(raw.get("weight"), f"{raw['metric']}.weight")
        if target <= 0 or weight < 0:
            raise _invalid(
                f"{raw['metric']}: 目标须大于 0, 权重不能为负",
                f"{raw['metric']}: target must be > 0, weight ≥ 0",
            )
        items.append(KpiItem(str(raw["metric"]), str(raw.get("label", raw["metric"])), weight, target,
                             bool(raw.get("lower_is_better", False))))  # fmt: skip
    if not items:
        raise _invalid("没有考核项", "no items")
    grades = doc.get("grades") or {"by": "thresholds", "thresholds": []}
    by = grades.get("by", "thresholds")
    thresholds = tuple(
        sorted(((_dec(t[0], "threshold"), str(t[1])) for t in grades.get("thresholds", [])), reverse=True)
    )
    distribution = tuple((str(g[0]), _dec(g[1], "share")) for g in grades.get("distribution", []))
    if by == "distribution" and sum(s for _, s in distribution) != 1:
        raise _invalid("强制分布比例之和必须为 1", "forced distribution shares must sum to 1")
    if by not in ("thresholds", "distribution"):
        raise _invalid(f"未知评级方式 {by}", f"unknown grading {by}")
    pay = doc.get("pay") or {}
    cap = _dec(doc.get("cap", "1.2"), "cap")
    if cap < 1:
        raise _invalid("封顶不能低于 100%", "cap must be at least 1")
    return Scheme(
        name=str(doc.get("name", "")), version=int(doc.get("version", 1)), valid_from=str(doc.get("valid_from", "")),
        items=tuple(items), cap=cap, grade_by=by, thresholds=thresholds, distribution=distribution,
        base_fen=int(pay.get("base_fen", 0)), point_fen=int(pay.get("point_fen", 0)),
        commission=_dec(pay.get("commission", 0), "commission"),
        base_fen_by_agent={str(k): int(v) for k, v in (pay.get("base_fen_by_agent") or {}).items()},
    )  # fmt: skip


def shipped_scheme(name: str) -> Scheme:
    """One of the YAML schemes shipped with kefu (standard, service_first)."""
    return parse_scheme(shipped_scheme_doc(name))


def shipped_scheme_doc(name: str) -> dict[str, Any]:
    """A shipped scheme as a plain document (what the scheme editor starts from)."""
    path = resources.files("kefu.credit").joinpath("schemes", f"{name}.yaml")
    if not name.isidentifier() or not path.is_file():
        raise KefuError(
            ErrorCode.NOT_FOUND, f"未找到绩效方案 {name}", f"KPI scheme not found: {name}", {"scheme": name}
        )
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return doc


def check_editable(doc: dict[str, Any], metrics: set[str]) -> Scheme:
    """A scheme saved from the editor: parsed, and also whole — known metrics, weights summing to
    100, at least one threshold when graded by thresholds, ``valid_from`` a month."""
    scheme = parse_scheme(doc)
    unknown = sorted({i.metric for i in scheme.items} - metrics)
    if unknown:
        raise _invalid(f"未知指标 {unknown}", f"unknown metrics {unknown}", metrics=unknown)
    if len({i.metric for i in scheme.items}) != len(scheme.items):
        raise _invalid("指标重复", "a metric appears twice")
    total = sum((i.weight for i in scheme.items), Decimal(0))
    if total != 100:
        raise _invalid(f"权重之和为 {total}, 应为 100", f"weights sum to {total}, not 100", weights=str(total))
    if scheme.grade_by == "thresholds" and not scheme.thresholds:
        raise _invalid("按分数评级需要至少一个分数线", "grading by thresholds needs at least one threshold")
    if len(scheme.valid_from) != 7:
        raise _invalid(f"生效月份应为 YYYY-MM: {scheme.valid_from!r}", f"valid_from must be YYYY-MM: {scheme.valid_from!r}")
    month_bounds(scheme.valid_from)  # a month that exists and is in range
    return scheme


def prorated(scheme: Scheme, share: Decimal, additive: frozenset[str]) -> Scheme:
    """The scheme for a month in progress: the targets of figures that add up over the month (sales,
    orders, receptions…) scaled to the share of the month gone by.

    Why: "30 万元 a month" judged on the 7th against a week's sales grades every agent 不合格 while
    they are on pace; rates (conversion, reply rate) need no scaling. A whole month (share 1) is unchanged.
    """
    if share >= 1:
        return scheme
    items = tuple(replace(i, target=i.target * share) if i.metric in additive else i for i in scheme.items)
    return replace(scheme, items=items)


# seed 004: "让小部分的人达到优秀, 部分人达到良好, 大多数人ok, 一小部分人不合格"
SEED_004_SHARES: tuple[tuple[str, Decimal], ...] = (
    ("优秀", Decimal("0.1")), ("良好", Decimal("0.2")), ("合格", Decimal("0.6")), ("不合格", Decimal("0.1")))
_STEP = Decimal("0.1")
_NUDGE = Decimal("0.01")  # scores are kept to 0.01 points


def split_points(n: int, shares: tuple[tuple[str, Decimal], ...]) -> list[int]:
    """How many of ``n`` ranked agents fall in each grade group and above: the cumulative cut indexes
    (the same rounding as grading by forced distribution, so a suggestion reproduces it)."""
    cuts, cum = [], Decimal(0)
    for _, share in shares:
        cum += share
        cuts.append(int((cum * n).quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    return cuts


def suggest_thresholds(totals: list[Decimal], shares: tuple[tuple[str, Decimal], ...] = SEED_004_SHARES
                       ) -> tuple[tuple[Decimal, str], ...]:  # fmt: skip
    """Score thresholds that fit a shop's own month: cut where the forced distribution would cut.

    Why: a scheme's thresholds come from another shop's sheet (100/90/70) and can grade a whole
    team 不合格; seed 004 asks for a few 优秀, some 良好, most 合格, a few 不合格. Each cut sits
    halfway between the last score inside a group and the first below it (to 0.1 points, kept
    strictly between the two), so the month graded by the suggestion gets the distribution and
    later months are graded by fixed, explainable lines. Tied scores share a grade; an empty
    group's line sits just above the group below; the last grade's line is 0. No scores: none.
    """
    ranked = sorted(totals, reverse=True)
    n, out = len(ranked), []
    if not n or not shares:
        return ()
    previous: Decimal | None = None
    for (grade, _), cut in zip(shares[:-1], split_points(n, shares)[:-1], strict=True):
        if cut <= 0:
            line = (ranked[0] + _STEP).quantize(_STEP, rounding=ROUND_HALF_UP)  # above everyone
        elif cut >= n:
            line = ranked[-1]
        else:
            hi, lo = ranked[cut - 1], ranked[cut]
            mid = ((hi + lo) / 2).quantize(_STEP, rounding=ROUND_HALF_UP)
            line = mid if lo < mid <= hi else hi
        if previous is not None and line >= previous:
            line = previous - _NUDGE  # strictly falling: the lines stay in the grades' order
        out.append((line, grade))
        previous = line
    last = Decimal(0) if previous is None or previous > 0 else previous - _NUDGE
    return (*out, (last, shares[-1][0]))


def pick_version(schemes: list[Scheme], month: str) -> Scheme:
    """The latest version valid for ``month`` (YYYY-MM)."""
    valid = [s for s in schemes if s.valid_from <= month]
    if not valid:
        raise _invalid(f"{month} 没有生效的方案版本", f"no scheme version valid in {month}")
    return max(valid, key=lambda s: (s.valid_from, s.version))


@dataclass(frozen=True)
class ItemScore:
    metric: str
    value: Decimal | None
    attainment: Decimal  # value ÷ target (or target ÷ value), capped
    points: Decimal  # attainment × weight


@dataclass(frozen=True)
class AgentScore:
    agent: str
    items: tuple[ItemScore, ...]
    total: Decimal
    grade: str  # "" for agents excluded (probation)
    excluded: bool = False


def figure(raw: object) -> Decimal | None:
    """A metric value as a Decimal; ``None`` when missing.

    Why NaN counts as missing: a figure some agents lack (no survey, no roster)
    comes out of a pandas column as float NaN, and ``Decimal('NaN')`` raises
    ``InvalidOperation`` on the first comparison: one missing figure took the
    whole month's report down.
    """
    if raw is None:
        return None
    value = Decimal(str(raw))
    return value if value.is_finite() else None


def score_items(values: dict[str, object], scheme: Scheme) -> tuple[tuple[ItemScore, ...], Decimal]:
    """Linear to target, capped: higher-is-better value/target, lower-is-better target/value; missing → 0."""
    out = []
    q = Decimal("0.01")
    for item in scheme.items:
        value = figure(values.get(item.metric))
        if value is None:
            att = Decimal(0)
        elif item.lower_is_better:
            att = scheme.cap if value <= 0 else min(item.target / value, scheme.cap)
        else:
            att = max(min(value / item.target, scheme.cap), Decimal(0))
        att = att.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        out.append(
            ItemScore(item.metric, value, att, (att * item.weight).quantize(q, rounding=ROUND_HALF_UP))
        )
    return tuple(out), sum((i.points for i in out), Decimal(0))


def grade_all(
    values: dict[str, dict[str, object]], scheme: Scheme, probation: set[str] | frozenset[str] = frozenset()
) -> list[AgentScore]:
    """Score every agent, then grade those not on probation (thresholds or forced distribution)."""
    scored = {a: score_items(v, scheme) for a, v in values.items()}
    ranked = sorted((a for a in scored if a not in probation), key=lambda a: (-scored[a][1], a))
    grades: dict[str, str] = {}
    if scheme.grade_by == "thresholds":
        for a in ranked:
            grades[a] = next((g for t, g in scheme.thresholds if scored[a][1] >= t), "")
    else:
        start = 0
        for (g, _), end in zip(scheme.distribution, split_points(len(ranked), scheme.distribution), strict=True):
            for a in ranked[start:end]:
                grades[a] = g
            start = end
    return [
        AgentScore(a, scored[a][0], scored[a][1], grades.get(a, ""), a in probation) for a in sorted(scored)
    ]
