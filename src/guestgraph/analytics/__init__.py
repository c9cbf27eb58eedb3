"""Know the guest: RFM and lifecycle with churn warnings, tags, segments and the management dashboard.

Everything is computed set-based in SQL (the same result on SQLite and PostgreSQL) and read through
the caller's data scope, with personal data masked.
"""

from guestgraph.analytics._conditions import (
    FIELD_NAME,
    AllOf,
    AnyOf,
    AttributeCondition,
    BirthdayCondition,
    Condition,
    FieldCondition,
    MetricCondition,
    Not,
    SegmentDefinition,
    SpendCondition,
    StayCondition,
    TagCondition,
)
from guestgraph.analytics._fields import FieldView, guest_fields, set_fields, set_guest_field
from guestgraph.analytics._incremental import Margins
from guestgraph.analytics._insight import GuestInsight, guest_insight
from guestgraph.analytics._metrics import Vocabulary
from guestgraph.analytics._names import RFM_GROUP_BY_CODE, RFM_GROUPS, STAGES, Named
from guestgraph.analytics._refresh import STEPS as REFRESH_STEPS
from guestgraph.analytics._refresh import RefreshSummary, refresh
from guestgraph.analytics._reports import (
    ChurnWarning,
    Dashboard,
    DataQuality,
    PeriodFigures,
    check_period,
    churn_warnings,
    dashboard,
)
from guestgraph.analytics._rules import RuleSet, TagRule, load_rules
from guestgraph.analytics._segments import (
    Preview,
    SegmentGuest,
    SegmentInfo,
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    member_query,
    preview_segment,
    segment_preview,
    update_segment,
)
from guestgraph.analytics._settings import AnalyticsSettings
from guestgraph.analytics._sqlfuncs import days_between
from guestgraph.analytics._tags import TagView, add_manual_tag, guest_tags, retire_manual_tag, tag_notes

__all__ = [
    "Margins",
    "REFRESH_STEPS",
    "RFM_GROUPS",
    "RFM_GROUP_BY_CODE",
    "STAGES",
    "AllOf",
    "AnalyticsSettings",
    "AnyOf",
    "AttributeCondition",
    "BirthdayCondition",
    "ChurnWarning",
    "Condition",
    "Dashboard",
    "DataQuality",
    "PeriodFigures",
    "MetricCondition",
    "GuestInsight",
    "Named",
    "Not",
    "Preview",
    "RefreshSummary",
    "RuleSet",
    "SegmentDefinition",
    "SegmentGuest",
    "SegmentInfo",
    "SpendCondition",
    "StayCondition",
    "TagCondition",
    "FIELD_NAME",
    "FieldCondition",
    "FieldView",
    "guest_fields",
    "set_fields",
    "set_guest_field",
    "TagRule",
    "TagView",
    "Vocabulary",
    "add_manual_tag",
    "tag_notes",
    "check_period",
    "churn_warnings",
    "create_segment",
    "dashboard",
    "days_between",
    "delete_segment",
    "get_segment",
    "guest_insight",
    "guest_tags",
    "list_segments",
    "load_rules",
    "member_query",
    "preview_segment",
    "refresh",
    "retire_manual_tag",
    "segment_preview",
    "update_segment",
]
