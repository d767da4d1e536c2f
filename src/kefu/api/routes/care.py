"""Care API: tickets, callbacks, surveys, reply templates, FAQ bot, logbooks, fines/rewards.

Thin: validate, authorise, call the care area's actions (:mod:`kefu.service.care`); bodies and
answers are the area's schemas, whose field limits mirror the columns. Agents may
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

from kefu.api.deps import (
    MANAGER_ROLES,
    STAFF_MANAGERS,
    Caller,
    CurrentCaller,
    DbSession,
    ManagerCaller,
    require_roles,
)
from kefu.domain.timeutil import parse_aware, parse_day
from kefu.service import access
from kefu.service.care import actions as care
from kefu.service.care import actions_books as books
from kefu.service.care import actions_bot as bot
from kefu.service.care import actions_surveys as surveys
from kefu.service.care import actions_templates as templates
from kefu.service.care import actions_tickets as tickets
from kefu.service.care.schemas import (
    CallbackIn,
    CallbackResultIn,
    CareSettingsIn,
    CareSettingsOut,
    HandoverLogOut,
    LedgerEntryIn,
    LedgerEntryOut,
    LedgerPage,
    LogbookEntryIn,
    LogbookEntryOut,
    RootCausesOut,
    ServiceStatsOut,
    SurveyAnswerIn,
    SurveyAnswerOut,
    SurveyIn,
    SurveyLinkOut,
    SurveySentOut,
    SurveyStatsOut,
    TemplateIn,
    TemplateOut,
    TemplateRenderIn,
    TemplateRenderOut,
    TemplateSeedOut,
    TicketEscalateIn,
    TicketEventOut,
    TicketIn,
    TicketOut,
    TicketResolveIn,
    TicketResponseIn,
    WeeklyIssuesOut,
)
from kefu.service.care.schemas_bot import BotQuestionIn, BotReplyOut

router = APIRouter(prefix="/care", tags=["care"])

MANAGERS = require_roles(*STAFF_MANAGERS)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
DayQ = Annotated[str, Query(min_length=10, max_length=10, description="YYYY-MM-DD")]


def _day(text: str) -> date:
    return parse_day(text, "day")  # bounded: outside the range no shop has data and date math overflows


def _moment(text: str) -> datetime:
    return parse_aware(text, name="at")


def _who(caller: Caller) -> str:
    return caller.agent_id or caller.name


# ----------------------------------------------------------------- tickets


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


@router.get("/tickets/{ticket_id}/history", response_model=list[TicketEventOut])
def ticket_history(ticket_id: Id, session: DbSession, caller: CurrentCaller) -> list[dict[str, Any]]:
    return tickets.ticket_history(session, ticket_id, viewer=caller, role=caller.role)


@router.post("/tickets/{ticket_id}/respond", response_model=TicketOut)
def respond(ticket_id: Id, body: TicketResponseIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return tickets.respond_ticket(session, ticket_id, text=body.text, by=_who(caller), viewer=caller)


@router.post("/tickets/{ticket_id}/escalate", response_model=TicketOut)
def escalate(ticket_id: Id, body: TicketEscalateIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return tickets.escalate_ticket(
        session, ticket_id, department=body.department, note=body.note, by=_who(caller), viewer=caller
    )


@router.post("/tickets/{ticket_id}/resolve", response_model=TicketOut)
def resolve(ticket_id: Id, body: TicketResolveIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
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
def answer_survey(body: SurveyAnswerIn, session: DbSession) -> dict[str, Any]:
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
    template_id: Id, body: TemplateRenderIn, session: DbSession, caller: CurrentCaller
) -> dict[str, Any]:
    return templates.render_template(session, template_id, dict(body.variables))


@router.post("/bot/answer", response_model=BotReplyOut)
def bot_answer(body: BotQuestionIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return bot.bot_answer(session, body.question, body.mode, shop_id=body.shop_id)


@router.get("/settings/{shop_id}", response_model=CareSettingsOut, response_model_exclude_unset=True)
def read_settings(shop_id: Annotated[str, Path(min_length=1, max_length=64)], session: DbSession,
                  caller: CurrentCaller) -> dict[str, Any]:  # fmt: skip
    return care.care_settings(session, shop_id)


@router.put("/settings/{shop_id}", dependencies=[MANAGERS], response_model=CareSettingsOut, response_model_exclude_unset=True)
def write_settings(shop_id: Annotated[str, Path(min_length=1, max_length=64)], body: CareSettingsIn,
                   session: DbSession) -> dict[str, Any]:  # fmt: skip
    return care.set_care_settings(session, shop_id, **body.model_dump(exclude_none=True))


# ----------------------------------------------------------------- logbooks and ledger


@router.post("/logbook", status_code=status.HTTP_201_CREATED, response_model=LogbookEntryOut)
def add_logbook_entry(body: LogbookEntryIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
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
def add_ledger_entry(body: LedgerEntryIn, session: DbSession, caller: Annotated[Caller, MANAGERS]) -> dict[str, Any]:
    return books.add_ledger_entry(session, agent_id=body.agent_id, day=_day(body.day), kind=body.kind,
                                 amount_fen=body.amount_fen, reason=body.reason, evidence=body.evidence,
                                 by=_who(caller))  # fmt: skip


@router.get("/ledger", response_model=LedgerPage)
def list_ledger(session: DbSession, caller: CurrentCaller, agent_id: Annotated[str | None, Query(max_length=64)] = None,
                start: Annotated[str | None, Query(max_length=10)] = None,
                end: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:  # fmt: skip
    return books.list_ledger(session, agent_id=access.own_agent(caller, agent_id), start=_day(start) if start else None,
                            end=_day(end) if end else None)  # fmt: skip
