"""The canonical data model. Import from here; the modules behind it are organised by topic."""

from guestgraph.db.models._base import Base
from guestgraph.db.models.access import (
    AccessChange,
    AccessChangeStatus,
    LoginAttempt,
    PasswordReset,
    RevealGrant,
    Role,
    ScopeLevel,
    StaffSession,
    StaffUser,
)
from guestgraph.db.models.analytics import GuestMetrics, GuestStageHistory, GuestTag, Segment, SegmentMember
from guestgraph.db.models.audit import AuditControl, AuditEventRow
from guestgraph.db.models.engage import Campaign, CampaignMessage, CampaignStatus, MessageStatus
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
from guestgraph.db.models.journeys import (
    EnrolmentStatus,
    Journey,
    JourneyEnrolment,
    JourneyStatus,
    JourneyStepRun,
)
from guestgraph.db.models.org import Hotel, Region
from guestgraph.db.models.privacy import Jurisdiction, PrivacyRequest, RequestKind, RequestStatus
from guestgraph.db.models.security import SecurityAlert
from guestgraph.db.models.service import (
    ServiceHours,
    ServiceTeamMember,
    ServiceTicket,
    SlaPolicy,
    TicketEscalation,
    TicketEvent,
    TicketStatus,
)
from guestgraph.db.models.sources import RecordStatus, RecordType, SourceKind, SourceRecord, SourceSystem
from guestgraph.db.models.stays import Charge, GuestRole, Outlet, Stay, StayGuest, StayStatus

__all__ = [
    "SecurityAlert",
    "AccessChange",
    "AccessChangeStatus",
    "LoginAttempt",
    "PasswordReset",
    "RevealGrant",
    "StaffSession",
    "AppLock",
    "AuditControl",
    "AuditEventRow",
    "Base",
    "BatchStatus",
    "Campaign",
    "CampaignMessage",
    "CampaignStatus",
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
    "EnrolmentStatus",
    "Journey",
    "JourneyEnrolment",
    "JourneyStatus",
    "JourneyStepRun",
    "Jurisdiction",
    "PrivacyRequest",
    "RequestKind",
    "RequestStatus",
    "MatchModelVersion",
    "MatchReview",
    "MessageStatus",
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
    "ServiceHours",
    "ServiceTeamMember",
    "ServiceTicket",
    "Severity",
    "SlaPolicy",
    "TicketEscalation",
    "TicketEvent",
    "TicketStatus",
    "SourceKind",
    "SourceRecord",
    "SourceSystem",
    "StaffUser",
    "Stay",
    "StayGuest",
    "StayStatus",
]
