"""Per-shop facts the FAQ answers are filled with (issue 21, scope 4).

Why: the shipped answers state one shop's policy (48 小时发货, 中通和圆通, 满59包邮, 电子普通
发票 …). Every shop has its own, and a wrong fact in a bot answer is a wrong answer. The KB
answers therefore carry ``{placeholders}``; the supervisor edits the values on the bot page
(a table per shop) and the bot fills them in. The defaults reproduce the shipped answers
word for word. Pure: plain data in, plain text out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class ShopFacts:
    """What a supervisor states about the shop; every field has the shipped default."""

    ship_within_hours: int = 48
    same_day_cutoff: str = "16:00"  # paid before this time → shipped the same day
    couriers: str = "中通和圆通"
    upgrade_courier: str = "顺丰"  # on request, buyer pays the difference
    free_shipping_over_yuan: int = 59
    shipping_fee_yuan: int = 8
    remote_regions: str = "新疆、西藏、青海、内蒙古"
    remote_extra_yuan: int = 15
    invoice_types: str = "电子普通发票"
    special_invoice: bool = False  # 增值税专用发票
    return_address: str = ""  # empty: the platform shows it after the return is approved
    return_days: int = 7
    price_protect_days: int = 15
    service_hours: str = "9:00-22:30"

    def values(self) -> dict[str, str]:
        """Placeholder → text used in the KB answers."""
        hour, _, minute = self.same_day_cutoff.partition(":")
        h = int(hour) if hour.isdigit() else 16
        cutoff = f"{'下午' if h >= 12 else '上午'}{h - 12 if h > 12 else h}点" + (
            f"{int(minute)}分" if minute.isdigit() and int(minute) else ""
        )
        address = (
            f"退货地址是: {self.return_address}, 寄回" if self.return_address
            else "审核通过后系统会显示退货地址, 寄回"
        )  # fmt: skip
        special = (
            "可以开具增值税专用发票, 请把公司名称、税号、注册地址电话和开户行账号发给我们"
            if self.special_invoice
            else f"暂时不能开具增值税专用发票, 可以开具{self.invoice_types}"
        )
        out = {k: str(v) for k, v in asdict(self).items()}
        out.update(cutoff=cutoff, return_address_line=address, special_invoice_line=special)
        return out


DEFAULT_FACTS = ShopFacts().values()


def render_answer(template: str, facts: Mapping[str, str] | None = None) -> str:
    """Fill ``{name}`` placeholders with the shop's facts (defaults for the ones not given);
    an unknown placeholder stays as written so a typo in the KB is visible, not silent."""
    values = {**DEFAULT_FACTS, **(facts or {})}
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
