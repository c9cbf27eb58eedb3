"""Permissions: what a role may do. Every route declares one (or is explicitly public)."""

from __future__ import annotations

import enum


class Permission(enum.StrEnum):
    GUEST_READ = "guest.read"
    GUEST_REVEAL = "guest.reveal"
    GUEST_EXPORT = "guest.export"
    STAY_OPERATE = "stay.operate"
    IMPORT_MANAGE = "import.manage"
    QUALITY_READ = "quality.read"
    IDENTITY_REVIEW = "identity.review"
    REPORT_READ = "report.read"
    SEGMENT_MANAGE = "segment.manage"
    CAMPAIGN_MANAGE = "campaign.manage"
    JOURNEY_MANAGE = "journey.manage"
    TICKET_MANAGE = "ticket.manage"
    PROMPTS_VIEW = "prompts.view"  # see a hotel's service prompts and tick them off
    PROMPTS_MANAGE = "prompts.manage"  # add, edit and retire the rules that make service prompts
    LOYALTY_VIEW = "loyalty.view"  # schemes, tiers, member lookup, a guest's loyalty panel
    LOYALTY_MANAGE = "loyalty.manage"  # enrol a guest, redeem points
    FEEDBACK_RULES = "feedback.rules"  # edit the words that classify guest feedback
    PRIVACY_MANAGE = "privacy.manage"
    AUDIT_READ = "audit.read"
    ADMIN_USERS = "admin.users"
    ADMIN_SETTINGS = "admin.settings"
