"""Service tickets with SLA: requests and complaints from staff, the API or a logged complaint, with
an owner, a lifecycle (open → assigned → in progress → resolved → closed, reopen), an append-only
history, due times in each hotel's business hours, breach detection with escalation to the hotel
manager (recorded, then e-mailed once), auto-assignment by team and load, the guest's rating of a
resolved ticket (a low one reopens it), and the SLA dashboard's figures."""

from guestgraph.service._assign import add_team_member, least_loaded
from guestgraph.service._attachments import (
    MAX_BYTES,
    AttachmentLine,
    add_attachment,
    list_attachments,
    read_attachment,
)
from guestgraph.service._breaches import BreachReport, check_breaches
from guestgraph.service._dashboard import SlaRow, sla_dashboard
from guestgraph.service._errors import InvalidServiceInput, InvalidTransition, TicketNotFound
from guestgraph.service._escalate import EscalationMailReport, escalation_mail, send_escalations
from guestgraph.service._hours import BusinessHours, add_business_minutes
from guestgraph.service._policies import (
    CATEGORIES,
    PRIORITIES,
    TRANSITIONS,
    hours_for,
    load_sla_policies,
    policy_minutes,
    set_service_hours,
    shipped_policies,
)
from guestgraph.service._ratings import (
    LOW_RATING,
    RATING_VALID_FOR,
    RatingLine,
    rating_comments,
    rating_text,
    seal_rating_comment,
    ticket_ratings,
)
from guestgraph.service._sealed import (
    NewEvent,
    event_texts,
    record_events,
    ticket_descriptions,
    ticket_titles,
)
from guestgraph.service._tickets import (
    NewTicket,
    add_comment,
    assign_ticket,
    change_status,
    create_ticket,
    record_rating,
    ticket_from_interaction,
)
from guestgraph.service._views import (
    Complaint,
    EventLine,
    TicketView,
    complaints_without_ticket,
    get_ticket,
    list_tickets,
    ticket_history,
)

__all__ = [
    "NewEvent",
    "event_texts",
    "record_events",
    "ticket_descriptions",
    "ticket_titles",
    "rating_comments",
    "seal_rating_comment",
    "MAX_BYTES",
    "AttachmentLine",
    "add_attachment",
    "list_attachments",
    "read_attachment",
    "CATEGORIES",
    "LOW_RATING",
    "PRIORITIES",
    "RATING_VALID_FOR",
    "TRANSITIONS",
    "BreachReport",
    "BusinessHours",
    "Complaint",
    "EscalationMailReport",
    "EventLine",
    "InvalidServiceInput",
    "InvalidTransition",
    "NewTicket",
    "RatingLine",
    "SlaRow",
    "TicketNotFound",
    "TicketView",
    "add_business_minutes",
    "add_comment",
    "add_team_member",
    "assign_ticket",
    "change_status",
    "check_breaches",
    "complaints_without_ticket",
    "create_ticket",
    "escalation_mail",
    "get_ticket",
    "hours_for",
    "least_loaded",
    "list_tickets",
    "load_sla_policies",
    "policy_minutes",
    "rating_text",
    "record_rating",
    "send_escalations",
    "set_service_hours",
    "shipped_policies",
    "sla_dashboard",
    "ticket_from_interaction",
    "ticket_history",
    "ticket_ratings",
]
