"""The KPI scheme editor: a saved threshold moves the month's grades; bad schemes store nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.credit import actions_kpi
from kefu.service.credit.actions_pay import month_pay, pay
from kefu.store.models.commerce import Order
from kefu.store.models.live import Event, Message
from kefu.store.models.org import Agent, RuleVersion

AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _t(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh - 8, mm, tzinfo=UTC)  # shop time → UTC


def _seed(session: Session) -> None:
    """kf01 sells ¥200, kf03 ¥100 in November (one chat and one paid order each)."""
    session.add_all([Agent(id="kf01", name="一号"), Agent(id="kf03", name="三号")])
    session.flush()
    for buyer, agent, day, order, fen in (("甲", "kf01", 3, "A1", 20000), ("乙", "kf03", 4, "B1", 10000)):
        session.add_all([
            Message(shop_id="s1", buyer=buyer, agent_id=agent, ts=_t(day, 10), direction="in", text="在吗"),
            Message(shop_id="s1", buyer=buyer, agent_id=agent, ts=_t(day, 10, 1), direction="out", text="在"),
            Order(id=order, shop_id="s1", buyer=buyer, created_at=_t(day, 10, 30), paid_at=_t(day, 10, 40),
                  amount_fen=fen, status="交易成功"),
        ])  # fmt: skip
    session.flush()


def _doc(pass_mark: int, valid_from: str = "2026-11") -> dict[str, Any]:
    return {"valid_from": valid_from, "items": [{"metric": "sales_fen", "label": "销售额", "weight": 100,
                                                  "target": 20000}],
            "grades": {"by": "thresholds", "thresholds": [[100, "优秀"], [pass_mark, "合格"], [0, "不合格"]]},
            "pay": {"base_fen": 300000, "point_fen": 100}}  # fmt: skip


def _grades(session: Session, month: str = "2026-11") -> dict[str, tuple[str, str]]:
    got = pay(session, _Sup(), month, "shop")
    return {g.agent: (g.score, g.grade) for g in got.grades}


class _Sup:
    role = "supervisor"
    agent_id = None


def test_editing_a_threshold_moves_grades(session: Session) -> None:
    _seed(session)
    first = actions_kpi.save_kpi_scheme(session, "shop", _doc(60), by="demo", now=AT)
    assert (first.version, first.valid_from, first.saved_by) == (1, "2026-11", "demo")
    assert _grades(session) == {"kf01": ("100.00", "优秀"), "kf03": ("50.00", "不合格")}
    second = actions_kpi.save_kpi_scheme(session, "shop", _doc(50), by="demo", now=AT)
    assert [v.version for v in second.versions] == [2, 1]
    assert _grades(session) == {"kf01": ("100.00", "优秀"), "kf03": ("50.00", "合格")}
    assert month_pay(session, "2026-11", "shop").scheme.version == 2
    saved = session.scalars(select(Event).where(Event.kind == "kpi_scheme.saved").order_by(Event.id)).all()
    assert [(e.subject, e.actor, e.data["version"], e.data["thresholds"]) for e in saved] == [
        ("kpi_scheme:shop", "demo", 1, [["100", "优秀"], ["60", "合格"], ["0", "不合格"]]),
        ("kpi_scheme:shop", "demo", 2, [["100", "优秀"], ["50", "合格"], ["0", "不合格"]]),
    ]


def test_a_version_valid_from_a_later_month_leaves_earlier_months_alone(session: Session) -> None:
    _seed(session)
    actions_kpi.save_kpi_scheme(session, "shop", _doc(60), by="demo", now=AT)
    actions_kpi.save_kpi_scheme(session, "shop", _doc(10, "2026-12"), by="demo", now=AT)
    assert _grades(session)["kf03"] == ("50.00", "不合格")
    assert month_pay(session, "2026-11", "shop").scheme.version == 1


def test_the_editor_starts_from_the_shipped_scheme(session: Session) -> None:
    shown = actions_kpi.kpi_scheme(session, "standard")
    assert (shown.version, shown.versions, shown.doc["grades"]["thresholds"][1]) == (0, [], [90, "良好"])
    assert "fast_rate" in shown.metrics and "csat" in shown.metrics


@pytest.mark.parametrize(("change", "message"), [
    ({"items": [{"metric": "sales_fen", "weight": 90, "target": 20000}]}, "invalid KPI scheme: weights sum to 90, not 100"),
    ({"items": [{"metric": "charm", "weight": 100, "target": 1}]}, "invalid KPI scheme: unknown metrics ['charm']"),
    ({"grades": {"by": "thresholds", "thresholds": []}},
     "invalid KPI scheme: grading by thresholds needs at least one threshold"),
    ({"grades": {"by": "thresholds", "thresholds": [["高", "优秀"]]}}, "invalid KPI scheme: threshold is not a number: '高'"),
    ({"valid_from": "2026-13"}, "argument month: month must be YYYY-MM: '2026-13'"),
    ({"valid_from": "11"}, "invalid KPI scheme: valid_from must be YYYY-MM: '11'"),
])  # fmt: skip
def test_bad_schemes_store_nothing(session: Session, change: dict[str, Any], message: str) -> None:
    with pytest.raises(KefuError) as err:
        actions_kpi.save_kpi_scheme(session, "shop", {**_doc(60), **change}, by="demo", now=AT)
    assert err.value.message_en == message
    assert err.value.message.startswith(("绩效方案无效", "参数"))  # Chinese first
    assert session.scalars(select(RuleVersion)).all() == []
    assert session.scalars(select(Event)).all() == []


def test_bad_names_are_refused(session: Session) -> None:
    with pytest.raises(KefuError) as err:
        actions_kpi.save_kpi_scheme(session, "My Scheme", _doc(60), by="demo", now=AT)
    assert err.value.code == ErrorCode.BAD_ARGUMENT
    with pytest.raises(KefuError) as missing:
        actions_kpi.kpi_scheme(session, "nosuch")
    assert missing.value.code == ErrorCode.NOT_FOUND
