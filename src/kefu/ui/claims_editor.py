"""The claim convention of ``/settings/rules`` (tab "认领约定"): how a shop writes an agent's claim in 订单备注.

Thin: :func:`kefu.service.credit.actions_claims.set_claim_convention` validates and stores it (with an
event). An empty prefix means the shop writes no claims: the KPI workbook's claims sheet stays empty,
and notes such as "kf07 已核对地址" are never read as claims.
"""

from __future__ import annotations

from nicegui import ui

from kefu.service.credit import actions_claims
from kefu.service.org.schemas import UserOut
from kefu.ui.i18n import t
from kefu.ui.widgets import run, testid

FLAGS = {"": ("任意", "any"), "red": ("红旗", "red"), "yellow": ("黄旗", "yellow"), "green": ("绿旗", "green"),
         "blue": ("蓝旗", "blue"), "purple": ("紫旗", "purple"), "gray": ("灰旗", "gray")}


def claims_tab(user: UserOut, shops: list[str]) -> None:
    if not shops:
        ui.label(t("还没有店铺", "no shops yet"))
        return
    ui.label(t("认领: 客服在订单备注里写 前缀 + 自己的工号或名字 (如 “认领:kf07”), 绩效表的认领核对只读这样写的备注; "
               "前缀留空 = 本店不认领, 不报告认领差异。",
               "A claim is the prefix followed by the agent's id or name in 订单备注 (e.g. \"认领:kf07\"); the KPI "
               "workbook's claims check reads only those. An empty prefix: the shop has no claims.")
             ).classes("text-grey-7 text-sm max-w-3xl")  # fmt: skip
    shop = ui.select(shops, value=shops[0], label=t("店铺", "Shop"), on_change=lambda: form.refresh()).props(
        'dense outlined data-testid="claims-shop"').classes("w-48")

    @ui.refreshable
    def form() -> None:
        now = run(actions_claims.claim_convention, str(shop.value))
        if now is None:
            return
        with ui.row().classes("items-end gap-3"):
            prefix = ui.input(t("认领前缀", "Claim prefix"), value=now.prefix).props(
                'dense outlined data-testid="claims-prefix"').classes("w-48")
            flag = ui.select({k: t(*v) for k, v in FLAGS.items()}, value=now.flag, label=t("旗帜", "Flag")).props(
                'dense outlined data-testid="claims-flag"').classes("w-32")

            def save() -> None:
                done = run(actions_claims.set_claim_convention, str(shop.value), prefix.value or "",
                           str(flag.value or ""), by=user.username)  # fmt: skip
                if done is not None:
                    ui.notify(t("已保存", "saved"), type="positive")
                    form.refresh()

            ui.button(t("保存", "Save"), on_click=save).props('data-testid="claims-save"')
        state = t(f"当前: 前缀 “{now.prefix}”", f"Now: prefix \"{now.prefix}\"") if now.prefix else t(
            "当前: 本店不认领", "Now: no claims in this shop")
        testid(ui.label(state).classes("text-sm"), "claims-now")

    form()
