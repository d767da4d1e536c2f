"""Every date and time the API reads is bounded in one place: out of range is a 4xx, never a 500 (issue 15, hole 15).

Dates such as ``9999-12-31`` or ``0001-01-01`` parse, but the arithmetic after
them (``start + days``, a shift into the shop's zone) overflowed: OverflowError,
answered 500. The bound is ``kefu.domain.timeutil.FIRST_DAY``–``LAST_DAY`` for
parsed text and ``kefu.service.schemas.Day`` for typed fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, get_args

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Engine, create_engine

from kefu.api.app import create_app
from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import parse_aware, parse_day
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from support import api_routes

BASE = "http://testserver"
PW = "kefu-Bounds-2026!"
FAR, EARLY = "9999-12-31", "0001-01-01"


@pytest.fixture
def clients(engine: Engine) -> Iterator[dict[str, TestClient]]:
    with session_factory(engine)() as s, s.begin():
        token = auth.create_token(s, "probe")
        auth.create_user(s, "boss", PW, "supervisor")
    app = create_app(engine)
    integration = TestClient(app, base_url=BASE, raise_server_exceptions=False,
                             headers={"Authorization": f"Bearer {token}"})
    assert integration.post("/api/v1/agents", json={"id": "a1", "skills": ["售前"], "capacity": 2}).status_code == 201
    boss = TestClient(app, base_url=BASE, raise_server_exceptions=False, headers={"Origin": BASE})
    assert boss.post("/api/v1/auth/login", json={"username": "boss", "password": PW}).status_code == 200
    yield {"integration": integration, "boss": boss}


GETS = [
    ("integration", f"/api/v1/plan/forecast?shop=s1&start={FAR}&days=42"),
    ("integration", f"/api/v1/plan/forecast?shop=s1&start={EARLY}"),
    ("integration", f"/api/v1/plan/intraday?shop=s1&day={EARLY}"),
    ("integration", f"/api/v1/plan/intraday?shop=s1&day={FAR}"),
    ("integration", f"/api/v1/plan/intraday?shop=s1&day=2026-11-11&now={EARLY}T00:00:00%2B08:00"),
    ("integration", f"/api/v1/roster?shop=s1&start={FAR}"),
    ("integration", f"/api/v1/agents/a1/worktime?day={FAR}"),
    ("integration", f"/api/v1/agents/a1/worktime?day={EARLY}"),
    ("integration", f"/api/v1/overview?day={FAR}"),
    ("boss", f"/api/v1/care/service-stats?day={FAR}"),
    ("boss", f"/api/v1/care/logbook?shop_id=s1&book=complaint&start={EARLY}&end={FAR}"),
    ("boss", f"/api/v1/care/ledger?start={EARLY}&end={FAR}"),
    ("boss", "/api/v1/credit/leaderboard?month=9999-12"),
    ("boss", "/api/v1/credit/pay?month=0000-12"),
]

POSTS: list[tuple[str, str, dict[str, Any]]] = [
    ("integration", "/api/v1/plan/forecast", {"shop": "s1", "start": FAR, "days": 42}),
    ("integration", "/api/v1/plan/requirement", {"shop": "s1", "start": FAR, "days": 42}),
    ("integration", "/api/v1/roster/plan", {
        "start": FAR, "days": 7, "agents": [{"agent": "a1", "skills": ["售前"]}],
        "shifts": [{"code": "D", "start": "09:00", "end": "18:00"}]}),
    ("boss", "/api/v1/agents/a1/overtime", {"day": FAR}),
    ("boss", "/api/v1/agents/a1/comp-leave", {"day": EARLY, "minutes": 60}),
    ("integration", "/api/v1/tasks/events/returns", {"order_id": "o1", "received_at": f"{FAR}T23:00:00+00:00"}),
]


@pytest.mark.parametrize(("who", "url"), GETS)
def test_out_of_range_dates_in_queries_are_4xx(clients: dict[str, TestClient], who: str, url: str) -> None:
    r = clients[who].get(url)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert r.json()["code"] in ("BAD_REQUEST", "BAD_ARGUMENT")


@pytest.mark.parametrize(("who", "url", "body"), POSTS)
def test_out_of_range_dates_in_bodies_are_4xx(clients: dict[str, TestClient], who: str, url: str,
                                              body: dict[str, Any]) -> None:
    r = clients[who].post(url, json=body)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert r.json()["code"] in ("BAD_REQUEST", "BAD_ARGUMENT")


def test_a_message_time_out_of_range_is_4xx_and_nothing_is_stored(clients: dict[str, TestClient]) -> None:
    client = clients["integration"]
    cid = client.post("/api/v1/conversations", json={"shop": "s1", "buyer": "b1", "group": "售前"}).json()["id"]
    r = client.post(f"/api/v1/conversations/{cid}/messages",
                    json={"direction": "in", "text": "早", "ts": f"{EARLY}T00:00:00+08:00"})
    assert r.status_code == 400 and r.json()["code"] == "BAD_ARGUMENT"
    assert r.json()["details"]["argument"] == "ts"
    assert client.get("/api/v1/agents/a1/workspace").json()["conversations"] == []  # a1 is offline: queued


def _unbounded(annotation: Any, metadata: list[Any]) -> bool:
    """Whether a field of this type takes 9999-12-31 (or a time on it)."""
    adapter = TypeAdapter(Annotated[annotation, *metadata] if metadata else annotation)
    for value in (FAR, f"{FAR}T00:00:00+00:00"):
        try:
            adapter.validate_python(value)
        except ValidationError:
            continue
        return True
    return False


def _date_fields(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[tuple[str, Any, list[Any]]]:
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        for arg in (info.annotation, *get_args(info.annotation)):
            if arg in (date, datetime):
                yield name, info.annotation, list(info.metadata)
            elif isinstance(arg, type) and issubclass(arg, BaseModel):
                yield from _date_fields(arg, seen)


def test_no_route_takes_an_unbounded_date() -> None:
    """Every date/datetime a route declares (query, path or body) is ``kefu.service.schemas.Day``-bounded."""
    found, unbounded = 0, []
    for route in api_routes(create_app(create_engine("sqlite://"))):
        params = [*route.dependant.query_params, *route.dependant.path_params, *route.dependant.body_params]
        for dep in route.dependant.dependencies:
            params += [*dep.query_params, *dep.path_params, *dep.body_params]
        for param in params:
            info = param.field_info
            candidates = [(param.name, info.annotation, list(info.metadata))]
            for arg in (info.annotation, *get_args(info.annotation)):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    candidates += list(_date_fields(arg, set()))
            for name, annotation, metadata in candidates:
                if not any(a in (date, datetime) for a in (annotation, *get_args(annotation))):
                    continue
                found += 1
                if _unbounded(annotation, metadata):
                    unbounded.append(f"{route.path} {name}")
    assert found >= 9  # the scan sees the dated routes (forecast, intraday, roster, worktime, overview, …)
    assert unbounded == []


def test_the_bound_is_one_rule_for_text() -> None:
    assert parse_day("2100-12-31").isoformat() == "2100-12-31"
    assert parse_day("1999-02-15").isoformat() == "1999-02-15"  # research data (a 1999 call centre) still reads
    assert parse_aware("2000-01-01T00:00:00+08:00").year == 2000
    for bad in (FAR, EARLY, "1969-12-31", "2101-01-01"):
        with pytest.raises(KefuError) as caught:
            parse_day(bad)
        assert caught.value.code is ErrorCode.BAD_ARGUMENT
        with pytest.raises(KefuError):
            parse_aware(f"{bad}T12:00:00+00:00")
