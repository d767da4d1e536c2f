"""Property-based API test: schemathesis generates requests from /api/v1/openapi.json; none may be a 5xx.

Runs in-process against the ASGI app (no network) with an integration bearer
token, on a throw-away SQLite database seeded with a shop, two agents and a
conversation so generated ids sometimes hit real rows. Examples per operation
are bounded so the whole run stays around a minute on 2 cores.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.service.live import actions
from kefu.service.org import actions as auth
from kefu.store.base import Base
from kefu.store.db import make_engine, session_factory
from kefu.store.models.org import Agent, Shop

MAX_EXAMPLES = 15
_token: dict[str, str] = {}


@pytest.fixture(scope="module")
def seeded_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'kefu.db'}")
    Base.metadata.create_all(engine)
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="demo", name="演示店"))
        s.flush()
        s.add_all([Agent(id="a1", name="A1", skills=["售前"], capacity=2, shop_id="demo"),
                   Agent(id="a2", name="A2", skills=["售后"], capacity=2, shop_id="demo")])
        s.flush()
        actions.set_agent_status(s, "a1", "online")
        actions.open_conversation(s, "demo", "buyer-1", text="在吗")
        auth.create_user(s, "admin", "harbour-lights-17", "admin")
        _token["value"] = auth.create_token(s, "schemathesis")
    yield engine
    engine.dispose()


@pytest.mark.slow
def test_no_server_errors(seeded_engine: Engine) -> None:
    """Every operation, MAX_EXAMPLES generated requests each (valid and invalid data): never a 5xx."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(seeded_engine))
    headers = {"Authorization": f"Bearer {_token['value']}"}
    tried: list[str] = []
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def call(case: Any) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text[:500])

        name = f"{operation.method.upper()} {operation.path}"
        tried.append(name)
        try:
            call()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{name}: {str(exc).splitlines()[0][:300]}")
    assert "GET /api/v1/overview" in tried and len(tried) >= 15
    assert failures == [], "\n".join(failures)
