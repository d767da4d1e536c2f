"""Care API: tickets, callbacks, surveys, reply templates, FAQ bot, logbooks, fines/rewards.

Thin: validate, authorise, call :mod:`kefu.service.care`. Field limits mirror the
columns so bad input is a 4xx with a code, never a database error. Agents may
read only their own ledger and service statistics; configuration, closing
tickets, the monthly review and ledger entries are for supervisors and admins.
Every route declares its roles (``require_roles``); what an agent may see within
a route (its own tickets, ledger, logbook entries) is checked by the service
(:mod:`kefu.service.access`). Surveys are created by the system when a chat
closes, or by a supervisor or integration, and answered only with the buyer's
signed link (public route, token in the body).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import Field

from kefu.api.deps import (
    MANAGER_ROLES,
    STAFF_MANAGERS,
    Caller,
    CurrentCaller,
    DbSession,
    ManagerCaller,
    require_roles,
)
from kefu.api.schemas import ApiIn
from kefu.domain.timeutil import parse_aware, parse_day
from kefu.service import access
from kefu.service.care import actions as care
from kefu.service.care import actions_books as books
from kefu.service.care import actions_bot as bot
from kefu.service.care import actions_surveys as surveys
from kefu.service.care import actions_templates as templates
from kefu.service.care import actions_tickets as tickets
from kefu.service.care.schemas import (
    BotReplyOut,
    CareSettingsOut,
    HandoverLogOut,
    LedgerEntryOut,
    LedgerPage,
    LogbookEntryOut,
    RootCausesOut,
    ServiceStatsOut,
    SurveyAnswerOut,
    SurveyLinkOut,
    SurveySentOut,
    SurveyStatsOut,
    TemplateOut,
    TemplateRenderOut,
    TemplateSeedOut,
    TicketOut,
    WeeklyIssuesOut,
)

router = APIRouter(prefix="/care", tags=["care"])

MANAGERS = require_roles(*STAFF_MANAGERS)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Str64 = Annotated[str, Field(min_length=1, max_length=64)]
OptId = Annotated[int | None, Field(default=None, ge=1, le=2**31 - 1)]
DayQ = Annotated[str, Query(min_length=10, max_length=10, description="YYYY-MM-DD")]




def _day(text: str) -> date:
    return parse_day(text, "day")  # bounded: outside the range no shop has data and date math overflows


def _moment(text: str) -> datetime:
    return parse_aware(text, name="at")


def _who(caller: Caller) -> str:
    return caller.agent_id or caller.name


# ----------------------------------------------------------------- tickets


class TicketIn(ApiIn):
    shop_id: Str64
    buyer: Annotated[str, Field(min_length=1, max_length=128)]
    category: Annotated[str, Field(max_length=32)]
    severity: Annotated[str, Field(max_length=16)] = "normal"
    summary: Annotated[str, Field(max_length=5000)] = ""
    order_id: Annotated[str | None, Field(default=None, max_length=64)] = None
    owner: Annotated[str | None, Field(default=None, max_length=64)] = None


class TextIn(ApiIn):
    text: Annotated[str, Field(min_length=1, max_length=5000)]


class EscalateIn(ApiIn):
    department: Annotated[str, Field(max_length=32)]
    note: Annotated[str, Field(min_length=1, max_length=5000)]


class ResolveIn(ApiIn):
    root_cause: Annotated[str, Field(min_length=1, max_length=64)]
    note: Annotated[str, Field(max_length=5000)] = ""


class CallbackIn(ApiIn):
    at: Annotated[str, Field(min_length=1, max_length=64)]


class CallbackResultIn(ApiIn):
    outcome: Annotated[str, Field(max_length=32)]
    note: Annotated[str, Field(max_length=5000)] = ""


@router.post("/tickets", status_code=status.HTTP_201_CREATED, response_model=TicketOut)
def create_ticket(body: TicketIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return tickets.create_ticket(session, shop_id=body.shop_id, buyer=body.buyer, category=body.category,
                              severity=body.severity, summary=body.summary, order_id=body.order_id,
                              owner=body.owner, by=_who(caller), viewer=caller)  # fmt: skip


@router.get("/tickets", response_model=list[TicketOut])
def list_tickets(session: DbSession, caller: CurrentCaller,
                 shop_id: Annotated[str | None, Query(max_length=64)] = None,
                 status_: Annotated[str | None, Query(alias="status", max_length=16)] = None) -> list[dict[str, Any]]:  # fmt: skip
    return tickets.list_tickets(session, shop_id=shop_id, status=status_, viewer=caller, role=caller.role)


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def read_ticket(ticket_id: Id, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return tickets.get_ticket(session, ticket_id, viewer=caller, role=caller.role)


@router.post("/tickets/{ticket_id}/respond", response_model=TicketOut)
def respond(ticket_id: Id, body: TextIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return tickets.respond_ticket(session, ticket_id, text=body.text, by=_who(caller), viewer=caller)


@router.post("/tickets/{ticket_id}/escalate", response_model=TicketOut)
def escalate(ticket_id: Id, body: EscalateIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return tickets.escalate_ticket(
        session, ticket_id, department=body.department, note=body.note, by=_who(caller), viewer=caller
    )


@router.post("/tickets/{ticket_id}/resolve", response_model=TicketOut)
def resolve(ticket_id: Id, body: ResolveIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return tickets.resolve_ticket(
        session, ticket_id, root_cause=body.root_cause, note=body.note, by=_who(caller), viewer=caller
    )


@router.post("/tickets/{ticket_id}/close", response_model=TicketOut)
def close(ticket_id: Id, session: DbSession, caller: Annotated[Caller, MANAGERS]) -> dict[str, Any]:
    return tickets.close_ticket(session, ticket_id, by=_who(caller))


@router.post("/tickets/{ticket_id}/callback", response_model=TicketOut)
def schedule_callback(
    ticket_id: Id, body: CallbackIn, session: DbSession, caller: CurrentCaller
) -> dict[str, Any]:
    return tickets.schedule_callback(session, ticket_id, at=_moment(body.at), by=_who(caller), viewer=caller)


@router.post("/tickets/{ticket_id}/callback-result", response_model=TicketOut)
def record_callback(
    ticket_id: Id, body: CallbackResultIn, session: DbSession, caller: CurrentCaller
) -> dict[str, Any]:
    return tickets.record_callback(session, ticket_id, outcome=body.outcome, note=body.note, by=_who(caller),
                                viewer=caller)


@router.get("/root-causes", dependencies=[MANAGERS], response_model=RootCausesOut)
def root_causes(session: DbSession, month: Annotated[str, Query(min_length=7, max_length=7, description="YYYY-MM")],
                shop_id: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, Any]:  # fmt: skip
    _day(f"{month}-01")
    return tickets.root_cause_summary(session, month, shop_id=shop_id)


# ----------------------------------------------------------------- surveys


class SurveyIn(ApiIn):
    conversation_id: OptId = None
    ticket_id: OptId = None


class AnswerIn(ApiIn):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    score: int | Annotated[str, Field(max_length=8)]
    comment: Annotated[str, Field(max_length=2000)] = ""


@router.post("/surveys", status_code=status.HTTP_201_CREATED, response_model=SurveySentOut)
def send_survey(body: SurveyIn, session: DbSession, caller: ManagerCaller) -> dict[str, Any]:
    """A survey for a conversation or ticket that has none (409 otherwise), with the buyer's link."""
    return surveys.send_survey(session, conversation_id=body.conversation_id, ticket_id=body.ticket_id,
                            by=caller.name)


@router.get("/surveys/link", dependencies=[require_roles(*MANAGER_ROLES)], response_model=SurveyLinkOut)
def survey_link(session: DbSession, conversation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                ticket_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> dict[str, Any]:
    """The buyer's one-time link of a conversation's (or ticket's) survey, to send through the buyer's channel."""
    return surveys.survey_link(session, conversation_id=conversation_id, ticket_id=ticket_id)


@router.post("/surveys/answer", response_model=SurveyAnswerOut)
def answer_survey(body: AnswerIn, session: DbSession) -> dict[str, Any]:
    """Public: the buyer answers with the token of the link; a wrong token is 403, a used one 409."""
    return surveys.answer_survey(session, body.token, body.score, body.comment)


@router.get("/surveys/stats", response_model=SurveyStatsOut)
def survey_stats(session: DbSession, caller: CurrentCaller, start: DayQ, end: DayQ,
                 shop_id: Annotated[str | None, Query(max_length=64)] = None,
                 agent_id: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, Any]:  # fmt: skip
    return surveys.survey_stats(
        session, _day(start), _day(end), shop_id=shop_id, agent_id=access.own_agent(caller, agent_id)
    )


# ----------------------------------------------------------------- templates and bot


class TemplateIn(ApiIn):
    category: Annotated[str, Field(max_length=32)]
    title: Annotated[str, Field(min_length=1, max_length=100)]
    body: Annotated[str, Field(min_length=1, max_length=5000)]
    steps: Annotated[list[Annotated[str, Field(max_length=500)]], Field(max_length=50)] = []
    shop_id: Annotated[str | None, Field(default=None, max_length=64)] = None


class RenderIn(ApiIn):
    variables: Annotated[dict[Annotated[str, Field(max_length=32)], Annotated[str, Field(max_length=500)] | int],
                         Field(max_length=20)] = {}  # fmt: skip


class BotIn(ApiIn):
    question: Annotated[str, Field(min_length=1, max_length=1000)]
    mode: Annotated[str | None, Field(default=None, max_length=16)] = None
    shop_id: Annotated[str | None, Field(default=None, max_length=64)] = None


class SettingsIn(ApiIn):
    open: Annotated[str | None, Field(default=None, max_length=5)] = None
    close: Annotated[str | None, Field(default=None, max_length=5)] = None
    open_on_rest_days: bool | None = None
    open_on_statutory: bool | None = None
    bot_mode: Annotated[str | None, Field(default=None, max_length=16)] = None
    bot_threshold: Annotated[float | None, Field(default=None, ge=0.0, le=1.0)] = None
    sla: Annotated[
        dict[Annotated[str, Field(max_length=16)], Annotated[list[int], Field(min_length=2, max_length=2)]]
        | None,
        Field(default=None, max_length=4),
    ] = None
    calendar_overrides: Annotated[
        dict[Annotated[str, Field(max_length=10)], Annotated[str, Field(max_length=16)]] | None,
        Field(default=None, max_length=400),
    ] = None


@router.get("/templates", response_model=list[TemplateOut])
def search_templates(session: DbSession, caller: CurrentCaller, q: Annotated[str, Query(max_length=100)] = "",
                     shop_id: Annotated[str | None, Query(max_length=64)] = None,
                     limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[dict[str, Any]]:  # fmt: skip
    return templates.search_templates(session, q, shop_id=shop_id, limit=limit)


@router.post("/templates", status_code=status.HTTP_201_CREATED, dependencies=[MANAGERS], response_model=TemplateOut)
def create_template(body: TemplateIn, session: DbSession) -> dict[str, Any]:
    return templates.create_template(session, category=body.category, title=body.title, body=body.body,
                                steps=body.steps, shop_id=body.shop_id)  # fmt: skip


@router.post("/templates/seed", dependencies=[MANAGERS], response_model=TemplateSeedOut)
def seed_templates(session: DbSession) -> dict[str, int]:
    return {"added": templates.seed_templates(session)}


@router.post("/templates/{template_id}/render", response_model=TemplateRenderOut)
def render_template(
    template_id: Id, body: RenderIn, session: DbSession, caller: CurrentCaller
) -> dict[str, Any]:
    return templates.render_template(session, template_id, dict(body.variables))


@router.post("/bot/answer", response_model=BotReplyOut)
def bot_answer(body: BotIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return bot.bot_answer(session, body.question, body.mode, shop_id=body.shop_id)


@router.get("/settings/{shop_id}", response_model=CareSettingsOut, response_model_exclude_unset=True)
def read_settings(shop_id: Annotated[str, Path(min_length=1, max_length=64)], session: DbSession,
                  caller: CurrentCaller) -> dict[str, Any]:  # fmt: skip
    return care.care_settings(session, shop_id)


@router.put("/settings/{shop_id}", dependencies=[MANAGERS], response_model=CareSettingsOut, response_model_exclude_unset=True)
def write_settings(shop_id: Annotated[str, Path(min_length=1, max_length=64)], body: SettingsIn,
                   session: DbSession) -> dict[str, Any]:  # fmt: skip
    return care.set_care_settings(session, shop_id, **body.model_dump(exclude_none=True))


# ----------------------------------------------------------------- logbooks and ledger


class LogbookIn(ApiIn):
    shop_id: Str64
    book: Annotated[str, Field(max_length=16)]
    kind: Annotated[str, Field(max_length=16)] = "note"
    text: Annotated[str, Field(min_length=1, max_length=5000)]
    day: Annotated[str | None, Field(default=None, max_length=10)] = None


class LedgerIn(ApiIn):
    agent_id: Str64
    day: Annotated[str, Field(min_length=10, max_length=10)]
    kind: Annotated[str, Field(max_length=16)]
    amount_fen: Annotated[int, Field(ge=-(10**10), le=10**10)]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    evidence: Annotated[str, Field(max_length=200)] = ""


@router.post("/logbook", status_code=status.HTTP_201_CREATED, response_model=LogbookEntryOut)
def add_logbook_entry(body: LogbookIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return books.add_logbook_entry(session, shop_id=body.shop_id, book=body.book, kind=body.kind, text=body.text,
                                  author=_who(caller), day=_day(body.day) if body.day else None,
                                  viewer=caller)  # fmt: skip


@router.get("/logbook", response_model=list[LogbookEntryOut])
def list_logbook(session: DbSession, caller: CurrentCaller, shop_id: Annotated[str, Query(min_length=1, max_length=64)],
                 book: Annotated[str, Query(max_length=16)], start: DayQ, end: DayQ,
                 author: Annotated[str | None, Query(max_length=64)] = None) -> list[dict[str, Any]]:  # fmt: skip
    return books.list_logbook(
        session, shop_id=shop_id, book=book, start=_day(start), end=_day(end), author=access.own_agent(caller, author),
        role=caller.role,
    )


@router.get("/logbook/weekly", response_model=WeeklyIssuesOut)
def weekly_summary(
    session: DbSession, caller: Annotated[Caller, MANAGERS], shop_id: Annotated[str, Query(min_length=1, max_length=64)], day: DayQ
) -> dict[str, Any]:
    return books.weekly_issue_summary(session, shop_id=shop_id, day=_day(day), role=caller.role)


@router.get("/handover-log", response_model=HandoverLogOut)
def handover_log(session: DbSession, caller: CurrentCaller, shop_id: Annotated[str, Query(min_length=1, max_length=64)],
                 day: DayQ) -> dict[str, Any]:  # fmt: skip
    return books.handover_log(session, shop_id=shop_id, day=_day(day), agent_id=access.own_agent(caller, None),
                             role=caller.role)


@router.get("/service-stats", response_model=list[ServiceStatsOut])
def service_stats(session: DbSession, caller: CurrentCaller, day: DayQ,
                  shop_id: Annotated[str | None, Query(max_length=64)] = None) -> list[dict[str, Any]]:  # fmt: skip
    return books.service_stats(session, _day(day), shop_id=shop_id, agent_id=access.own_agent(caller, None))


@router.post("/ledger", status_code=status.HTTP_201_CREATED, response_model=LedgerEntryOut)
def add_ledger_entry(body: LedgerIn, session: DbSession, caller: Annotated[Caller, MANAGERS]) -> dict[str, Any]:
    return books.add_ledger_entry(session, agent_id=body.agent_id, day=_day(body.day), kind=body.kind,
                                 amount_fen=body.amount_fen, reason=body.reason, evidence=body.evidence,
                                 by=_who(caller))  # fmt: skip


@router.get("/ledger", response_model=LedgerPage)
def list_ledger(session: DbSession, caller: CurrentCaller, agent_id: Annotated[str | None, Query(max_length=64)] = None,
                start: Annotated[str | None, Query(max_length=10)] = None,
                end: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:  # fmt: skip
    return books.list_ledger(session, agent_id=access.own_agent(caller, agent_id), start=_day(start) if start else None,
                            end=_day(end) if end else None)  # fmt: skip
