"""The bot page ``/care/bot``: mode and threshold, a try-out box, the shop's facts, and
proposals learnt from the shop's chats (approve / reject, with the measured effect).

Thin: every action is one service call in one transaction (``widgets.run``); user text is
shown with labels and table cells only (never HTML).
"""

from __future__ import annotations

from nicegui import ui

from kefu.service.care import actions as care
from kefu.service.care import actions_bot as bot
from kefu.service.care import actions_bot_mining as mining
from kefu.service.care import schemas_bot as care_schemas
from kefu.service.live import actions_bot_chat as bot_chat
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.labels import options, value_label
from kefu.ui.layout import MANAGERS, kefu_page
from kefu.ui.widgets import run

_FACT_FIELDS = [
    ("ship_within_hours", "付款后几小时内发货", "ship within (hours)", "number"),
    ("same_day_cutoff", "当天发货截单时间", "same-day cut-off (HH:MM)", "text"),
    ("couriers", "默认快递", "default couriers", "text"),
    ("upgrade_courier", "可补差价升级的快递", "courier on request", "text"),
    ("free_shipping_over_yuan", "满多少元包邮", "free shipping over (yuan)", "number"),
    ("shipping_fee_yuan", "不满时运费(元)", "shipping fee (yuan)", "number"),
    ("remote_regions", "偏远地区", "remote regions", "text"),
    ("remote_extra_yuan", "偏远地区补运费(元)", "remote surcharge (yuan)", "number"),
    ("invoice_types", "可开发票类型", "invoice types", "text"),
    (
        "return_address",
        "退货地址(空=下单后系统显示)",
        "return address (empty: shown by the platform)",
        "text",
    ),
    ("return_days", "无理由退换天数", "no-reason return days", "number"),
    ("price_protect_days", "价保天数", "price protection days", "number"),
    ("service_hours", "人工客服时间", "service hours", "text"),
]


def _shops() -> list[str]:
    with db_session() as session:
        return care.shop_ids(session)


@kefu_page("/care/bot", "机器人", "Bot", roles=MANAGERS)
def bot_page(user: UserOut) -> None:
    shops = _shops()
    shop = ui.select(shops, value=shops[0] if shops else None, label=t("店铺", "Shop"))
    with db_session() as session:
        current = care.care_settings(session, shop.value)
        running = bot_chat.bot_mode(session, shop.value) if shop.value else "human_first"  # what /chat runs in
    mode = ui.select(options("bot_mode", care_schemas.BOT_MODES), value=running,
                     label=t("模式(买家聊天按此模式)", "Mode (the buyer chat follows it)")).classes("w-72").props(
        'data-testid="bot-mode"')
    threshold = ui.number(t("置信度阈值(答对的概率)", "Confidence threshold (probability of being right)"),
                          value=float(current.get("bot_threshold", care_schemas.BOT_DEFAULT_THRESHOLD)), min=0, max=1, step=0.05
                          ).classes("w-72")  # fmt: skip
    share = ui.number(t("混合模式: 机器人先接的会话占比 %", "Mixed mode: share of new chats the bot takes first (%)"),
                      value=int(current.get("bot_share_percent", bot_chat.DEFAULT_MIXED_SHARE)), min=0, max=100, step=5
                      ).classes("w-96").bind_visibility_from(mode, "value", value="mixed")  # fmt: skip

    def save() -> None:
        if shop.value and run(care.set_care_settings, shop.value, bot_mode=mode.value,
                              bot_threshold=float(threshold.value or 0), bot_share_percent=int(share.value or 0)):
            ui.notify(t("已保存", "saved"), type="positive")

    ui.button(t("保存设置", "Save settings"), on_click=save).props('data-testid="bot-settings-save"')
    ui.separator()
    question = (
        ui.input(t("试问一句买家的话", "Try a buyer message"))
        .classes("w-full")
        .props('data-testid="bot-question"')
    )
    answer = ui.label().props('data-testid="bot-answer"')

    def ask() -> None:
        r = run(bot.bot_answer, question.value or "", mode.value, shop_id=shop.value)
        if r:
            asked = t(r["matched_question"] or "-", r["intent"] or "-")  # the intent as its Chinese question
            answer.text = (f"{value_label('bot_action', r['action'])} · {value_label('bot_reason', r['reason'])} · "
                           f"{asked} · {round(100 * r['confidence'])}% · {r['answer'] or ''}")

    ui.button(t("提问", "Ask"), on_click=ask)
    ui.separator()
    _facts_form(shop.value)
    ui.separator()
    _proposals(shop.value, user.username)


def _facts_form(shop_id: str | None) -> None:
    """The shop's facts; the bot's answers are filled with them from the next message on."""
    ui.label(t("店铺信息(机器人回答里使用)", "Shop facts (used in the bot's answers)")).classes("font-bold")
    if not shop_id:
        return
    facts = run(bot.get_bot_facts, shop_id)
    if facts is None:
        return
    inputs: dict[str, ui.input | ui.number | ui.checkbox] = {}
    with ui.grid(columns=2).classes("w-full"):
        for name, zh, en, kind in _FACT_FIELDS:
            value = getattr(facts, name)
            inputs[name] = (
                ui.number(t(zh, en), value=value) if kind == "number" else ui.input(t(zh, en), value=value)
            )
        inputs["special_invoice"] = ui.checkbox(t("可开增值税专用发票", "VAT special invoices"),
                                                value=facts.special_invoice)  # fmt: skip

    def save() -> None:
        values = {n: (int(w.value) if isinstance(w, ui.number) and w.value is not None else w.value)
                  for n, w in inputs.items()}  # fmt: skip
        if run(bot.set_bot_facts, shop_id, care_schemas.BotFactsIn.model_validate(values)):
            ui.notify(t("已保存", "saved"), type="positive")

    ui.button(t("保存店铺信息", "Save shop facts"), on_click=save).props('data-testid="bot-facts-save"')


def _proposals(shop_id: str | None, username: str) -> None:
    """Proposals mined from the shop's chats; approving one adds its wordings to the shop's FAQ, or (a
    hand-over proposal: wordings the bot answers that agents answered by hand) has the bot hand them over."""
    ui.label(t("从聊天记录学习", "Learn from the shop's chats")).classes("font-bold")
    if not shop_id:
        return
    summary = ui.label().props('data-testid="bot-mine-summary"')

    @ui.refreshable
    def listing() -> None:
        rows = run(mining.list_bot_proposals, shop_id) or []
        if not rows:
            ui.label(t("暂无提议", "no proposals yet"))
        for p in rows:
            with ui.card().classes("w-full p-3"):
                kind = (t("转人工", "hand over") if p.kind == "handover"
                        else t("新意图", "new intent") if p.new_intent else t("补充问法", "more wordings"))  # fmt: skip
                ui.label(f"{p.question} · {kind} {p.intent} · {t('被问', 'asked')} {p.asked} · {p.status}")
                ui.label(" / ".join(p.paraphrases)).classes("text-grey-7 text-sm")
                if p.answer:
                    ui.label(p.answer).classes("text-sm")
                if p.status == "approved":
                    ui.label(t(f"批准后答出 {p.answered_after}/{p.asked}; 全部挖掘问题回答率 {p.pool_before} → {p.pool_after}",
                               f"answered after approval {p.answered_after}/{p.asked}; answer rate on all mined "
                               f"questions {p.pool_before} → {p.pool_after}")).classes("text-positive text-sm")  # fmt: skip
                if p.status == "proposed":
                    with ui.row():
                        ui.button(t("批准", "Approve"), on_click=lambda _, i=p.id: decide(i, True))
                        ui.button(t("拒绝", "Reject"), on_click=lambda _, i=p.id: decide(i, False)).props(
                            "outline"
                        )

    def decide(proposal_id: int, approve: bool) -> None:
        if run(mining.decide_bot_proposal, proposal_id, approve=approve, by=username):
            listing.refresh()

    def mine() -> None:
        res = run(mining.mine_bot_proposals, shop_id)
        if res is not None:
            summary.text = t(f"读取 {res.pairs} 条买家消息, 机器人当前回答率 {res.pool_answer_rate}, 提议 {len(res.proposals)} 条",
                             f"read {res.pairs} buyer messages, bot answers {res.pool_answer_rate} now, "
                             f"{len(res.proposals)} proposals")  # fmt: skip
            listing.refresh()

    ui.button(t("挖掘聊天记录", "Mine the chats"), on_click=mine).props('data-testid="bot-mine"')
    listing()
