"""Plan API: forecast → requirement → intraday over HTTP, Erlang JSON, auth and validation."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.live import Conversation
from kefu.store.models.org import Shop


def _client(engine: Engine) -> TestClient:
    with session_factory(engine)() as session, session.begin():
        token = auth.create_token(session, "wfm")
        session.add(Shop(id="s1", name="店1"))
        session.flush()
        for i in range(14):
            d = date(2025, 9, 1) + timedelta(days=i)
            for k in range(6):
                session.add(
                    Conversation(
                        shop_id="s1",
                        buyer=f"b{i}-{k}",
                        group="售后",
                        opened_at=datetime(d.year, d.month, d.day, 10, 5 * k, tzinfo=SHOP_TZ),
                    )
                )
    return TestClient(create_app(engine), headers={"Authorization": f"Bearer {token}"})


def test_forecast_requirement_intraday_round_trip(engine: Engine) -> None:
    client = _client(engine)
    r = client.post(
        "/api/v1/plan/forecast", json={"shop": "s1", "skill": "售后", "start": "2025-09-15", "days": 2}
    )
    assert r.status_code == 200, r.text
    pts = r.json()["points"]
    assert [(p["interval_start"], p["forecast"]) for p in pts] == [
        ("2025-09-15T10:00:00+08:00", 6.0),
        ("2025-09-16T10:00:00+08:00", 6.0),
    ]
    r = client.post(
        "/api/v1/plan/requirement",
        json={
            "shop": "s1",
            "skill": "售后",
            "start": "2025-09-15",
            "days": 2,
            "target": {"aht_s": 600, "target_sl": 0.8, "target_s": 20},
        },
    )
    assert r.status_code == 200, r.text
    assert [p["required"] for p in r.json()["points"]] == [4, 4]
    got = client.get(
        "/api/v1/plan/forecast", params={"shop": "s1", "skill": "售后", "start": "2025-09-15", "days": 1}
    )
    assert got.json()["points"] == [
        {
            "interval_start": "2025-09-15T02:00:00+00:00",
            "forecast": 6.0,
            "p10": 2.861,  # a flat history: the band is Poisson noise alone, 6 ∓ 1.2816·√6
            "p90": 9.139,
            "required": 4,
        }
    ]
    day = client.get(
        "/api/v1/plan/intraday",
        params={
            "shop": "s1",
            "skill": "售后",
            "day": "2025-09-15",
            "now": "2025-09-15T09:00:00",
            "aht_s": 600,
        },
    )
    assert day.status_code == 200, day.text
    body = day.json()
    assert body["now_slot"] == 18 and body["multiplier"] == 1.0
    assert body["offers"] == [
        {
            "kind": "overtime",
            "start": "2025-09-15T10:00:00+08:00",
            "end": "2025-09-15T10:30:00+08:00",
            "agents": 4,
        }
    ]


def test_erlang_endpoint_and_errors(engine: Engine) -> None:
    client = _client(engine)
    r = client.post(
        "/api/v1/plan/erlang",
        json={
            "calls": 100,
            "interval_s": 1800,
            "aht_s": 180,
            "agents": 14,
            "target_s": 20,
            "patience_s": 300,
        },
    )
    assert r.json() == {
        "p_wait": 0.1452601,
        "service_level": 0.9167921,
        "asa_s": 4.1951232,
        "occupancy": 0.7042973,
        "p_abandon": 0.0139837,
    }
    assert (
        client.post("/api/v1/plan/erlang", json={"calls": -1, "aht_s": 180, "agents": 3}).status_code == 422
    )
    nohist = client.post("/api/v1/plan/forecast", json={"shop": "s1", "skill": "售前", "start": "2025-09-15"})
    assert nohist.status_code == 400 and nohist.json()["code"] == "FORECAST_NO_HISTORY"
    unknown = client.post("/api/v1/plan/forecast", json={"shop": "zz", "start": "2025-09-15"})
    assert unknown.status_code == 404
    anon = TestClient(create_app(engine)).post(
        "/api/v1/plan/forecast", json={"shop": "s1", "start": "2025-09-15"}
    )
    assert anon.status_code == 401


def test_forecast_settings_calendar_and_special_days(engine: Engine) -> None:
    client = _client(engine)
    base = "/api/v1/plan/forecast-settings/s1"
    assert client.get(base).json() == {"calendar": "CN", "special_days": [], "reports": {}}
    assert client.put(base + "/calendar", json={"calendar": "au-vic"}).json()["calendar"] == "AU-VIC"
    bad = client.put(base + "/calendar", json={"calendar": "Mars"})
    assert bad.status_code == 400 and bad.json()["code"] == "BAD_ARGUMENT"
    r = client.put(
        base + "/special-days", json={"day": "2025-11-10", "name": "双11预售夜", "kind": "presale"}
    )
    assert r.json()["special_days"] == [
        {"day": "2025-11-10", "name": "双11预售夜", "kind": "presale", "effect": None}
    ]
    assert (
        client.put(
            base + "/special-days", json={"day": "2025-11-10", "name": "x", "kind": "party"}
        ).status_code
        == 400
    )
    assert client.put(base + "/special-days", json={"day": "soon", "name": "x"}).status_code == 422
    assert client.delete(base + "/special-days/2025-11-10").json()["special_days"] == []
    assert client.delete(base + "/special-days/2025-11-10").status_code == 404
    assert client.get("/api/v1/plan/forecast-settings/zz").status_code == 404
    client.post(
        "/api/v1/plan/forecast", json={"shop": "s1", "skill": "售后", "start": "2025-09-15", "days": 2}
    )
    report = client.get(base).json()["reports"]["售后"]
    assert report["start"] == "2025-09-15" and report["chosen"] == "seasonal"
    assert [f["fold"] for f in report["folds"]] == ["2025-09-08"]
