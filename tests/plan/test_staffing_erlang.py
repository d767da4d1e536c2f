"""Erlang C / Erlang A against the shared reference table, head-count search, and bad input."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from kefu.cli import app
from kefu.domain.errors import ErrorCode, KefuError
from kefu.plan.staffing import erlang_a, erlang_c, erlang_c_service_level, required_agents
from support import shared_path

FIELDS = ("p_wait", "service_level", "asa_s", "occupancy", "p_abandon")


def test_every_reference_row_matches_to_1e4() -> None:
    path = shared_path("data", "reference", "erlang_reference_values.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == 24
    checked = 0
    for r in rows:
        args = (
            float(r["calls_per_interval"]),
            float(r["interval_s"]),
            float(r["aht_s"]),
            int(r["agents"]),
            float(r["target_s"]),
        )
        if r["model"] == "erlang_a":
            res = erlang_a(*args, float(r["patience_s"]))
        else:
            assert r["model"] == "erlang_c"
            res = erlang_c(*args)
        for name in FIELDS:
            if r[name] == "":
                continue
            want = float(r[name])
            got = float(getattr(res, name))
            assert got == pytest.approx(want, rel=1e-4), (r["case"], name)
            checked += 1
    assert checked == 18 * 4 + 6 * 5  # 18 Erlang C rows (incl. A03c) × 4 figures, 6 Erlang A rows × 5


def test_vectorised_equals_scalar_and_keeps_shape() -> None:
    calls = np.array([[100.0, 1000.0], [360.0, 0.0]])
    res = erlang_c(calls, [[1800, 3600], [1800, 1800]], [[180, 120], [240, 180]], [[14, 40], [55, 3]], 20)
    assert res.service_level.shape == (2, 2)
    assert res.service_level[0, 0] == pytest.approx(0.88835, rel=1e-5)
    assert res.service_level[0, 1] == pytest.approx(0.9372106, rel=1e-6)
    assert res.service_level[1, 0] == pytest.approx(0.8667965, rel=1e-6)
    # no calls: nobody waits, SL is 1, occupancy 0
    assert (res.p_wait[1, 1], res.service_level[1, 1], res.asa_s[1, 1], res.occupancy[1, 1]) == (
        0.0,
        1.0,
        0.0,
        0.0,
    )


def test_overloaded_erlang_c_and_erlang_a_stay_finite() -> None:
    c = erlang_c(100, 1800, 180, [10, 9, 0], 20)
    assert list(c.p_wait) == [1.0, 1.0, 1.0]
    assert list(c.service_level) == [0.0, 0.0, 0.0]
    assert np.isinf(c.asa_s).all()
    # Erlang A copes with any load: 5000 calls on 5 agents abandons almost all
    a = erlang_a([5000, 100], 1800, 180, [5, 0], 20, 300)
    assert np.isfinite(a.p_abandon).all()
    assert a.p_abandon[0] == pytest.approx(1 - 5 * 1800 / 180 / 5000, abs=2e-3)
    assert a.p_abandon[1] == 1.0 and a.service_level[1] == 0.0


def test_chat_concurrency_is_agents_times_servers() -> None:
    one = erlang_c(100, 1800, 180, 14, 20)
    chat = erlang_c(100, 1800, 180, 7, 20, concurrency=2)
    assert float(chat.service_level) == float(one.service_level)
    assert int(required_agents(100, 1800, 180, 0.8, 20, concurrency=3)[()]) == 5  # 14 servers / 3 → 5 agents


def test_required_agents_reference_checkpoints() -> None:
    need = required_agents(
        [360, 250, 200, 100, 1000],
        [1800, 3600, 1800, 1800, 3600],
        [240, 330, 180, 180, 120],
        0.8,
        [20, 30, 60, 20, 20],
    )
    assert need.tolist() == [54, 28, 23, 14, 38]
    # occupancy cap binds (C06 vs C08): 38–39 meet 80/20 but run above 85%
    assert int(required_agents(1000, 3600, 120, 0.8, 20, max_occupancy=0.85)[()]) == 40
    # shrinkage divides and rounds up: 14 → 20, 40 → 58
    assert required_agents(
        [100, 1000], [1800, 3600], [180, 120], 0.8, 20, max_occupancy=0.85, shrinkage=0.3
    ).tolist() == [20, 58]
    # Erlang A (pyworkforce guide): raw 13, 19 with 30% shrinkage
    assert int(required_agents(100, 1800, 180, 0.8, 20, patience_s=300)[()]) == 13
    assert int(required_agents(100, 1800, 180, 0.8, 20, patience_s=300, shrinkage=0.3)[()]) == 19
    assert int(required_agents(0, 1800, 180, 0.8, 20)[()]) == 0


def test_required_is_the_fewest_that_meets_target() -> None:
    rng = np.random.default_rng(7)
    calls = rng.uniform(0, 500, 300)
    need = required_agents(calls, 1800, 200, 0.8, 20)
    sl_at = erlang_c_service_level(calls, 1800, 200, need, 20)
    sl_below = erlang_c_service_level(calls, 1800, 200, np.maximum(need - 1, 0), 20)
    busy = calls > 0
    assert (sl_at[busy] >= 0.8).all()
    assert (sl_below[busy] < 0.8).all()


def test_service_level_with_patience_is_erlang_a() -> None:
    assert float(erlang_c_service_level(100, 1800, 180, 14, 20, patience_s=300)) == pytest.approx(
        0.9167921, rel=1e-6
    )


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"calls": -1}, "calls"),
        ({"aht_s": 0}, "aht_s"),
        ({"agents": 2.5}, "agents"),
        ({"calls": float("nan")}, "calls"),
    ],
)
def test_bad_arguments_raise_kefu_error(kwargs: dict[str, float], argument: str) -> None:
    base = {"calls": 100.0, "interval_s": 1800.0, "aht_s": 180.0, "agents": 14.0, "target_s": 20.0}
    base.update(kwargs)
    with pytest.raises(KefuError) as err:
        erlang_c(**base)
    assert err.value.code is ErrorCode.BAD_ARGUMENT
    assert err.value.details["argument"] == argument


def test_required_agents_rejects_bad_targets() -> None:
    with pytest.raises(KefuError):
        required_agents(100, 1800, 180, 1.2, 20)
    with pytest.raises(KefuError):
        required_agents(100, 1800, 180, 0.8, 20, shrinkage=1.0)
    with pytest.raises(KefuError):
        required_agents(100, 1800, 180, 0.8, 20, max_occupancy=0.0)


def _erlang(*args: str) -> dict[str, float | None]:
    base = [
        "staffing",
        "erlang",
        "--calls",
        "100",
        "--interval-s",
        "1800",
        "--aht-s",
        "180",
        "--target-s",
        "20",
    ]
    result = CliRunner().invoke(app, [*base, *args, "--json"])
    assert result.exit_code == 0, result.output
    out: dict[str, float | None] = json.loads(result.stdout)
    return out


def test_cli_erlang_json_contract() -> None:
    assert _erlang("--agents", "14", "--patience-s", "300") == {
        "p_wait": 0.1452601,
        "service_level": 0.9167921,
        "asa_s": 4.1951232,
        "occupancy": 0.7042973,
        "p_abandon": 0.0139837,
    }
    assert _erlang("--agents", "11") == {
        "p_wait": 0.6821182,
        "service_level": 0.3896138,
        "asa_s": 122.7812768,
        "occupancy": 0.9090909,
    }
    # overloaded Erlang C: the mean wait is unbounded, written as null
    assert _erlang("--agents", "10") == {"p_wait": 1.0, "service_level": 0.0, "asa_s": None, "occupancy": 1.0}
    bad = CliRunner().invoke(
        app, ["staffing", "erlang", "--calls", "-5", "--aht-s", "180", "--agents", "11", "--json"]
    )
    assert isinstance(bad.exception, KefuError) and bad.exception.details["argument"] == "calls"
