"""The 产品培训 tab of ``/team/people`` (seed 001 三): publish a product briefing, see who has not acknowledged.

The form takes one line per attribute (``名称: 值``), per FAQ addition
(``问题 | 答案``) and per quiz question (``题目 | 选项 | *正确选项 | 选项``); the
service validates what the lines give. A briefing blocks nobody: the list shows,
per briefing, who acknowledged (passed the quiz), who has not, and who was still
missing at launch.
"""

from __future__ import annotations

import re
from typing import Any

from nicegui import ui
from pydantic import ValidationError

from kefu.domain.errors import KefuError, bad_argument
from kefu.domain.timeutil import parse_day
from kefu.service.team import actions, schemas
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.pages.me_growth import invalid, section
from kefu.ui.widgets import notify_error, run, testid

STATES = {"acknowledged": ("已确认", "acknowledged", "positive"), "acknowledged_late": ("上架后才确认", "late", "warning"),
          "missing": ("未确认", "not yet", "grey"), "missing_at_launch": ("上架时仍未确认", "missing at launch", "negative")}  # fmt: skip


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_attributes(text: str | None) -> list[schemas.AttributeIn]:
    """``名称: 值`` per line (a full-width colon works too)."""
    out = []
    for i, line in enumerate(_lines(text), start=1):
        pair = re.match(r"^([^:：]+)[:：](.+)$", line)
        if pair is None or not pair.group(1).strip() or not pair.group(2).strip():
            raise bad_argument(f"attributes[{i}]", f"第 {i} 行应为「名称: 值」", f"line {i} must read 'name: value'")
        out.append(schemas.AttributeIn(name=pair.group(1).strip(), value=pair.group(2).strip()))
    return out


def parse_faq(text: str | None) -> list[schemas.FaqIn]:
    """``问题 | 答案`` per line."""
    out = []
    for i, line in enumerate(_lines(text), start=1):
        question, _, answer = line.partition("|")
        if not question.strip() or not answer.strip():
            raise bad_argument(f"faq[{i}]", f"第 {i} 行应为「问题 | 答案」", f"line {i} must read 'question | answer'")
        out.append(schemas.FaqIn(question=question.strip(), answer=answer.strip()))
    return out


def parse_quiz(text: str | None) -> list[schemas.QuestionIn]:
    """``题目 | 选项 | *正确选项 …`` per line: exactly one option marked with ``*``."""
    out = []
    for i, line in enumerate(_lines(text), start=1):
        question, *options = (p.strip() for p in line.split("|"))
        right = [k for k, o in enumerate(options) if o.startswith("*")]
        if not question or len(right) != 1 or not 2 <= len(options) <= 6:
            raise bad_argument(f"quiz[{i}]", f"第 {i} 题应为「题目 | 选项 | *正确选项」, 2–6 个选项, 恰好一个带 *",
                               f"question {i} must read 'question | option | *right option', 2–6 options, one starred")  # fmt: skip
        out.append(schemas.QuestionIn(question=question, options=[o.lstrip("*").strip() for o in options], answer=right[0]))
    return out


def briefings_panel(who: actions.Actor, shop: str) -> None:
    @ui.refreshable
    def rows() -> None:
        with db_session() as session:
            items = [actions.briefing_status(session, who, b.id) for b in actions.list_briefings(session, who, shop_id=shop)]
        if not items:
            ui.label(t("还没有产品培训", "no briefings yet")).classes("text-grey-6")
        for b in reversed(items):
            status_card(b)

    with section("发布新品培训 (上架前必须掌握)", "Publish a product briefing (to know before launch)"):
        with ui.row().classes("w-full gap-2"):
            product = ui.input(t("产品", "Product")).props('dense outlined maxlength=200 data-testid="bf-product"').classes("grow")
            launch = ui.input(t("上架日期", "Launch date")).props('dense outlined type=date data-testid="bf-launch"')
        attributes = ui.textarea(t("产品属性, 每行「名称: 值」", "Attributes, one 'name: value' a line")).props(
            'dense outlined autogrow data-testid="bf-attributes"').classes("w-full")
        faq = ui.textarea(t("新增问答 (给机器人), 每行「问题 | 答案」", "FAQ additions (for the bot), one 'question | answer' a line")).props(
            'dense outlined autogrow data-testid="bf-faq"').classes("w-full")
        quiz = ui.textarea(t("小测验, 每行「题目 | 选项 | *正确选项」", "Quiz, one 'question | option | *right option' a line")).props(
            'dense outlined autogrow data-testid="bf-quiz"').classes("w-full")

        def publish() -> None:
            try:
                body = schemas.BriefingIn(shop_id=shop, product=str(product.value or "").strip(),
                                          launch_on=parse_day(launch.value or "", "launch_on"),
                                          attributes=parse_attributes(attributes.value), faq=parse_faq(faq.value),
                                          quiz=parse_quiz(quiz.value))  # fmt: skip
            except KefuError as exc:
                notify_error(exc)
                return
            except ValidationError as exc:  # an empty product, no attribute or quiz line, an over-long field
                invalid(exc)
                return
            if run(lambda s: actions.publish_briefing(s, who, body)) is not None:
                ui.notify(t("已发布, 客服将在「我的」页面学习", "published; agents find it on their Me page"), type="positive")
                for field in (product, launch, attributes, faq, quiz):
                    field.value = ""
                rows.refresh()

        ui.button(t("发布", "Publish"), on_click=publish).props('no-caps data-testid="bf-publish"')
    with section("谁还没有确认 (培训不阻挡任何人)", "Who has not acknowledged (a briefing blocks nobody)"):
        rows()


def status_card(b: schemas.BriefingStatusOut) -> None:
    done = len(b.rows) - b.missing
    with testid(ui.column().classes("w-full gap-1 border-b py-2"), f"briefing-{b.briefing.id}"):
        with ui.row().classes("items-center gap-2"):
            ui.label(f"{b.briefing.product} · {t('上架', 'launch')} {b.briefing.launch_on}").classes("text-sm font-bold")
            testid(ui.badge(t(f"已确认 {done}/{len(b.rows)}", f"{done}/{len(b.rows)} acknowledged"),
                            color="positive" if b.missing == 0 else "warning"), f"briefing-count-{b.briefing.id}")  # fmt: skip
        with ui.row().classes("gap-1 flex-wrap"):
            for r in b.rows:
                zh, en, color = STATES.get(r.state, (r.state, r.state, "grey"))
                day = f" {r.acknowledged_on:%m-%d}" if r.acknowledged_on else ""
                testid(ui.badge(f"{r.agent_name} · {t(zh, en)}{day}", color=color), f"ack-{b.briefing.id}-{r.agent_id}")
        with ui.expansion(t("内容", "Content")).classes("w-full text-sm"):
            _content(b.briefing)


def _content(b: Any) -> None:
    for a in b.attributes:
        ui.label(f"{a['name']}: {a['value']}").classes("text-sm")
    for f in b.faq:
        ui.label(t(f"问: {f['question']} — 答: {f['answer']}", f"Q: {f['question']} — A: {f['answer']}")).classes("text-xs")
    for i, q in enumerate(b.quiz, start=1):
        ui.label(f"{i}. {q.question} ({' / '.join(q.options)})").classes("text-xs text-grey-7")
