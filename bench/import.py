"""Import throughput on the user's path: `kefu import orders` / `kefu import chats` use-cases into SQLite and PostgreSQL.

Writes a Taobao 订单报表 in the 2019+ layout (61 columns, GBK, every cell quoted, ``="…"`` ids,
``null`` / ``'null`` placeholders, a third of the orders unpaid) and a Qianniu chat-log text
export (GBK, CRLF, many buyers, status lines), then imports each into a fresh database per
store and times it (wall clock, and CPU time: this process's plus, on PostgreSQL, its server
backend's read from /proc; the machine is shared, so CPU rows/s is the steadier figure).
A second import of the same files (all rows unchanged) is timed too.

    python bench/import.py [--orders 200000] [--chats 1000000] [--pg postgresql://…] [--store sqlite|postgresql]
                           [--no-cli] [--no-again]

Each file is first imported by the command itself (``kefu import orders|chats FILE --shop s1``
in a new process, into an empty store it migrates): ``*_cli_*`` figures, wall and the child's
CPU. Prints one line per store: ``store=… orders_cli_rows_s=… orders=… orders_rows_s=…
orders_cpu_rows_s=… chats=… …``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from kefu.service.imports import actions
from kefu.service.imports.schemas import ImportReport
from kefu.store.base import Base
from kefu.store.db import make_engine, session_factory

HEADER = ["订单编号", "买家会员名", "买家支付宝账号", "支付单号", "支付详情", "买家应付货款", "买家应付邮费", "买家支付积分", "总金额", "返点积分", "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言", "收货人姓名", "收货地址 ", "运送方式", "联系电话 ", "联系手机", "订单创建时间", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注", "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头", "是否手机订单", "分阶段订单信息", "特权订金订单id", "是否上传合同照片", "是否上传小票", "是否代付", "定金排名", "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易", "新零售交易类型", "新零售导购门店名称", "新零售导购门店id", "新零售发货门店名称", "新零售发货门店id", "退款金额", "预约门店", "确认收货时间", "打款商家金额", "含应开票给个人的个人红包", "是否信用购", "体验期结束时间", "前N有礼", "配送类型", "主订单编号"]  # fmt: skip
START = datetime(2026, 11, 1)  # noqa: DTZ001 - shop wall-clock text is written, no zone
PG_SCHEMA = "kefu_bench_import"


def write_orders(path: Path, n: int) -> None:
    """n orders, 61 quoted columns, GBK; every third unpaid (``null`` payment time)."""
    head = ",".join(f'"{h}"' for h in HEADER)
    with path.open("w", encoding="gb18030", newline="") as fh:
        fh.write(head + "\r\n")
        for i in range(n):
            created = START + timedelta(seconds=i * 13)
            unpaid = i % 3 == 0
            paid = "null" if unpaid else (created + timedelta(seconds=40)).strftime("%Y-%m-%d %H:%M:%S")
            amount = "0.00" if unpaid else f"{(i % 500) + 9}.{i % 100:02d}"
            status = "等待买家付款" if unpaid else ("交易成功" if i % 3 == 1 else "买家已付款，等待卖家发货")
            cells = [f'="{33000000000000000 + i}"', f"买家{i % 40000}", "null", "null", "null", amount, "0.00", "0",
                     amount, "0", amount, "0", status, "'null", "收货人", "浙江省 杭州市 西湖区 文三路 1 号(310000)",
                     "快递", "'null", f"'138{i % 100000000:08d}", created.strftime("%Y-%m-%d %H:%M:%S"), paid,
                     f"商品{i % 300}", "1", "null", "null", "'null" if i % 7 else f"kf{i % 12 + 1:02d}", "1", "0",
                     "示例旗舰店", "订单未关闭", "0", "0元", "'null", "手机订单", "'null", "null", "否", "否", "否",
                     "'null", "'null", "'null", "'null", "null", "null", "否", "'null", "'null", "'null", "'null",
                     "'null", "0.00", "'null", "null", amount + "元", "0", "否", "null", "否", "null",
                     f'="{33000000000000000 + i}"']  # fmt: skip
            fh.write(",".join(c if c.startswith('="') else f'"{c}"' for c in cells) + "\r\n")


def write_chats(path: Path, n: int) -> None:
    """n messages of a Qianniu text log, GBK, CRLF: buyers in turn, about half agent replies with status lines."""
    with path.open("w", encoding="gb18030", newline="") as fh:
        for i in range(n):
            ts = (START + timedelta(seconds=i * 2)).strftime("%Y-%m-%d %H:%M:%S")
            buyer, agent = f"买家{(i // 6) % 40000}", f"旗舰店:客服{(i // 6) % 12 + 1:02d}"
            if i % 2 == 0:
                fh.write(f"{buyer} --> {agent} {ts}\r\n你好, 第 {i} 条消息, 有货吗\r\n")
            else:
                fh.write(f"{agent} {ts}\r\n亲, 有的, 第 {i} 条回复\r\n已读\r\n")


def backend_pid(session: Any) -> int | None:
    if session.get_bind().dialect.name != "postgresql":
        return None
    return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def backend_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) of a PostgreSQL backend so far, from /proc; 0 on SQLite."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the server runs elsewhere
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(url: str, call: Callable[[Any], ImportReport]) -> tuple[float, float, ImportReport]:
    """Wall and CPU seconds of one import and its commit: this process's CPU plus the database backend's."""
    engine = make_engine(url)
    with session_factory(engine)() as session:
        with session.begin():
            pid = backend_pid(session)
            server = backend_cpu(pid)
            wall, cpu = time.perf_counter(), time.process_time()
            report = call(session)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        cpu += backend_cpu(pid) - server  # the backend lives on in the pool until dispose
    engine.dispose()
    return wall, cpu, report


def private_schema(url: str) -> str:
    """The PostgreSQL URL with a schema of this benchmark's own (dropped and recreated): other users untouched."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    engine.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{PG_SCHEMA}"


def fresh(url: str) -> None:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()


def warm_up(folder: Path) -> None:
    """Import tiny files once into a throwaway database: module imports and first-call setup stay out of the timings."""
    orders, chats, url = (
        folder / "warm_orders.csv",
        folder / "warm_chats.txt",
        f"sqlite:///{folder / 'warm.db'}",
    )
    write_orders(orders, 100)
    write_chats(chats, 100)
    Path(folder / "warm.db").unlink(missing_ok=True)
    fresh(url)
    timed(url, lambda s: actions.import_orders(s, orders, shop="s1"))
    timed(url, lambda s: actions.import_chats(s, chats, shop="s1"))


def cli(url: str, kind: str, path: Path, n: int) -> list[str]:
    """``kefu import KIND FILE --shop s1`` as a user runs it (new process, migrations, progress bar): wall, CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kefu", "import", kind, str(path), "--shop", "s1"], check=True,
                          env={**os.environ, "KEFU_DATABASE_URL": url}, capture_output=True, text=True)  # fmt: skip
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    assert f"inserted {n}," in done.stdout, done.stdout
    return [
        f"{kind}_cli_s={wall:.1f}",
        f"{kind}_cli_rows_s={n / wall:.0f}",
        f"{kind}_cli_cpu_rows_s={n / cpu:.0f}",
    ]


def bench_store(name: str, url: str, orders: Path, chats: Path, n_orders: int, n_chats: int,
                reset: Callable[[], str], run_cli: bool = True, again: bool = True) -> str:  # fmt: skip
    """The CLI into an empty store (it migrates it), then the use-cases timed with the server's CPU, twice each."""
    figures = [f"store={name}"]
    if run_cli:
        figures += cli(url, "orders", orders, n_orders) + cli(url, "chats", chats, n_chats)
        url = reset()
    fresh(url)
    for kind, path, n, fn in (("orders", orders, n_orders, actions.import_orders),
                              ("chats", chats, n_chats, actions.import_chats)):  # fmt: skip
        wall, cpu, report = timed(url, lambda s, fn=fn, path=path: fn(s, path, shop="s1"))
        assert report.inserted == n, (kind, report.summary())
        figures += [f"{kind}={n}", f"{kind}_s={wall:.1f}", f"{kind}_cpu_s={cpu:.1f}", f"{kind}_rows_s={n / wall:.0f}",
                    f"{kind}_cpu_rows_s={n / cpu:.0f}"]  # fmt: skip
        if again:
            again_wall, _, repeat = timed(url, lambda s, fn=fn, path=path: fn(s, path, shop="s1"))
            assert repeat.unchanged == n, (kind, repeat.summary())
            figures.append(f"{kind}_again_rows_s={n / again_wall:.0f}")
    return " ".join(figures)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--chats", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=Path("var/bench-import"))
    ap.add_argument("--pg", default=os.environ.get("KEFU_BENCH_POSTGRES_URL", ""))
    ap.add_argument("--store", choices=["sqlite", "postgresql"], help="only this store")
    ap.add_argument("--no-cli", action="store_true", help="skip the command in a new process")
    ap.add_argument("--no-again", action="store_true", help="skip the second (all unchanged) import")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    orders, chats = args.dir / f"ExportOrderList_{args.orders}.csv", args.dir / f"qianniu_{args.chats}.txt"
    if not orders.exists():
        write_orders(orders, args.orders)
    if not chats.exists():
        write_chats(chats, args.chats)
    warm_up(args.dir)
    db = (args.dir / "bench.db").resolve()

    def sqlite() -> str:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{db}"

    stores: list[tuple[str, Callable[[], str]]] = [("sqlite", sqlite)]
    if args.pg:
        stores.append(("postgresql", lambda: private_schema(args.pg)))
    for name, reset in stores:
        if args.store in (None, name):
            line = bench_store(name, reset(), orders, chats, args.orders, args.chats, reset, not args.no_cli,
                               not args.no_again)  # fmt: skip
            print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
