"""The tamper-evident audit log (issue 7): append-only, hash-chained, with signed checkpoints outside
the database, retention that matches the law, and a search for the audit page.

    seq = record(session, AuditEvent("guest.reveal", actor_user_id=7, guest_public_id="G…",
                                     purpose="service", details={"field": "phone"}))
"""

from guestgraph.audit._anomaly import (
    GUEST_EDIT_ACTIONS,
    AlertLine,
    AnomalyPolicy,
    acknowledge_alert,
    alert_policy,
    attach_alert_policy,
    check_actor,
    check_export,
    list_alerts,
)
from guestgraph.audit._checkpoints import Checkpoint
from guestgraph.audit._context import Actor, acting_as, begin_request, bind_actor, current_actor, log_event
from guestgraph.audit._event import AuditEvent, Category, Outcome
from guestgraph.audit._prune import PruneResult, prune
from guestgraph.audit._record import install_checkpoints, record
from guestgraph.audit._search import AuditRecord, search_events
from guestgraph.audit._service import CheckpointResult, checkpoint
from guestgraph.audit._verify import AuditChainBroken, VerifyReport, verify

__all__ = [
    "GUEST_EDIT_ACTIONS",
    "AlertLine",
    "AnomalyPolicy",
    "acknowledge_alert",
    "alert_policy",
    "attach_alert_policy",
    "check_actor",
    "check_export",
    "list_alerts",
    "Actor",
    "acting_as",
    "begin_request",
    "bind_actor",
    "current_actor",
    "log_event",
    "AuditChainBroken",
    "AuditEvent",
    "AuditRecord",
    "Category",
    "Checkpoint",
    "CheckpointResult",
    "Outcome",
    "PruneResult",
    "VerifyReport",
    "checkpoint",
    "install_checkpoints",
    "prune",
    "record",
    "search_events",
    "verify",
]
