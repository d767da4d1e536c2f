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


class OrderCredit(Base):
    __tablename__ = "order_credits"
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    order_agent: Mapped[str] = mapped_column(String(64), default="")
    payment_agent: Mapped[str] = mapped_column(String(64), default="")
    credited_agent: Mapped[str] = mapped_column(String(64), default="")
    silent: Mapped[bool] = mapped_column(Boolean, default=False)
    rule: Mapped[str] = mapped_column(String(16), default="order_first")
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
