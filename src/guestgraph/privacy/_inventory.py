"""The data inventory (checklist DG-02, first bullet): every column of every table is either
classified here, with its sensitivity, purpose, retention and encryption, or listed as holding no
personal data. `tests/test_privacy_inventory.py` scans the models and fails on a column in neither,
so a new column cannot arrive unclassified. Sensitivity follows PIPL 28: ID numbers, whereabouts
(stays) and health (allergies) are sensitive personal information."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Sensitivity = Literal["sensitive", "personal"]
Encryption = Literal["planned", "none", "hashed", "sealed"]


@dataclass(frozen=True)
class Classification:
    category: str
    sensitivity: Sensitivity
    purpose: str
    retention: str
    encryption: Encryption  # "planned": the crypto vault (CR-01) is to be wired into these columns


# The retention schedule (privacy/_retention.py, DG-01) names each period; defaults, configurable there.
PROFILE = "until erasure, or 3 years without a stay or contact (retention schedule: profile)"
ACCOUNTING = (
    "stays and folios: as accounting law requires; the guest unlinked after 5 years (schedule: stay_link) "
    "and on erasure"
)
DOCUMENT_PERIOD = "1 year after the last stay or record (retention schedule: identity_document)"
SERVICE_PERIOD = "3 years (retention schedule: interaction, service_ticket), or until erasure"
STAFF_LOGS = "6 months at least (CSL 21); 3 years where it records sensitive-PI processing (PIPL 56)"

IDENTITY = Classification("identity", "personal", "recognise the guest, address them", PROFILE, "none")
DERIVED = Classification("identity (derived)", "personal", "identity resolution match keys", PROFILE, "none")
CONTACT = Classification("contact", "personal", "service; marketing only with consent", PROFILE, "sealed")
PLACE = Classification("contact", "personal", "service, reports by city and country", PROFILE, "none")
DOCUMENT = Classification(
    "identity document",
    "sensitive",
    "check-in registration required by law (public security)",
    DOCUMENT_PERIOD,
    "sealed",
)
BIRTHDAY = Classification(
    "birthday (month and day only)", "personal", "birthday greetings and arrival alerts", PROFILE, "none"
)
# A keyed HMAC (CR-03): exact search and matching without the value; useless without the index key.
BLIND_INDEX = Classification("blind index", "personal", "exact search and matching", PROFILE, "hashed")
KEY_REF = Classification("data key reference", "personal", "crypto-shredding (CR-04)", PROFILE, "none")
LOYALTY = Classification("loyalty", "personal", "loyalty programme (contract)", PROFILE, "none")
WHEREABOUTS = Classification("whereabouts", "sensitive", "the stay itself (contract)", ACCOUNTING, "none")
STAY = Classification("stay", "personal", "the stay itself (contract), accounting", ACCOUNTING, "none")
FINANCIAL = Classification(
    "financial", "personal", "billing, accounting (legal obligation)", ACCOUNTING, "none"
)
# Why the desk refunded or voided a payment: free text a clerk types, kept with the folio.
FOLIO_NOTE = Classification(
    "folio note (free text)",
    "personal",
    "why a payment was refunded or voided (accounting)",
    ACCOUNTING,
    "none",
)
RAW = Classification(
    "record as sent",
    "sensitive",
    "lineage: what each system sent, to explain every value",
    PROFILE + "; unresolved records 180 days (schedule: unresolved_record)",
    "sealed",
)
ISSUE = Classification(
    "values a rule flagged", "sensitive", "import reports: the value as sent and as fixed", PROFILE, "sealed"
)
NOTE = Classification("steward note", "personal", "why a record was discarded", PROFILE, "none")
PSEUDONYM = Classification("pseudonymous id", "personal", "link records across systems", PROFILE, "none")
NOTES = Classification("service notes", "personal", "service history (contract)", SERVICE_PERIOD, "none")
# What staff type about a guest: free text that may hold a phone number or a health remark (PIPL 28).
NOTE_TEXT = Classification(
    "service notes (free text)", "sensitive", "service history (contract)", SERVICE_PERIOD, "sealed"
)
HEALTH = Classification(
    "preferences incl. health", "sensitive", "service (allergies: separate consent)", PROFILE, "sealed"
)
HEALTH_KIND = Classification(
    "kind of preference", "personal", "service (allergies: separate consent)", PROFILE, "none"
)
CONSENT = Classification("consent", "personal", "proof of consent and its withdrawal", PROFILE, "none")
DSR = Classification(
    "data-subject request", "personal", "proof that the guest's request was answered", "3 years", "none"
)
STAFF = Classification(
    "staff account", "personal", "access control and audit", "account lifetime + " + STAFF_LOGS, "none"
)
STAFF_LOG = Classification(
    "staff activity", "personal", "security: throttling, sessions, audit", STAFF_LOGS, "none"
)
SECRET = Classification("credential", "sensitive", "authentication", "account lifetime", "hashed")
SEALED = Classification("credential", "sensitive", "second factor", "account lifetime", "sealed")
MARKETING = Classification(
    "marketing contact",
    "personal",
    "which marketing message a guest got or why not (consent proof)",
    "3 years (retention schedule: marketing), or until erasure",
    "none",
)
RESPONSE = Classification(
    "campaign response",
    "personal",
    "whether a marketing e-mail was opened (pixel) and a link in it followed (first time only)",
    "3 years (retention schedule: marketing), or until erasure",
    "none",
)
# a hard bounce's address (keyed blind index only): why later marketing e-mail is not sent to it
BOUNCE = Classification(MARKETING.category, "personal", MARKETING.purpose, MARKETING.retention, "hashed")
PROFILING = Classification(
    "profiling", "personal", "segments, scores and tags (PIPL 24: profiling)", PROFILE, "none"
)
# What staff write when they tag a guest: free text that may give a phone number or a health remark.
TAG_NOTE = Classification("profiling notes (free text)", "sensitive", PROFILING.purpose, PROFILE, "sealed")
FEEDBACK = Classification(
    "guest feedback",
    "personal",
    "service quality: survey answers and their follow-up (contract)",
    PROFILE,
    "none",
)
RATING = Classification(
    "guest feedback",
    "personal",
    "service quality: survey answers and their follow-up (contract)",
    SERVICE_PERIOD,
    "none",
)
REVIEW = Classification(
    "OTA review",
    "personal",
    "service quality: reviews from OTA exports, matched to the guest by booking reference (contract)",
    PROFILE + "; on erasure the review is kept without reviewer, reference, comment or guest",
    "none",
)
# What guests write (a survey's or a rating's comment, a review): free text that may hold a phone number
# or a health complaint (PIPL 28), sealed under the guest's key (a review without a guest: its own).
FEEDBACK_TEXT = Classification(
    "guest feedback (free text)", "sensitive", FEEDBACK.purpose, FEEDBACK.retention, "sealed"
)
RATING_TEXT = Classification(
    "guest feedback (free text)", "sensitive", RATING.purpose, RATING.retention, "sealed"
)
REVIEW_TEXT = Classification(
    "OTA review (free text)", "sensitive", REVIEW.purpose, REVIEW.retention, "sealed"
)
LINK = Classification(
    "survey link", "sensitive", "lets only the guest answer their survey", PROFILE, "hashed"
)
CONVERSATION = Classification(
    "guest messages",
    "personal",
    "answer the guest's requests and complaints (contract)",
    "1 year after the conversation's last message (retention schedule: conversation), or until erasure",
    "sealed",
)
ATTACHMENT = Classification(
    "files on service tickets",
    "personal",
    "service: photos and documents about a request or complaint (contract)",
    SERVICE_PERIOD,
    "sealed",
)
LINEAGE = Classification(
    "import log", "personal", "import reports (may repeat values as sent)", PROFILE, "none"
)

COUPON = Classification(
    "offers and coupons",
    "personal",
    "a coupon issued to the guest (marketing, with consent) and its redemption on the bill (contract)",
    "3 years (retention schedule: marketing), or until erasure; a redeemed coupon is then kept without "
    "the guest for the campaign's revenue",
    "none",
)

CHANGE_FEED = Classification(
    "change feed",
    "personal",
    "keep downstream systems (PMS, loyalty, CRM) in step: corrections, merges, erasures (PIPL 46, GDPR 19)",
    PROFILE + "; kept after erasure without reasons, so downstream systems learn of the erasure",
    "none",
)

PROMPT = Classification(
    "service prompts",
    "sensitive",
    "prepare the guest's arrival: a task for a department and its reason, which may repeat an allergy "
    "or a complaint (contract)",
    "as the stay's service notes (" + SERVICE_PERIOD + ")",
    "none",
)
PROMPT_DETAIL = Classification(
    PROMPT.category, "sensitive", PROMPT.purpose, PROMPT.retention, "sealed"
)  # the reason's detail: the allergy, do-not-rent or complaint text it quotes

MEMBERSHIP = Classification(
    "loyalty membership",
    "personal",
    "loyalty programme: membership of a scheme, member number, tier and its history (contract)",
    PROFILE + "; on erasure the membership is kept without guest or number, for the points ledger",
    "none",
)
POINTS = Classification(
    "loyalty points",
    "personal",
    "loyalty programme: points earned on the bill, redeemed and expired (contract); the points liability "
    "(accounting)",
    "as long as the ledger is kept for accounting; on erasure its membership is anonymised, so the entries "
    "name nobody",
    "none",
)


def _cols(spec: str, c: Classification) -> dict[str, Classification]:
    return dict.fromkeys(spec.split(), c)


CLASSIFIED: dict[str, dict[str, Classification]] = {
    "guest": {
        **_cols("full_name family_name given_name salutation gender nationality language", IDENTITY),
        **_cols("name_pinyin", DERIVED),
        **_cols("id_document_type id_number_enc birth_date_enc", DOCUMENT),
        **_cols("phone_enc email_enc", CONTACT),
        **_cols("city country", PLACE),
        **_cols("birth_month birth_day", BIRTHDAY),
        **_cols("phone_bidx phone_tail_bidx email_bidx id_number_bidx", BLIND_INDEX),
        **_cols("key_ref", KEY_REF),
        **_cols("loyalty_number loyalty_tier vip_level", LOYALTY),
    },
    "guest_mention": {
        **_cols("full_name family_name given_name salutation gender nationality", IDENTITY),
        **_cols("name_simplified name_pinyin name_key surname_only", DERIVED),
        **_cols("id_type id_number_enc birth_date_enc", DOCUMENT),
        **_cols("phone_enc email_enc", CONTACT),
        **_cols("city", PLACE),
        **_cols("phone_bidx email_bidx id_number_bidx birth_bidx", BLIND_INDEX),
        **_cols("key_ref", KEY_REF),
        **_cols("loyalty_number loyalty_tier", LOYALTY),
        **_cols("stay_ref channel_ref room_night stay_span", WHEREABOUTS),
    },
    "source_record": {
        **_cols("raw_sealed standardised_sealed", RAW),
        **_cols("steward_note", NOTE),
        **_cols("key_ref", KEY_REF),
        **_cols("external_id", PSEUDONYM),
    },
    "record_issue": {**_cols("raw_value_enc fixed_value_enc", ISSUE), **_cols("detail", LINEAGE)},
    "stay": {
        **_cols("arrival departure room_number rollup_day", WHEREABOUTS),
        **_cols("confirmation_number", PSEUDONYM),
        **_cols("room_type rate_plan channel adults children amount currency", STAY),
    },
    "charge": {
        **_cols("description amount posted_at", FINANCIAL),
        **_cols("awaited_confirmation_number", PSEUDONYM),
    },
    "payment": {
        **_cols("amount paid_at reference card_last4 voided_at", FINANCIAL),
        **_cols("awaited_confirmation_number", PSEUDONYM),
        **_cols("reason void_reason", FOLIO_NOTE),
    },
    "preference": {
        **_cols("category", HEALTH_KIND),
        **_cols("value_enc", HEALTH),
        **_cols("key_ref", KEY_REF),
    },
    "guest_metrics": _cols(
        "bookings stays nights first_arrival last_arrival previous_arrival last_departure days_since "
        "usual_interval_days longest_stay weekday_share child_stays corporate_stays ota_stays direct_stays "
        "complaints room_revenue fnb_spend spa_spend other_spend monetary r_score f_score m_score rfm_group "
        "stage churn_warning",
        PROFILING,
    ),
    "guest_stage_history": _cols("stage previous_stage entered_on left_on", PROFILING),
    "guest_tag": {
        **_cols("tag kind since retired_at", PROFILING),
        **_cols("note_enc", TAG_NOTE),
        **_cols("key_ref", KEY_REF),
        **_cols("added_by retired_by", STAFF),
    },
    "guest_field": {
        **_cols("name value set_at retired_at", PROFILING),
        **_cols("set_by retired_by", STAFF),
    },
    "segment_member": _cols("entered_at left_at", PROFILING),
    "segment": _cols("created_by", STAFF),
    "interaction": {
        **_cols("channel direction kind occurred_at", NOTES),
        **_cols("text_enc", NOTE_TEXT),
        **_cols("key_ref", KEY_REF),
    },
    "service_ticket": {
        **_cols("title_enc description_enc", NOTE_TEXT),
        **_cols("key_ref", KEY_REF),
    },
    "ticket_event": _cols("text_enc", NOTE_TEXT),
    "survey": {
        **_cols("nps csat sentiment topic matched answered_at", FEEDBACK),
        **_cols("comment_enc", FEEDBACK_TEXT),
        **_cols("key_ref", KEY_REF),
        **_cols("sent_at skip_reason lang", MARKETING),
        **_cols("token_hash", LINK),
    },
    "ticket_rating": {
        **_cols("score rated_at", RATING),
        **_cols("comment_enc", RATING_TEXT),
        **_cols("key_ref", KEY_REF),
        **_cols("sent_at skip_reason", NOTES),
        **_cols("token_hash", LINK),
    },
    "survey_outlet_score": _cols("score", FEEDBACK),
    "ota_review": {
        **_cols("reviewer sentiment topic matched", REVIEW),
        **_cols("comment_enc", REVIEW_TEXT),
        **_cols("key_ref", KEY_REF),
        **_cols("booking_ref", PSEUDONYM),
    },
    "self_service_link": _cols("token_hash", LINK),
    "conversation": {
        **_cols("counterpart_enc subject_enc", CONVERSATION),
        **_cols("counterpart_bidx", BLIND_INDEX),
        **_cols("key_ref", KEY_REF),
    },
    "inbox_message": {**_cols("body_enc", CONVERSATION), **_cols("error", NOTES)},
    "ticket_attachment": {
        **_cols("filename", NOTES),
        **_cols("content_enc", ATTACHMENT),
        **_cols("key_ref", KEY_REF),
    },
    "self_service_request": _cols("kind created_at", NOTES),
    "consent": _cols(
        "purpose channel decision lawful_basis source notice_version evidence recorded_at", CONSENT
    ),
    "privacy_request": _cols(
        "guest_public_id kind jurisdiction status received_at due_at extended_at extension_reason details "
        "closed_at refusal_reason outcome",
        DSR,
    ),
    "match_review": {
        **_cols("left_key right_key contributions", DERIVED),
        **_cols("decided_by reason", STAFF),
    },
    "guest_change": {
        **_cols("guest_public_id other_public_id", CHANGE_FEED),
        **_cols("reason", STAFF),
    },
    "guest_merge": {
        **_cols("mention_keys", DERIVED),
        **_cols("decided_by reason undone_by undo_reason", STAFF),
    },
    "staff_user": {
        **_cols("username display_name email locale last_login_at is_active scope_level", STAFF),
        **_cols("mfa_enrolled_at password_changed_at disabled_at", STAFF),
        **_cols("password_hash recovery_codes mfa_last_step", SECRET),
        **_cols("mfa_secret", SEALED),
    },
    "staff_session": {
        **_cols("token_hash", SECRET),
        **_cols("ip user_agent created_at last_seen_at mfa_ok mfa_failures ended_at", STAFF_LOG),
    },
    "login_attempt": _cols("username ip at ok", STAFF_LOG),
    "password_reset": {**_cols("token_hash", SECRET), **_cols("issued_by", STAFF)},
    "access_change": _cols("proposed_by decided_by reason change", STAFF),
    "reveal_grant": _cols("field purpose created_at expires_at", STAFF_LOG),
    "security_alert": _cols("actor_username dedupe_key facts acknowledged_by", STAFF_LOG),
    # the audit trail: who did what to which guest ID, never the data itself (PIPL 56 retention)
    "audit_event": _cols(
        "payload occurred_at action outcome category actor_user_id actor_username guest_public_id", STAFF_LOG
    ),
    "import_batch": _cols("filename error", LINEAGE),
    "campaign_message": {
        **_cols("status reason queued_at claimed_at sent_at delivery delivery_at delivery_detail", MARKETING),
        **_cols("opened_at clicked_at unsubscribed_at", RESPONSE),
        **_cols("bounced_bidx", BOUNCE),
    },
    "journey_enrolment": _cols(
        "trigger_key status step next_at claimed_at entered_at ended_at reason", MARKETING
    ),
    "journey_step_run": _cols("step kind outcome purpose reason started_at sent_at", MARKETING),
    "service_prompt": {
        **_cols("department reason_kind due_on status generated_at done_at withdrawn_at", PROMPT),
        **_cols("reason_detail_enc", PROMPT_DETAIL),
        **_cols("key_ref", KEY_REF),
    },
    "loyalty_member": _cols("member_number status source enrolled_at tier_since", MEMBERSHIP),
    "loyalty_tier_change": _cols("direction nights spend reason changed_at", MEMBERSHIP),
    "loyalty_entry": _cols(
        "kind points amount currency outlet stay_id charge_id room_stay_id reason occurred_at created_at",
        POINTS,
    ),
    "coupon": _cols(
        "code state issued_via issued_at valid_from valid_to journey_step redeemed_at redeemed_outlet "
        "redeemed_amount redeemed_currency redeemed_via voided_at void_reason",
        COUPON,
    ),
}

# Columns that hold no personal data (keys and foreign keys are never listed: they are references).
NOT_PERSONAL: dict[str, str] = {
    "audit_event": "hash",
    "audit_control": "last_seq last_hash prune_through",
    "security_alert": "rule raised_at acknowledged_at",
    "guest": "public_id status created_at updated_at provenance",
    "guest_mention": "person_index role trust_rank seen_at link_rule",
    "source_record": "record_type version_key content_hash is_current location source_version "
    "source_updated_at received_at raw_format status has_consent_flags",
    "record_issue": "rule severity field person",
    "stay": "status created_at updated_at",
    "charge": "outlet currency",
    "payment": "method currency",
    "preference": "created_at retired_at",
    "guest_metrics": "computed_on",
    "segment": "name definition kind created_at updated_at frozen_at members",
    "report_schedule": "report frequency format params created_at active last_period last_sent_at "
    "last_outcome",
    "report_schedule_recipient": "last_period",
    "match_review": "match_weight match_probability model_version status created_at decided_at",
    "guest_merge": "rule merged_at undone_at",
    "guest_change": "kind fields changed_at",
    "analytics_run": "kind as_of started_at finished_at guests touched marks",
    # the management dashboard's roll-ups: counts and sums per hotel and day, region or group (0052)
    "dashboard_day": "day channel stays nights room_amount",
    "dashboard_outlet_day": "day channel outlet lines amount",
    "dashboard_distribution": "level unit_id stage rfm_group churn_warning guests",
    "staff_user": "created_at updated_at",
    "password_reset": "created_at expires_at used_at",
    "access_change": "kind proposed_at status decided_at",
    "import_batch": "channel format profile file_sha256 file_size status started_at finished_at rows_read "
    "accepted accepted_with_warnings quarantined duplicates superseded checkpoint rule_counts",
    "app_lock": "acquired_at",
    "campaign": "name purpose channel subject_zh subject_en body_zh body_en last_stay_from last_stay_to "
    "status queued_at created_at updated_at scheduled_at attribution_days",
    "campaign_message": "claimed_by",
    "journey": "name template status definition activated_at created_at updated_at",
    "offer": "name_zh name_en kind value_kind value currency valid_from valid_to per_guest_limit "
    "total_limit issued_count status created_at updated_at",
    "journey_enrolment": "claimed_by",
    "prompt_rule": "code name_zh name_en department condition active shipped created_at updated_at",
    "loyalty_scheme": "code name_zh name_en currency expiry_months golden_number created_at updated_at",
    "loyalty_tier": "code name_zh name_en rank min_nights min_spend labels",
    "loyalty_earn_rate": "points_per_unit",
    "loyalty_member": "created_at updated_at",
    "service_ticket": "category priority status team created_at updated_at respond_due_at resolve_due_at "
    "first_response_at resolved_at closed_at respond_breached_at resolve_breached_at",
    "ticket_event": "at kind from_status to_status",
    "ticket_escalation": "deadline at sent_at skip_reason",
    "ticket_rating": "created_at expires_at",
    "survey": "created_at expires_at",
    "feedback_rule": "dimension label words updated_at",
    "survey_outlet_score": "outlet",
    "ota_review": "channel external_id reviewed_on score scale csat imported_at",
    "ota_review_score": "aspect score",
    "self_service_link": "created_at expires_at",
    "conversation": "channel match candidates status created_at last_message_at unread",
    "inbox_message": "channel direction external_id at delivery",
    "ticket_attachment": "content_type size sha256 uploaded_at",
    "sla_policy": "category priority respond_minutes resolve_minutes created_at updated_at",
    "service_hours": "opens closes",
    "service_team_member": "team",
    "match_model": "version created_at records params",
    "region": "code name_zh name_en created_at updated_at",
    "hotel": "code name_zh name_en city_zh city_en timezone currency rooms quality_threshold pms_feed "
    "created_at updated_at",
    "role": "code name_zh name_en permissions mfa_required mfa_exempted_by mfa_exempted_at "
    "mfa_exemption_reason created_at updated_at",
    "source_system": "code kind name_zh name_en trust_rank api_key_hash api_key_hint created_at updated_at",
    "quality_alert": "metric value threshold raised_at resolved_at",
    "retention_rule": "category days note updated_at",
    "data_recipient": "code name kind country route route_reference active created_at updated_at",
    "quality_stat": "day records valid quarantined persons complete with_name with_phone with_email "
    "with_document with_birth_date non_identifying_contact",
}


def classification(table: str, column: str) -> Classification | None:
    """The column's classification; None for a column listed as holding no personal data."""
    return CLASSIFIED.get(table, {}).get(column)


def is_listed(table: str, column: str) -> bool:
    return column in CLASSIFIED.get(table, {}) or column in NOT_PERSONAL.get(table, "").split()
