"""The navigation: what exists today and what the next issues bring (shown honestly as not yet built)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str  # English message id; translated in the template
    href: str
    ready: bool
    issue: int | None = None
    permission: str | None = None  # shown only to roles that have it


NAV: tuple[NavItem, ...] = (
    NavItem("home", "Overview", "/", True),
    NavItem("guests", "Guests", "/guests", True, permission="guest.read"),
    NavItem("hotels", "Hotels", "/hotels", True),
    NavItem("arrivals", "Arrivals", "/arrivals", True, permission="guest.read"),
    NavItem("prompts", "Service prompts", "/prompts", True, permission="prompts.view"),
    NavItem("register", "Front-desk registration", "/register", True, permission="stay.operate"),
    NavItem("imports", "Imports", "/imports", True, permission="import.manage"),
    NavItem("quality", "Data quality", "/quality", True, permission="quality.read"),
    NavItem("review", "Review queue", "/review", True, permission="identity.review"),
    NavItem("service", "Service", "/service", True, permission="ticket.manage"),
    NavItem("inbox", "Inbox", "/inbox", True, permission="ticket.manage"),
    NavItem("sla", "SLA dashboard", "/service/sla", True, permission="report.read"),
    NavItem("surveys", "Surveys", "/surveys", True, permission="report.read"),
    NavItem("feedback_rules", "Feedback words", "/feedback/rules", True, permission="feedback.rules"),
    NavItem("segments", "Segments", "/segments", True, permission="segment.manage"),
    NavItem("reports", "Reports", "/reports", True, permission="report.read"),
    NavItem("campaigns", "Campaigns", "/campaigns", True, permission="campaign.manage"),
    NavItem("journeys", "Journeys", "/journeys", True, permission="journey.manage"),
    NavItem("offers", "Offers", "/offers", True, permission="campaign.manage"),
    NavItem("redeem", "Redeem a coupon", "/offers/redeem", True, permission="stay.operate"),
    NavItem("loyalty", "Loyalty", "/loyalty", True, permission="loyalty.view"),
    NavItem("privacy", "Privacy", "/privacy", True, permission="privacy.manage"),
    NavItem("audit", "Audit trail", "/audit", True, permission="audit.read"),
    NavItem("admin", "Administration", "/admin", True, permission="admin.users"),
)
COMING: dict[str, NavItem] = {item.key: item for item in NAV if not item.ready}
