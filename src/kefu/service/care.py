"""Care use-cases: tickets, callbacks, surveys, templates, FAQ bot, logbooks, fines and rewards.

One function per use-case, each taking a Session; API, CLI and dashboard call
these. The engines in :mod:`kefu.care` do the reasoning; this module maps rows
to plain facts and back. The use-cases live in the ``care_*`` modules named
below and are re-exported here; the FAQ bot lives in ``care_bot``. Who may see
which ticket, survey or record is decided there (``kefu.service.access``).
"""

from __future__ import annotations

# Settings (care_hours), tickets (care_tickets), surveys (care_surveys), record books and the ledger
# (care_books) and reply templates (care_templates) are re-exported so callers use one module.
from kefu.service.care_books import add_ledger_entry as add_ledger_entry
from kefu.service.care_books import add_logbook_entry as add_logbook_entry
from kefu.service.care_books import handover_log as handover_log
from kefu.service.care_books import list_ledger as list_ledger
from kefu.service.care_books import list_logbook as list_logbook
from kefu.service.care_books import service_stats as service_stats
from kefu.service.care_books import weekly_issue_summary as weekly_issue_summary
from kefu.service.care_bot import bot_answer as bot_answer
from kefu.service.care_bot import warm_bot as warm_bot
from kefu.service.care_hours import care_settings as care_settings
from kefu.service.care_hours import set_care_settings as set_care_settings
from kefu.service.care_hours import shop_ids as shop_ids
from kefu.service.care_surveys import answer_survey as answer_survey
from kefu.service.care_surveys import send_survey as send_survey
from kefu.service.care_surveys import survey_for_buyer as survey_for_buyer
from kefu.service.care_surveys import survey_link as survey_link
from kefu.service.care_surveys import survey_stats as survey_stats
from kefu.service.care_templates import create_template as create_template
from kefu.service.care_templates import render_template as render_template
from kefu.service.care_templates import search_templates as search_templates
from kefu.service.care_templates import seed_templates as seed_templates
from kefu.service.care_tickets import close_ticket as close_ticket
from kefu.service.care_tickets import create_ticket as create_ticket
from kefu.service.care_tickets import escalate_ticket as escalate_ticket
from kefu.service.care_tickets import get_ticket as get_ticket
from kefu.service.care_tickets import list_tickets as list_tickets
from kefu.service.care_tickets import record_callback as record_callback
from kefu.service.care_tickets import resolve_ticket as resolve_ticket
from kefu.service.care_tickets import respond_ticket as respond_ticket
from kefu.service.care_tickets import root_cause_summary as root_cause_summary
from kefu.service.care_tickets import schedule_callback as schedule_callback
