"""Check every pinned package of the lock against the advisory snapshot.

The audit cannot pass vacuously: a requirement that is not pinned to one version, or a package the
snapshot never looked up, is *unchecked* and fails it just like a known advisory does.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from packaging.utils import canonicalize_name

from guestgraph.supply._errors import IgnoreFileInvalid
from guestgraph.supply._lock import Lock, LockedPackage, Unchecked
from guestgraph.supply._snapshot import Advisory, Snapshot
from guestgraph.supply._versions import is_affected

MIN_REASON = 20  # characters: "n/a" is not a reason


@dataclass(frozen=True)
class IgnoreRule:
    """An advisory we accept for one package, with the reason and the day to decide again."""

    id: str
    package: str
    reason: str
    expires: date


@dataclass(frozen=True)
class Finding:
    package: LockedPackage
    advisory: Advisory
    ignored_by: IgnoreRule | None = None


@dataclass(frozen=True)
class AuditReport:
    lock: Lock
    snapshot: Snapshot
    checked: tuple[LockedPackage, ...]
    unchecked: tuple[Unchecked, ...]
    findings: tuple[Finding, ...]  # not ignored: each fails the audit
    ignored: tuple[Finding, ...]
    unused_ignores: tuple[IgnoreRule, ...]
    expired_ignores: tuple[IgnoreRule, ...]
    snapshot_age_days: int

    @property
    def ok(self) -> bool:
        return not self.findings and not self.unchecked


def audit_lock(lock: Lock, snapshot: Snapshot, ignores: Sequence[IgnoreRule], *, today: date) -> AuditReport:
    live = [rule for rule in ignores if rule.expires >= today]
    checked: list[LockedPackage] = []
    unchecked = list(lock.unchecked)
    findings: list[Finding] = []
    ignored: list[Finding] = []
    used: set[IgnoreRule] = set()
    for package in lock.packages:
        advisories = snapshot.packages.get(package.name)
        if advisories is None:
            unchecked.append(
                Unchecked(
                    package.line,
                    f"{package.name}=={package.version}",
                    "not in the advisory snapshot: refresh it (make advisories)",
                )
            )
            continue
        checked.append(package)
        for advisory in advisories:
            if not affects(advisory, package.version):
                continue
            rule = _rule_for(live, package.name, advisory)
            if rule is None:
                findings.append(Finding(package, advisory))
            else:
                used.add(rule)
                ignored.append(Finding(package, advisory, rule))
    return AuditReport(
        lock=lock,
        snapshot=snapshot,
        checked=tuple(checked),
        unchecked=tuple(unchecked),
        findings=tuple(findings),
        ignored=tuple(ignored),
        unused_ignores=tuple(r for r in live if r not in used),
        expired_ignores=tuple(r for r in ignores if r.expires < today),
        snapshot_age_days=snapshot.source.age_days(today),
    )


def _rule_for(rules: Sequence[IgnoreRule], package: str, advisory: Advisory) -> IgnoreRule | None:
    ids = {advisory.id, *advisory.aliases}
    return next((r for r in rules if r.package == package and r.id in ids), None)


def affects(advisory: Advisory, version: str) -> bool:
    return is_affected(version, advisory.versions, advisory.ranges)


def load_ignores(path: Path | None) -> list[IgnoreRule]:
    """Read `[[ignore]]` entries: id, package, reason (a real one) and expires (a date); all required."""
    if path is None:
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise IgnoreFileInvalid(f"Cannot read the audit ignore file {path}: {e}.") from e
    rules: list[IgnoreRule] = []
    for number, entry in enumerate(data.get("ignore", []), start=1):
        where = f"{path}, [[ignore]] entry {number}"
        if not isinstance(entry, dict) or set(entry) != {"id", "package", "reason", "expires"}:
            raise IgnoreFileInvalid(
                f"{where} must have exactly id, package, reason and expires.",
                hint='e.g. id = "GHSA-…", package = "urllib3", reason = "…", expires = 2027-01-31',
            )
        if not isinstance(entry["expires"], date) or isinstance(entry["expires"], datetime):
            raise IgnoreFileInvalid(f"{where}: expires must be a TOML date such as 2027-01-31.")
        if len(str(entry["reason"]).strip()) < MIN_REASON:
            raise IgnoreFileInvalid(
                f"{where}: the reason is too short; say why the advisory does not apply or why we accept it."
            )
        package = canonicalize_name(str(entry["package"]))
        rules.append(IgnoreRule(str(entry["id"]), package, str(entry["reason"]), entry["expires"]))
    return rules
