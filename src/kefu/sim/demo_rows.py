"""Row dictionaries for the demo shop (plain data, keyed by column name; the service inserts them).

Kept apart from the simulator so that the numbers (``journeys``) and the
dressing (texts, product titles, memos, follow-up tasks) evolve separately.
A share of orders carries the agent's own claim in 订单备注 with a red flag —
a few of them wrong on purpose, so the claims report has something to show.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from kefu.domain.timeutil import SHOP_TZ, from_epoch
from kefu.duty.engine import due_time
from kefu.duty.rules import Rule, default_rules
from kefu.sim.config import STATUSES, WAIT_PAY
from kefu.sim.shop import DemoShop

Row = dict[str, Any]
BUYER_LINES = ("在吗", "这款还有现货吗?", "什么时候能发货", "能便宜一点吗", "包邮吗", "尺寸怎么选",
               "有赠品吗", "颜色和图片一样吗", "好的, 谢谢", "我再看看", "可以开发票吗", "今天下单明天能到吗")  # fmt: skip
AGENT_LINES = ("亲, 在的呢", "有现货的亲, 今天下单今天发", "亲, 活动价已经很优惠了哦", "全国包邮的亲",
               "亲可以参考详情页的尺码表", "现在下单送收纳袋一个", "实物和图片一致的呢", "好的亲, 有问题随时找我",
               "可以开电子发票的", "江浙沪一般次日达哦")  # fmt: skip
AFTER_BUYER = ("我的快递到哪了", "收到的有点破损", "想申请退货", "怎么还没发货", "尺寸不合适能换吗")
AFTER_AGENT = (
    "亲, 帮您查一下物流",
    "非常抱歉, 麻烦拍个照片给我",
    "可以的亲, 已为您申请退货",
    "亲, 今天会催仓库发出",
)
AUTO_LINE = "您好, 欢迎光临小鹿家居, 客服马上为您服务~"
TITLES = (
    "北欧实木小边桌",
    "加厚纯棉四件套",
    "记忆棉慢回弹枕头",
    "懒人沙发豆袋",
    "LED护眼台灯",
    "收纳箱三件套",
    "珊瑚绒毛毯",
)
ADDRESSES = ("浙江省杭州市西湖区文三路", "上海市浦东新区张江路", "广东省深圳市南山区科技园", "北京市朝阳区望京街道",
             "江苏省南京市鼓楼区中山路", "四川省成都市武侯区天府大道")  # fmt: skip



def _opt(epoch: int | np.integer) -> datetime | None:
    return None if epoch < 0 else from_epoch(epoch)


def conversation_rows(shop: DemoShop, shop_id: str) -> list[Row]:
    b = shop.block
    n = len(b.conv_start)
    last_in = np.full(n, -1, dtype=np.int64)
    last_out = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_in, b.msg_conv[~b.msg_out], b.msg_ts[~b.msg_out])
    np.maximum.at(last_out, b.msg_conv[b.msg_out], b.msg_ts[b.msg_out])
    rows = []
    for i in range(n):
        open_ = bool(shop.conv_open[i])
        rows.append({
            "shop_id": shop_id, "buyer": shop.buyer_names[int(b.conv_buyer[i])],
            "group": "售后" if b.conv_aftersale[i] else "售前", "status": "assigned" if open_ else "closed",
            "agent_id": shop.agents[int(shop.conv_agent[i])].id, "opened_at": from_epoch(b.conv_start[i]),
            "assigned_at": from_epoch(b.conv_start[i] + 2), "closed_at": None if open_ else from_epoch(min(b.conv_end[i] + 300, shop.as_of)),
            "last_buyer_msg_at": _opt(last_in[i]), "last_agent_msg_at": _opt(last_out[i]), "channel": "tmall",
        })  # fmt: skip
    return rows


def message_rows(rng: np.random.Generator, shop: DemoShop, shop_id: str, conv_ids: list[int]) -> list[Row]:
    b = shop.block
    after = b.conv_aftersale[b.msg_conv]
    pick = rng.random(len(b.msg_ts))
    rows = []
    for k in range(len(b.msg_ts)):
        c = int(b.msg_conv[k])
        out, auto = bool(b.msg_out[k]), bool(b.msg_auto[k])
        if auto:
            text = AUTO_LINE
        else:
            lines = (
                (AFTER_AGENT if out else AFTER_BUYER) if after[k] else (AGENT_LINES if out else BUYER_LINES)
            )
            text = lines[int(pick[k] * len(lines))]
        rows.append({
            "conversation_id": conv_ids[c], "shop_id": shop_id, "buyer": shop.buyer_names[int(b.conv_buyer[c])],
            "agent_id": shop.agents[int(shop.conv_agent[c])].id, "ts": from_epoch(b.msg_ts[k]),
            "direction": "out" if out else "in", "auto": auto, "bot": False, "text": text,
        })  # fmt: skip
    return rows


def order_rows(rng: np.random.Generator, shop: DemoShop, shop_id: str) -> list[Row]:
    """Orders with title, quantity, masked-later personal data and the agent's memo claim."""
    b = shop.block
    n = len(b.order_created)
    u = rng.random((n, 4))
    phones = rng.integers(10**9, 10**10, n)
    rows = []
    for i in range(n):
        conv = int(b.order_conv[i])
        memo, flag = "", ""
        if conv >= 0 and b.order_paid[i] >= 0 and u[i, 0] < 0.35:
            agent = int(shop.conv_agent[conv])
            if u[i, 1] < 0.06 and len(shop.agents) > 1:  # a wrong claim now and then
                agent = (agent + 1) % len(shop.agents)
            memo, flag = f"{shop.agents[agent].id} 已核对地址", "red"
        rows.append({
            "id": f"{3_100_000_000_000_000_000 + i}", "shop_id": shop_id,
            "buyer": shop.buyer_names[int(b.order_buyer[i])], "created_at": from_epoch(b.order_created[i]),
            "paid_at": _opt(b.order_paid[i]), "amount_fen": int(b.order_amount[i]),
            "status": STATUSES[int(b.order_status[i])], "refund_fen": int(b.order_refund[i]),
            "title": TITLES[int(u[i, 2] * len(TITLES))], "quantity": 1 + int(u[i, 3] * 3), "memo": memo,
            "flag": flag, "phone": f"1{int(phones[i])}", "address": ADDRESSES[int(u[i, 2] * len(ADDRESSES))] + f"{i % 300 + 1}号",
            "returned_at": _opt(b.order_returned_at[i]),
        })  # fmt: skip
    return rows


def _aftersale_agents(shop: DemoShop) -> list[str]:
    ids = [a.id for a in shop.agents if a.skills[0] == "售后"]
    return ids or [a.id for a in shop.agents]


def _owner(shop: DemoShop, i: int, fallback: list[str]) -> str:
    conv = int(shop.block.order_conv[i])
    return shop.agents[int(shop.conv_agent[conv])].id if conv >= 0 else fallback[i % len(fallback)]


def task_rows(
    rng: np.random.Generator, shop: DemoShop, shop_id: str, orders: list[Row], as_of: datetime
) -> list[Row]:
    """催付 for unpaid orders, 退货 for returns, 中差评回访 for bad and neutral reviews.

    Created and due when the seed-003 rules (:mod:`kefu.duty.rules`) say: 催付 fires 30 min
    after creation and is due an hour later, 退货 is due by 17:30, 中差评 a day after the
    review — the same times the live worker gives (a demo task is never due at its birth).
    """
    b = shop.block
    after = _aftersale_agents(shop)
    rules = default_rules()
    pay, ret, review = rules.get("pay_task"), rules.get("return"), rules.get("review")
    rows: list[Row] = []
    for i, order in enumerate(orders):
        fired = order["created_at"] + timedelta(minutes=pay.delay_minutes)
        if order["paid_at"] is None and fired <= as_of:
            waiting = order["status"] == WAIT_PAY
            rows.append(_task(shop_id, pay, order["id"], _owner(shop, i, after), fired,
                              None if waiting else min(order["created_at"] + timedelta(hours=24), as_of),
                              "" if waiting else "未付款关闭 / closed unpaid"))  # fmt: skip
        if order["returned_at"] is not None:
            done = order["returned_at"] + timedelta(hours=int(rng.integers(2, 30)))
            rows.append(_task(shop_id, ret, order["id"], after[i % len(after)], order["returned_at"],
                              done if done <= as_of else None, "已入库退款 / restocked, refunded"))  # fmt: skip
        if b.order_review[i] in (1, 2):
            at = from_epoch(b.order_review_at[i])
            done = at + timedelta(days=2)
            rows.append(_task(shop_id, review, order["id"], _owner(shop, i, after), at,
                              done if done <= as_of else None, "已回访 / called back"))  # fmt: skip
    return rows


def _task(shop_id: str, rule: Rule, order_id: str, assignee: str, created: datetime,
          done: datetime | None, outcome: str) -> Row:  # fmt: skip
    assert rule.action.due is not None  # a task rule always has one (parse_rules)
    return {
        "shop_id": shop_id, "task_type": rule.action.task_type, "order_id": order_id, "assignee": assignee,
        "status": "done" if done else "open", "created_at": created,
        "due_at": due_time(rule.action.due, created, SHOP_TZ), "done_at": done,
        "outcome": outcome if done else "", "source_rule": rule.id, "note": "",
    }  # fmt: skip


def care_rows(
    rng: np.random.Generator, shop: DemoShop, shop_id: str, orders: list[Row],
    convs: list[Row], conv_ids: list[int], now: datetime,
) -> tuple[list[Row], list[Row], list[Row]]:  # fmt: skip
    """Tickets for bad reviews, CSAT surveys after a quarter of closed chats, fines and rewards."""
    b = shop.block
    after = _aftersale_agents(shop)
    tickets: list[Row] = []
    ledger: list[Row] = []
    good: dict[str, int] = {}
    for i, order in enumerate(orders):
        review = int(b.order_review[i])
        owner = _owner(shop, i, after)
        if review == 0 and int(b.order_conv[i]) >= 0:
            good[owner] = good.get(owner, 0) + 1
        if review != 2:
            continue
        at = from_epoch(b.order_review_at[i])
        tickets.append({
            "shop_id": shop_id, "buyer": order["buyer"], "order_id": order["id"], "category": "质量",
            "severity": "high", "status": "open", "department": "logistics", "owner": owner,
            "summary": "中差评: 商品有瑕疵", "root_cause": "", "created_at": at, "notes": [],
        })  # fmt: skip
        if int(b.order_conv[i]) >= 0:
            ledger.append({"agent_id": owner, "day": at.astimezone(SHOP_TZ).date(), "amount_fen": -2000,
                           "kind": "fine", "reason": "差评扣款 / bad review", "evidence": f"order:{order['id']}",
                           "created_by": "demo", "created_at": now})  # fmt: skip
    last_day = shop.start + timedelta(days=shop.days - 1)
    for agent, count in sorted(good.items()):
        ledger.append({"agent_id": agent, "day": last_day, "amount_fen": 200 * count, "kind": "reward",
                       "reason": f"好评奖励 {count} 条 / good reviews", "evidence": "", "created_by": "demo",
                       "created_at": now})  # fmt: skip
    surveys: list[Row] = []
    scores = rng.choice([5, 4, 3, 2, 1], len(convs), p=[0.6, 0.25, 0.08, 0.04, 0.03])
    u = rng.random((len(convs), 2))
    for k, row in enumerate(convs):
        if row["closed_at"] is None or u[k, 0] >= 0.25:
            continue
        answered = u[k, 1] < 0.6
        surveys.append({
            "shop_id": shop_id, "conversation_id": conv_ids[k], "agent_id": row["agent_id"],
            "sent_at": row["closed_at"], "answered_at": row["closed_at"] + timedelta(minutes=3) if answered else None,
            "score": int(scores[k]) if answered else None, "comment": "",
        })  # fmt: skip
    return tickets, surveys, ledger


def lifecycle_events(shop: DemoShop, shop_id: str, orders: list[Row]) -> list[Row]:
    """Refund, return and review of each order as event rows (the audit trail and timelines read them)."""
    b = shop.block
    names = ("good", "neutral", "bad")
    rows: list[Row] = []
    for i, order in enumerate(orders):
        base = {"shop_id": shop_id, "agent_id": None, "subject": f"order:{order['id']}", "actor": "demo"}
        data: Row
        if b.order_refund_at[i] >= 0:
            data = {"refund_fen": int(b.order_refund[i])}
            rows.append({**base, "ts": from_epoch(b.order_refund_at[i]), "kind": "order.refunded", "data": data})
        if b.order_returned_at[i] >= 0:
            rows.append({**base, "ts": from_epoch(b.order_returned_at[i]), "kind": "order.returned", "data": {}})
        if b.order_review[i] >= 0:
            data = {"review": names[int(b.order_review[i])]}
            rows.append({**base, "ts": from_epoch(b.order_review_at[i]), "kind": "order.reviewed", "data": data})
    return rows


def handover_rows(shop: DemoShop, shop_id: str, orders: list[Row]) -> list[Row]:
    """One 交接 note a day at 16:15 from 白班 to 晚班 (seed 001's handover book), up to ``as_of``."""
    rows: list[Row] = []
    for d in range(shop.days):
        day = shop.start + timedelta(days=d)
        at = datetime(day.year, day.month, day.day, 16, 15, tzinfo=SHOP_TZ)
        if at.timestamp() > shop.as_of:
            break
        day_team = [shop.agents[a].id for a, row in enumerate(shop.roster) if row[d] == "白班"]
        night_team = [shop.agents[a].id for a, row in enumerate(shop.roster) if row[d] == "晚班"]
        if not day_team or not night_team:
            continue
        since = at - timedelta(hours=24)
        unpaid = sum(1 for o in orders if since <= o["created_at"] < at and o["paid_at"] is None)
        returns = sum(1 for o in orders if o["returned_at"] is not None and since <= o["returned_at"] < at)
        rows.append({
            "shop_id": shop_id, "book": "handover", "day": day, "author": day_team[0], "kind": "note",
            "text": f"交接: 近24小时未付款订单 {unpaid} 个待催付, 到货退货 {returns} 件待处理",
            "data": {"from": day_team, "to": night_team, "unpaid_orders": unpaid, "returns": returns},
            "created_at": at.astimezone(UTC),
        })  # fmt: skip
    return rows
