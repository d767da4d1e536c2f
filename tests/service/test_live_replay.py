"""A recorded day replayed through the engine predicts what really happened (same policy, same arrivals)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kefu.domain.timeutil import SHOP_TZ
from kefu.service.live import actions, actions_replay
from kefu.store.models.org import Shop
from kefu.store.models.plan import RosterEntry, ShiftTemplate

D = date(2026, 11, 11)
T9 = datetime(2026, 11, 11, 9, 0, tzinfo=SHOP_TZ)


def test_replay_of_a_recorded_day_matches_it(session: Session) -> None:
    with session.begin():
        session.add(Shop(id="s", name="s"))
        session.add(ShiftTemplate(shop_id="s", code="白班", start="09:00", end="16:30"))
        actions.register_agent(session, "a", "a", ["售前"], 1, shop="s", now=T9)
        session.flush()
        session.add(RosterEntry(shop_id="s", agent_id="a", day=D, shift_code="白班"))
        actions.set_agent_status(session, "a", "online", T9)
        first = actions.open_conversation(session, "s", "b1", "售前", T9)["id"]
        second = actions.open_conversation(session, "s", "b2", "售前", T9 + timedelta(seconds=5))["id"]
        actions.close_conversation(session, first, T9 + timedelta(seconds=60))  # b2 waited 55 s
        actions.close_conversation(session, second, T9 + timedelta(seconds=180))
    with session.begin():
        result = actions_replay.replay_day(session, D, shop="s", sl_seconds=30)
    assert (result["conversations"], result["shifts"]) == (2, 1)
    assert result["actual_service_level"] == 0.5
    assert result["predicted"]["service_level"] == 0.5
    assert result["predicted"]["max_wait_s"] == 55.0


def test_cli_replay_and_worktime(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kefu.cli import app
    from kefu.config import get_settings

    monkeypatch.setenv("KEFU_DATABASE_URL", f"sqlite:///{tmp_path / 'k.db'}")
    get_settings.cache_clear()  # the engine follows the settings' URL (kefu.store.db.get_engine)
    try:
        runner = CliRunner()
        out = runner.invoke(app, ["live", "replay", "--day", "2026-11-11", "--shop", "s"])
        assert out.exit_code == 0 and '"conversations": 0' in out.output
        out = runner.invoke(app, ["live", "sweep"])
        assert out.exit_code == 0 and out.output.strip() == '{"assigned": 0, "reassigned": 0}'
    finally:
        get_settings.cache_clear()
