"""Errors of the supply-chain audit: each says what, where and how to fix."""

from __future__ import annotations

from guestgraph.errors import GuestgraphError


class SupplyError(GuestgraphError):
    """The dependency audit could not run; nothing was checked (never read as a pass)."""

    code = "supply_error"


class LockUnreadable(SupplyError):
    """The lock file is missing, unreadable or holds no requirement."""

    code = "lock_unreadable"


class SnapshotUnreadable(SupplyError):
    """The advisory snapshot is missing, damaged or not in the expected format."""

    code = "advisory_snapshot_unreadable"


class IgnoreFileInvalid(SupplyError):
    """An entry of the audit ignore file lacks its id, package, reason or expiry date."""

    code = "audit_ignore_invalid"


class AdvisoryDatabaseError(SupplyError):
    """The advisory database to refresh the snapshot from cannot be read."""

    code = "advisory_database_error"
