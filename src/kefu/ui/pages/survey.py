"""``/survey?t=…``: the buyer's satisfaction survey (public, no login; the signed token is the key).

The link comes from the buyer's channel (the integration asks
``GET /api/v1/care/surveys/link``; a supervisor gets it when creating one). The
token names one survey and works once: a wrong token shows an error, an
answered survey says so. Answers feed pay, which is why nobody else can answer
(:mod:`kefu.service.care.actions_surveys`).
"""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.service.care import actions_surveys as surveys
from kefu.ui.db import db_session
from kefu.ui.i18n import follow_language, t
from kefu.ui.widgets import notify_error, run, testid


@ui.page("/survey")
def survey_page(request: Request) -> None:
    token = (request.query_params.get("t") or "")[:200]
    ui.page_title(t("服务评价", "Rate our service"))
    follow_language()
    try:
        with db_session() as session:
            info = surveys.survey_for_buyer(session, token)
    except KefuError as exc:
        notify_error(exc)
        testid(ui.label(t("评价链接无效", "This survey link is not valid")), "survey-invalid")
        return
    with ui.card().classes("max-w-lg mx-auto mt-8 p-6 gap-3"):
        ui.label(t(f"请为 {info['shop']} 的本次服务打分", f"How was your chat with {info['shop']}?")).classes("text-lg")
        done = testid(ui.label(t("感谢您的评价!", "Thank you for your answer!")), "survey-done")
        done.set_visibility(info["answered"])
        if info["answered"]:
            return
        form = ui.column().classes("gap-3")
        with form:
            score = testid(ui.radio({int(k): v for k, v in info["levels"].items()}, value=5), "survey-score")
            comment = ui.textarea(t("想说的话 (可不填)", "Anything to add (optional)")).props("maxlength=2000")

            def send() -> None:
                if run(surveys.answer_survey, token, int(score.value or 0), comment.value or "") is not None:
                    form.set_visibility(False)
                    done.set_visibility(True)

            testid(ui.button(t("提交", "Send"), on_click=send), "survey-send")
