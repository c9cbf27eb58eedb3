"""The canonical data model. Import from here; the modules behind it are organised by topic."""

from guestgraph.db.models._base import Base
from guestgraph.db.models.access import (
    AccessChange,
    AccessChangeStatus,
    LoginAttempt,
    PasswordReset,
    Role,
    ScopeLevel,
    StaffSession,
    StaffUser,
)
from guestgraph.db.models.analytics import GuestMetrics, GuestStageHistory, GuestTag, Segment, SegmentMember
from guestgraph.db.models.guests import Consent, ConsentDecision, Guest, GuestStatus, Interaction, Preference
from guestgraph.db.models.identity import AppLock, GuestMention, MatchModelVersion, MatchReview
from guestgraph.db.models.ingest import (
    BatchStatus,
    ImportBatch,
    QualityAlert,
    QualityStat,
    RecordIssue,
    Severity,
)
from guestgraph.db.models.org import Hotel, Region
from guestgraph.db.models.sources import RecordStatus, RecordType, SourceKind, SourceRecord, SourceSystem
from guestgraph.db.models.stays import Charge, GuestRole, Outlet, Stay, StayGuest, StayStatus

__all__ = [
    "AccessChange",
    "AccessChangeStatus",
    "LoginAttempt",
    "PasswordReset",
    "StaffSession",
    "AppLock",
    "Base",
    "BatchStatus",
    "Charge",
    "Consent",
    "ConsentDecision",
    "Guest",
    "GuestMention",
    "GuestMetrics",
    "GuestRole",
    "GuestStageHistory",
    "GuestStatus",
    "GuestTag",
    "Hotel",
    "ImportBatch",
    "Interaction",
    "MatchModelVersion",
    "MatchReview",
    "Outlet",
    "Preference",
    "QualityAlert",
    "QualityStat",
    "RecordIssue",
    "RecordStatus",
    "RecordType",
    "Region",
    "Role",
    "Segment",
    "SegmentMember",
    "ScopeLevel",
    "Severity",
    "SourceKind",
    "SourceRecord",
    "SourceSystem",
    "StaffUser",
    "Stay",
    "StayGuest",
    "StayStatus",
]
