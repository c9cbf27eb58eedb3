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


NAV: tuple[NavItem, ...] = (
    NavItem("home", "Overview", "/", True),
    NavItem("guests", "Guests", "/guests", True),
    NavItem("hotels", "Hotels", "/hotels", True),
    NavItem("imports", "Imports", "/imports", True),
    NavItem("quality", "Data quality", "/quality", True),
    NavItem("review", "Review queue", "/soon/review", False, 5),
    NavItem("segments", "Segments", "/soon/segments", False, 8),
    NavItem("reports", "Reports", "/soon/reports", False, 8),
    NavItem("admin", "Administration", "/soon/admin", False, 7),
)
COMING: dict[str, NavItem] = {item.key: item for item in NAV if not item.ready}
