"""Orders and the credit computed for each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.store.base import Base, UTCDateTime


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # 订单编号
    shop_id: Mapped[str] = mapped_column(String(64), index=True)
    buyer: Mapped[str] = mapped_column(String(128), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(32))  # 等待买家付款 … 交易关闭
    refund_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    title: Mapped[str] = mapped_column(String(500), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    memo: Mapped[str] = mapped_column(Text, default="")  # 订单备注
    flag: Mapped[str] = mapped_column(String(16), default="")  # 旗帜: red|yellow|…
    phone: Mapped[str] = mapped_column(String(32), default="")  # personal data: masked in UI
    address: Mapped[str] = mapped_column(Text, default="")  # personal data: masked in UI
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    platform: Mapped[str] = mapped_column(String(16), default="")  # export it came from: taobao|qianniu|pdd|jd|douyin


class OrderItem(Base):
    """One line of an order (宝贝报表 row, Qianniu 子订单, a JD or Douyin line), keyed by its line in the order."""

    __tablename__ = "order_items"
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    line: Mapped[str] = mapped_column(String(64), primary_key=True)  # 子订单编号, or 1, 2, 3… in file order
    title: Mapped[str] = mapped_column(String(500), default="")
    price_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    outer_id: Mapped[str] = mapped_column(String(128), default="")  # 外部系统编号 / 商品ID
    props: Mapped[str] = mapped_column(Text, default="")  # 商品属性 / 商品规格
    package: Mapped[str] = mapped_column(String(200), default="")  # 套餐信息
    memo: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(32), default="")
    sku: Mapped[str] = mapped_column(String(128), default="")  # 商家编码 / 货号


class OrderCredit(Base):
    __tablename__ = "order_credits"
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    order_agent: Mapped[str] = mapped_column(String(64), default="")
    payment_agent: Mapped[str] = mapped_column(String(64), default="")
    credited_agent: Mapped[str] = mapped_column(String(64), default="")
    silent: Mapped[bool] = mapped_column(Boolean, default=False)
    rule: Mapped[str] = mapped_column(String(16), default="order_first")
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
