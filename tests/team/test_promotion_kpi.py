"""The promotion track reads the KPI results of the completed months (seed 004), on a simulated shop.

The yardstick is the month's KPI as the pay and performance pages compute it
(:func:`kefu.service.credit.actions_pay.month_pay`), month by month: the track must
show exactly those scores (probation: none), judge the score criterion on them,
and judge a goal on the figure of its latest completed month.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine, select

from kefu.credit.kpi import figure
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.credit.actions_pay import month_pay
from kefu.service.demo.actions import load_demo
from kefu.service.team import actions
from kefu.service.team.schemas import GoalIn
from kefu.store.db import session_factory
from kefu.store.models.org import Agent

NOW = datetime(2026, 11, 5, 12, tzinfo=SHOP_TZ)
BOSS = actions.Actor("boss", "admin")
MIN_SCORE = Decimal(90)  # the seed track's bar for 初级 → 中级, two latest months


def test_the_track_shows_and_judges_the_months_kpi(engine: Engine) -> None:
    load_demo(engine, seed=1, days=20, agents=4, start=date(2026, 9, 20))  # 20 September to 9 October
    with session_factory(engine)() as s, s.begin():
        shop = s.scalars(select(Agent.shop_id)).first()
        assert shop is not None
        kpi = {m: {x.agent: None if x.excluded else x.total for x in month_pay(s, m, shop_id=shop).scores}
               for m in ("2026-10", "2026-09")}  # fmt: skip
        october = month_pay(s, "2026-10", shop_id=shop).monthly.set_index("agent")
        agent = sorted(a for a, v in kpi["2026-10"].items() if v is not None)[0]
        actions.set_goal(s, BOSS, GoalIn(agent_id=agent, metric="reply_rate", label="回复率", norm=Decimal("0.5"),
                                         factor=Decimal("1.2"), start=date(2026, 10, 6)), now=NOW)  # fmt: skip
        rows = {r.agent_id: r for r in actions.team_promotions(s, BOSS, shop, now=NOW)}
        assert len(rows) == 4
        for a, row in rows.items():
            scores = [kpi["2026-10"].get(a), kpi["2026-09"].get(a)]
            assert [(m.month, m.score) for m in row.scores] == [
                ("2026-10", None if scores[0] is None else str(scores[0])),
                ("2026-09", None if scores[1] is None else str(scores[1])), ("2026-08", None)]  # fmt: skip  # August: no data
            good = sum(1 for x in scores if x is not None and x >= MIN_SCORE)
            assert (row.criteria[1].have, row.criteria[1].met) == (str(good), good == 2)
        assert any(v is None for v in kpi["2026-10"].values())  # the simulated shop has one probationer
        reply = figure(october.loc[agent, "reply_rate"])
        assert reply is not None
        assert rows[agent].goals_met == int(reply >= Decimal("0.6"))
        graded = [v for v in kpi["2026-10"].values() if v is not None]
        norm = actions.goal_norm(s, BOSS, shop, "kpi_total", now=NOW)
        assert (norm.month, norm.agents, norm.norm) == (
            "2026-10", len(graded), str((sum(graded, Decimal(0)) / len(graded)).quantize(Decimal("0.0001"))))
