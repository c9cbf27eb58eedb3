"""Protect: the consent ledger every use of guest data must ask, data-subject requests with their
deadlines, the guest's complete export, and erasure everywhere."""

from guestgraph.privacy._breach import BreachReport, affected_by_hotel, affected_by_ids, breach_report
from guestgraph.privacy._consent import (
    ConsentAnswer,
    ConsentInput,
    ConsentRow,
    consent_granted,
    consent_history,
    consented_guest_ids,
    current_consents,
    may_use,
    record_consent,
    withdraw_all,
)
from guestgraph.privacy._erase import (
    HANDLED,
    RETENTION_BASIS,
    ErasureOutcome,
    erase_guest,
    erase_guests,
    shred_guest_keys,
)
from guestgraph.privacy._errors import ConsentNotAllowed, ReasonRequired, RequestNotFound
from guestgraph.privacy._export import EXPORTED, NOT_EXPORTED, Subject, export_guest, subject_of
from guestgraph.privacy._guest_list import ExportPurpose, GuestListExport, export_guest_list, neutralise
from guestgraph.privacy._imported import import_consents
from guestgraph.privacy._inventory import CLASSIFIED, NOT_PERSONAL, Classification, classification, is_listed
from guestgraph.privacy._requests import (
    DeadlinePolicy,
    RequestRow,
    add_months,
    close_request,
    due_date,
    extend_request,
    get_request,
    list_requests,
    open_request,
)
from guestgraph.privacy._retention import (
    RetentionRun,
    ScheduleLine,
    retention_schedule,
    run_retention,
    set_retention,
)
from guestgraph.privacy._service import (
    Actor,
    fulfil_erasure,
    guest_id_for,
    record_guest_consent,
    withdraw_guest_consents,
)
from guestgraph.privacy._vocabulary import TOPICS, Channel, LawfulBasis, Purpose

__all__ = [
    "BreachReport",
    "affected_by_hotel",
    "affected_by_ids",
    "breach_report",
    "CLASSIFIED",
    "EXPORTED",
    "HANDLED",
    "NOT_EXPORTED",
    "NOT_PERSONAL",
    "RETENTION_BASIS",
    "TOPICS",
    "Actor",
    "Channel",
    "Classification",
    "ConsentAnswer",
    "ConsentInput",
    "ConsentNotAllowed",
    "ConsentRow",
    "DeadlinePolicy",
    "ErasureOutcome",
    "ExportPurpose",
    "GuestListExport",
    "LawfulBasis",
    "Purpose",
    "ReasonRequired",
    "RequestNotFound",
    "RequestRow",
    "Subject",
    "add_months",
    "classification",
    "close_request",
    "consent_granted",
    "consent_history",
    "consented_guest_ids",
    "current_consents",
    "due_date",
    "erase_guest",
    "erase_guests",
    "RetentionRun",
    "ScheduleLine",
    "retention_schedule",
    "run_retention",
    "set_retention",
    "export_guest",
    "export_guest_list",
    "extend_request",
    "fulfil_erasure",
    "get_request",
    "guest_id_for",
    "import_consents",
    "is_listed",
    "list_requests",
    "may_use",
    "neutralise",
    "open_request",
    "record_consent",
    "record_guest_consent",
    "shred_guest_keys",
    "subject_of",
    "withdraw_all",
    "withdraw_guest_consents",
]
