"""``kefu credit reconcile``: our agent-day figures from imported chats beside 赤兔's 客服数据汇总-日数据."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.imports.actions import import_chats, reconcile_month
from kefu.store.models.org import Agent, Shop

SHEET = Path(__file__).parent / "fixtures" / "chitu" / "客服数据汇总-日数据.csv"
CHATS = (
    "店铺,买家,客服,时间,方向,内容,自动回复\n"
    "s1,买家甲,kf01,2026-11-03 10:00:00,买家,在吗,0\n"
    "s1,买家甲,kf01,2026-11-03 10:00:30,客服,在的亲,0\n"
    "s1,买家乙,kf01,2026-11-03 11:00:00,买家,有货吗,0\n"
    "s1,买家乙,kf01,2026-11-03 11:00:02,客服,您好[自动回复],1\n"
    "s1,买家丙,kf02,2026-11-03 12:00:00,买家,发什么快递,0\n"
    "s1,买家丙,kf02,2026-11-03 12:00:20,客服,中通,0\n"
)
AUTO = "auto_replies: 平台把只收到自动回复的买家算作已接待、把自动回复算作响应; 我们只认人工回复 / the platform counts a buyer who only got an auto-reply as received and an auto-reply as the response; we count human replies only"
NO_OURS = "no_ours: 我们没有该客服当日的聊天记录 (未导入, 或旺旺子账号未对应到客服) / no imported chats of this agent on this day (not imported, or the sub-account is not mapped to an agent)"
NO_THEIRS = "no_theirs: 平台日数据中没有该客服当日的此项数字 / the platform's daily sheet has no figure of this metric for this agent on this day"


def _seed(session: Session) -> None:
    """Shop s1 (示例旗舰店) and its agents kf01, kf02 (sub-accounts of the same names)."""
    session.add(Shop(id="s1", name="示例旗舰店"))
    session.flush()
    session.add_all([Agent(id="kf01", shop_id="s1", name="kf01"), Agent(id="kf02", shop_id="s1", name="kf02")])
    session.flush()


@pytest.fixture
def shop(session: Session, tmp_path: Path) -> Session:
    _seed(session)
    chats = tmp_path / "chats.csv"
    chats.write_text(CHATS, encoding="utf-8")
    assert import_chats(session, chats).inserted == 6
    return session


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_ours_beside_theirs_with_the_rule_of_each_difference(shop: Session, tmp_path: Path) -> None:
    done = reconcile_month(shop, "s1", "2026-11", SHEET, tmp_path / "out")
    assert (done.rows, done.differ, done.missing) == (12, 3, 5)
    assert _read(done.file) == [
        ["agent", "day", "metric", "ours", "theirs", "diff", "reason"],
        ["kf01", "2026-11-03", "receptions", "1", "2", "-1", AUTO],
        ["kf01", "2026-11-03", "avg_resp_s", "30.0", "15.00", "15.0", AUTO],
        ["kf01", "2026-11-03", "reply_rate", "0.5000", "1.0000", "-0.5000", AUTO],
        ["kf01", "2026-11-03", "inq_conv_pay_final", "0.0000", "0.0000", "0", ""],
        ["kf02", "2026-11-03", "receptions", "1", "1", "0", ""],
        ["kf02", "2026-11-03", "avg_resp_s", "20.0", "20.00", "0", ""],
        ["kf02", "2026-11-03", "reply_rate", "1.0000", "1.0000", "0", ""],
        ["kf02", "2026-11-03", "inq_conv_pay_final", "0.0000", "", "", NO_THEIRS],
        ["示例旗舰店:kf03", "2026-11-04", "receptions", "", "3", "", NO_OURS],
        ["示例旗舰店:kf03", "2026-11-04", "avg_resp_s", "", "12.50", "", NO_OURS],
        ["示例旗舰店:kf03", "2026-11-04", "reply_rate", "", "0.9000", "", NO_OURS],
        ["示例旗舰店:kf03", "2026-11-04", "inq_conv_pay_final", "", "0.5000", "", NO_OURS],
    ]


def test_the_named_sheet_of_a_workbook_is_read(shop: Session, tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "说明"
    ws = wb.create_sheet("客服数据汇总-日数据")
    with SHEET.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            ws.append(row)
    wb.save(tmp_path / "chitu.xlsx")
    from_excel = reconcile_month(shop, "s1", "2026-11", tmp_path / "chitu.xlsx", tmp_path / "x")
    from_csv = reconcile_month(shop, "s1", "2026-11", SHEET, tmp_path / "c")
    assert from_excel.file.read_bytes() == from_csv.file.read_bytes()


def test_bad_sheets_are_refused_in_both_languages(shop: Session, tmp_path: Path) -> None:
    other_month = tmp_path / "oct.csv"
    other_month.write_text("日期,旺旺,接待人数\n2026-10-31,示例旗舰店:kf01,2\n2026-11-01,示例旗舰店:kf01,x\n",
                           encoding="utf-8")  # fmt: skip
    with pytest.raises(KefuError) as info:
        reconcile_month(shop, "s1", "2026-11", other_month, tmp_path / "o")
    assert info.value.code == ErrorCode.IMPORT_BAD_ROW
    assert [(r.row, r.column, r.reason_en) for r in info.value.rows] == [
        (2, "日期", "day 2026-10-31 is outside 2026-11-01–2026-11-30"),
        (3, "接待人数", "unreadable number: 'x'"),
    ]
    assert not (tmp_path / "o").exists()
    wrong = tmp_path / "orders.csv"
    wrong.write_text("订单编号,买家会员名\n1,a\n", encoding="utf-8")
    with pytest.raises(KefuError) as info:
        reconcile_month(shop, "s1", "2026-11", wrong, tmp_path / "w")
    assert info.value.code == ErrorCode.IMPORT_MISSING_COLUMN
    assert "日期" in info.value.message and "旺旺" in info.value.message
    with pytest.raises(KefuError) as info:
        reconcile_month(shop, "nope", "2026-11", SHEET, tmp_path / "n")
    assert info.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(KefuError) as info:
        reconcile_month(shop, "s1", "2026-13", SHEET, tmp_path / "m")
    assert info.value.code == ErrorCode.BAD_ARGUMENT


def test_cli_writes_reconcile_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from kefu.cli import app
    from kefu.config import get_settings
    from kefu.store.db import make_engine, session_factory
    from kefu.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("KEFU_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        upgrade(url)
        engine = make_engine(url)
        with session_factory(engine)() as session, session.begin():
            _seed(session)
        engine.dispose()
        chats = tmp_path / "chats.csv"
        chats.write_text(CHATS, encoding="utf-8")
        runner = CliRunner()
        assert runner.invoke(app, ["import", "chats", str(chats)]).exit_code == 0
        result = runner.invoke(app, ["credit", "reconcile", str(SHEET), "--shop", "s1", "--month", "2026-11",
                                     "--out", str(tmp_path / "out")])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert result.output.strip() == f"lines=12 differ=3 one_side=5 out={tmp_path / 'out' / 'reconcile.csv'}"
        assert _read(tmp_path / "out" / "reconcile.csv")[1][:6] == ["kf01", "2026-11-03", "receptions", "1", "2", "-1"]
    finally:
        get_settings.cache_clear()
