"""Supply chain (checklist OP-04): an offline audit of the pinned, hashed lock that cannot pass vacuously.

    lock = read_lock(Path("requirements/lock.txt"))
    report = audit_lock(lock, load_snapshot(Path("requirements/advisories.json")), [], today=date.today())
    report.ok  # False on a known advisory, an unpinned requirement or a package the snapshot lacks

A development tool (`make audit`, `make advisories`): it needs `packaging`, which the dev extra
declares. See "Supply chain" in docs/architecture.md.
"""

from guestgraph.supply._audit import AuditReport, Finding, IgnoreRule, affects, audit_lock, load_ignores
from guestgraph.supply._errors import (
    AdvisoryDatabaseError,
    IgnoreFileInvalid,
    LockUnreadable,
    SnapshotUnreadable,
    SupplyError,
)
from guestgraph.supply._lock import Lock, LockedPackage, Unchecked, read_lock
from guestgraph.supply._report import report_lines
from guestgraph.supply._snapshot import (
    ATTRIBUTION,
    Advisory,
    Snapshot,
    SnapshotSource,
    load_snapshot,
    refresh_snapshot,
    write_snapshot,
)

__all__ = [
    "ATTRIBUTION",
    "AdvisoryDatabaseError",
    "Advisory",
    "AuditReport",
    "Finding",
    "IgnoreFileInvalid",
    "IgnoreRule",
    "Lock",
    "LockUnreadable",
    "LockedPackage",
    "Snapshot",
    "SnapshotSource",
    "SnapshotUnreadable",
    "SupplyError",
    "Unchecked",
    "affects",
    "audit_lock",
    "load_ignores",
    "load_snapshot",
    "read_lock",
    "refresh_snapshot",
    "report_lines",
    "write_snapshot",
]
