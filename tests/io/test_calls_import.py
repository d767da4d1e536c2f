"""Call records (CDR): common column names, talk times, answer rate, phone arrivals for the forecast, KPI figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.credit.actions_pay import with_phone
from kefu.service.imports.actions import PhoneFigures, import_calls, phone_figures
from kefu.service.plan.actions import PHONE_SKILL, arrival_history
from kefu.store.models.org import Shop
from kefu.store.models.phone import CallRecord

CDR = Path(__file__).parent / "fixtures" / "cdr" / "通话记录.csv"
DAY = (datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC))


def test_cdr_import_figures_and_idempotence(session: Session) -> None:
    report = import_calls(session, CDR, shop="s1")
    assert (report.layout, report.rows, report.inserted, report.rejected) == ("cdr", 5, 5, [])
    assert report.notes() == ["格式 / layout: cdr",
                              "呼入 4, 接通 2 (接通率 50.0%), 通话 360 秒 / inbound 4, answered 2 (answer rate 50.0%), "
                              "talk 360 s"]  # fmt: skip
    first = session.scalars(select(CallRecord).order_by(CallRecord.started_at)).first()
    assert first is not None
    assert (first.caller, first.direction, first.talk_s, first.agent_id, first.recording) == (
        "13800001111", "in", 180, "8001", "rec/0001.wav")
    assert first.answered_at == datetime(2026, 11, 3, 1, 0, 12, tzinfo=UTC)
    assert phone_figures(session, *DAY) == [
        PhoneFigures("8001", 2, 1, 0, 180), PhoneFigures("8002", 1, 1, 1, 180), PhoneFigures("", 4, 2, 1, 360)]
    assert (PhoneFigures("8002", 1, 1, 1, 180).answer_rate, PhoneFigures("8002", 1, 1, 1, 180).avg_talk_s) == (1.0, 90.0)
    again = import_calls(session, CDR, shop="s1")
    assert (again.inserted, again.unchanged) == (0, 5)
    assert session.scalar(select(func.count()).select_from(CallRecord)) == 5


def test_phone_arrivals_feed_the_forecast_history(session: Session) -> None:
    session.add(Shop(id="s1", name="电话店"))
    import_calls(session, CDR, shop="s1")
    grid = arrival_history(session, "s1", PHONE_SKILL, date(2026, 11, 3), date(2026, 11, 3), 30)
    assert grid is not None
    day = grid.values[0]
    assert (grid.start, day[18], day[21], float(np.nansum(day))) == (date(2026, 11, 3), 3.0, 1.0, 4.0)


def test_phone_figures_join_the_kpi_values() -> None:
    import pandas as pd

    monthly = pd.DataFrame({"agent": ["8001", "kf01"], "sales_fen": [100, 200]})
    out = with_phone(monthly, [PhoneFigures("8001", 2, 1, 0, 180), PhoneFigures("8009", 1, 1, 0, 60),
                               PhoneFigures("", 3, 2, 0, 240)])  # fmt: skip
    assert out["agent"].tolist() == ["8001", "kf01"]
    assert out["phone_answer_rate"].tolist() == [0.5, None]
    assert out["phone_talk_s"].tolist() == [180, None]
    assert out["sales_fen"].tolist() == [100, 200]


def test_cdr_bad_rows_and_missing_shop(session: Session, tmp_path: Path) -> None:
    with pytest.raises(KefuError) as info:
        import_calls(session, CDR)
    assert info.value.code == ErrorCode.BAD_ARGUMENT
    bad = tmp_path / "cdr.csv"
    bad.write_text("来电号码,呼叫时间,时长,呼叫类型\n139,2026-11-03 09:00:00,1:20,转接\n138,昨天,5,呼入\n"
                   "137,2026-11-03 09:05:00,abc,呼入\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(KefuError) as info:
        import_calls(session, bad, shop="s1")
    assert [(r.row, r.column, r.reason_en) for r in info.value.rows] == [
        (2, "呼叫类型", "unknown call type '转接'"), (3, "呼叫时间", "unreadable time '昨天'"),
        (4, "时长", "unreadable talk time 'abc'")]
    assert session.scalar(select(func.count()).select_from(CallRecord)) == 0
