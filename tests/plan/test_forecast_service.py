"""Plan service on a real database: forecast from stored conversations, requirement, roster coverage, intraday."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.plan import actions as plan
from kefu.store.models.live import Conversation
from kefu.store.models.org import Agent, Shop
from kefu.store.models.plan import Forecast, RosterEntry, ShiftTemplate


def _seed(session: Session) -> None:
    session.add(Shop(id="s1", name="店1"))
    session.flush()
    rows = []
    for i in range(21):  # 1–21 Sep 2025: 4 conversations in every half hour 09:00–12:00 local
        d = date(2025, 9, 1) + timedelta(days=i)
        for h in (9, 10, 11):
            for m in (0, 30):
                for k in range(4):
                    ts = datetime(d.year, d.month, d.day, h, m + k, tzinfo=SHOP_TZ)
                    rows.append(
                        Conversation(shop_id="s1", buyer=f"b{i}{h}{m}{k}", group="售前", opened_at=ts)
                    )
    session.add_all(rows)
    session.flush()


def test_forecast_requirement_and_intraday(session: Session) -> None:
    _seed(session)
    points = plan.forecast_shop(session, "s1", date(2025, 9, 22), 7, skill="售前")
    assert len(points) == 7 * 6  # every day open 09:00–12:00 (history had every day)
    assert points[0].interval_start == datetime(2025, 9, 22, 9, 0, tzinfo=SHOP_TZ)
    assert {p.forecast for p in points} == {4.0}
    again = plan.forecast_shop(session, "s1", date(2025, 9, 22), 7, skill="售前")
    assert len(again) == 42
    assert session.scalar(select(func.count()).select_from(Forecast)) == 42  # replaced, not duplicated
    stored = plan.stored_forecast(session, "s1", date(2025, 9, 22), 1, skill="售前")
    assert stored[0].interval_start == datetime(2025, 9, 22, 1, 0, tzinfo=UTC)

    req = plan.requirement(
        session,
        "s1",
        date(2025, 9, 22),
        1,
        skill="售前",
        target=plan.StaffingTarget(aht_s=900, target_sl=0.8, target_s=20, shrinkage=0.2),
    )
    # 4 calls × 900 s / 1800 s = 2 Erlangs → 4 agents for 80/20 (SL 0.834; 3 give 0.565) → 4 ÷ 0.8 = 5
    assert [p.required for p in req] == [5] * 6
    assert stored[0].required_agents == 5.0

    session.add(Agent(id="a1", name="甲", shop_id="s1"))
    session.add(Agent(id="a2", name="乙", shop_id="s1"))
    session.add(ShiftTemplate(shop_id="s1", code="早", start="09:00", end="11:00"))
    session.flush()
    session.add(
        RosterEntry(
            shop_id="s1",
            agent_id="a1",
            day=date(2025, 9, 22),
            shift_code="早",
            skill="售前",
            breaks=[{"kind": "short", "start": "10:00", "end": "10:15"}],
        )
    )
    session.add(
        RosterEntry(shop_id="s1", agent_id="a2", day=date(2025, 9, 22), shift_code="早", skill="售前")
    )
    session.flush()
    on = plan.scheduled_agents(session, "s1", date(2025, 9, 22), skill="售前")
    assert on[18:22].tolist() == [2, 2, 1, 2] and on[22:24].tolist() == [0, 0]

    # today so far (till 10:00): 8 per half hour instead of 4
    for h, m in ((9, 0), (9, 30)):
        for k in range(8):
            session.add(
                Conversation(
                    shop_id="s1",
                    buyer=f"t{h}{m}{k}",
                    group="售前",
                    opened_at=datetime(2025, 9, 22, h, m + k, tzinfo=SHOP_TZ),
                )
            )
    session.flush()
    view = plan.intraday(
        session,
        "s1",
        date(2025, 9, 22),
        datetime(2025, 9, 22, 10, 0, tzinfo=SHOP_TZ),
        skill="售前",
        target=plan.StaffingTarget(aht_s=900),
    )
    # κ = 0.15 × 24 = 3.6; m = (3.6 + 16) / (3.6 + 8) = 1.689655…
    assert view["multiplier"] == pytest.approx(19.6 / 11.6, abs=1e-6)
    refc = view["reforecast"]
    assert (
        isinstance(refc, list)
        and refc[18:20] == [8.0, 8.0]
        and refc[20] == pytest.approx(4 * 19.6 / 11.6, abs=1e-3)
    )
    offers = view["offers"]
    assert isinstance(offers, list) and offers[0]["kind"] == "overtime"
    assert offers[0]["start"] == "2025-09-22T10:00:00+08:00"


def test_forecast_without_history_and_unknown_shop(session: Session) -> None:
    session.add(Shop(id="s2", name="空店"))
    session.flush()
    with pytest.raises(KefuError) as err:
        plan.forecast_shop(session, "s2", date(2025, 9, 22))
    assert err.value.code is ErrorCode.FORECAST_NO_HISTORY
    with pytest.raises(KefuError) as err:
        plan.requirement(session, "s2", date(2025, 9, 22))
    assert err.value.code is ErrorCode.FORECAST_NO_HISTORY
    with pytest.raises(KefuError) as err:
        plan.forecast_shop(session, "nope", date(2025, 9, 22))
    assert err.value.code is ErrorCode.NOT_FOUND
    assert np.array_equal(
        plan.scheduled_agents(session, "s2", date(2025, 9, 22)), np.zeros(48, dtype=np.int64)
    )


def test_cli_forecast_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from kefu.cli import app
    from kefu.config import get_settings
    from kefu.store.db import make_engine, session_factory
    from kefu.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade(url)
    eng = make_engine(url)
    with session_factory(eng)() as s, s.begin():
        _seed(s)
    eng.dispose()
    monkeypatch.setenv("KEFU_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        args = ["forecast", "shop", "--shop", "s1", "--skill", "售前", "--start", "2025-09-22", "--days", "2"]
        ok = runner.invoke(app, [*args, "--aht-s", "900"])
        assert ok.exit_code == 0, ok.output
        assert (
            ok.stdout.strip()
            == "12 intervals stored; forecast 48 contacts; peak 4 agents at 2025-09-22 09:00"
        )
        bad = runner.invoke(app, ["forecast", "shop", "--shop", "zz", "--start", "2025-09-22"])
        assert isinstance(bad.exception, KefuError) and bad.exception.code is ErrorCode.NOT_FOUND
    finally:
        get_settings.cache_clear()


def test_shop_calendar_special_days_and_their_learned_effect(session: Session) -> None:
    from kefu.service.plan import actions_settings as forecast_shop

    _seed(session)
    extra = [  # the live-stream day of 10 Sep doubled every half hour
        Conversation(
            shop_id="s1",
            buyer=f"x{h}{m}{k}",
            group="售前",
            opened_at=datetime(2025, 9, 10, h, m + k, 30, tzinfo=SHOP_TZ),
        )
        for h in (9, 10, 11)
        for m in (0, 30)
        for k in range(4)
    ]
    session.add_all(extra)
    session.flush()
    assert forecast_shop.set_calendar(session, "s1", "au-vic").calendar == "AU-VIC"
    with pytest.raises(KefuError) as err:
        forecast_shop.set_calendar(session, "s1", "XX")
    assert err.value.code is ErrorCode.BAD_ARGUMENT
    forecast_shop.set_calendar(session, "s1", "none")
    forecast_shop.set_special_day(session, "s1", date(2025, 9, 10), "直播", "promotion")
    forecast_shop.set_special_day(session, "s1", date(2025, 9, 24), "直播", "promotion")
    for bad in ({"name": " ", "kind": "promotion"}, {"name": "x", "kind": "party"}):
        with pytest.raises(KefuError):
            forecast_shop.set_special_day(session, "s1", date(2025, 9, 25), **bad)
    points = plan.forecast_shop(session, "s1", date(2025, 9, 22), 7, skill="售前")
    by_day = {p.interval_start.date(): p.forecast for p in points}
    assert by_day[date(2025, 9, 23)] == 4.0 and by_day[date(2025, 9, 24)] == 8.0  # the learned ×2
    got = forecast_shop.settings(session, "s1")
    assert [(d.day, d.effect) for d in got.special_days] == [
        (date(2025, 9, 10), 2.0),
        (date(2025, 9, 24), 2.0),
    ]
    report = got.reports["售前"]
    assert report.start == "2025-09-22" and [f.fold for f in report.folds] == ["2025-09-08", "2025-09-15"]
    stored = plan.stored_forecast(session, "s1", date(2025, 9, 23), 1, skill="售前")
    assert (stored[0].p10, stored[0].forecast, stored[0].p90) == (1.437, 4.0, 6.563)  # 4 ∓ 1.2816·√4
    tgt = plan.StaffingTarget(aht_s=900)
    need = [
        plan.requirement(session, "s1", date(2025, 9, 23), 1, skill="售前", target=tgt, quantile=q)[
            0
        ].required
        for q in (0.5, 0.9)
    ]
    assert need == [4, 6]  # 2 Erlangs at P50; 6.563 × 900 ÷ 1800 = 3.3 Erlangs at P90
    with pytest.raises(KefuError):
        plan.requirement(session, "s1", date(2025, 9, 23), 1, skill="售前", quantile=0.99)
    forecast_shop.remove_special_day(session, "s1", date(2025, 9, 24))
    with pytest.raises(KefuError) as err:
        forecast_shop.remove_special_day(session, "s1", date(2025, 9, 24))
    assert err.value.code is ErrorCode.NOT_FOUND
