"""The audit's verdict in plain lines: the snapshot and its age first, then what failed and why."""

from __future__ import annotations

from guestgraph.supply._audit import AuditReport, Finding

STALE_AFTER_DAYS = 30


def report_lines(report: AuditReport) -> list[str]:
    source = report.snapshot.source
    snapshot, day = report.snapshot, f"{source.commit_date:%Y-%m-%d}"
    lines = [
        f"Advisory snapshot: PyPA Advisory Database at {source.commit[:12]} of {day}, "
        f"{report.snapshot_age_days} days old ({snapshot.advisory_count} advisories of "
        f"{len(snapshot.packages)} packages; CC-BY 4.0)."
    ]
    if report.snapshot_age_days > STALE_AFTER_DAYS:
        lines.append(
            f"  Warning: advisories published after {day} are NOT known to this check; refresh it "
            "(make advisories) or run make audit-online where the service is reachable."
        )
    total = len(report.lock.packages) + len(report.lock.unchecked)
    lines.append(f"Checked {len(report.checked)} of {total} requirements in {report.lock.path}.")
    lines += [_finding_line("VULNERABLE", f) for f in report.findings]
    lines += [f"UNCHECKED  line {u.line}: {u.text}: {u.reason}" for u in report.unchecked]
    for f in report.ignored:
        assert f.ignored_by is not None
        lines.append(
            _finding_line("ignored", f) + f" [until {f.ignored_by.expires}: {f.ignored_by.reason.strip()}]"
        )
    lines += [
        f"Note: the ignore of {r.id} ({r.package}) expired on {r.expires}; it is no longer applied."
        for r in report.expired_ignores
    ]
    lines += [
        f"Note: the ignore of {r.id} ({r.package}) matches nothing in the lock any more; remove it."
        for r in report.unused_ignores
    ]
    if report.ok:
        lines.append(f"Passed: no known advisory affects the {len(report.checked)} locked packages.")
    else:
        lines.append(
            f"FAILED: {len(report.findings)} known advisories affect locked packages, "
            f"{len(report.unchecked)} requirements could not be checked."
        )
    return lines


def _finding_line(label: str, finding: Finding) -> str:
    package, advisory = finding.package, finding.advisory
    aliases = f" ({', '.join(advisory.aliases)})" if advisory.aliases else ""
    fixed = f"; fixed in {', '.join(advisory.fixed)}" if advisory.fixed else "; no fixed version known"
    return (
        f"{label:<10} {package.name}=={package.version}: {advisory.id}{aliases}{fixed}. "
        f"{advisory.summary}".rstrip()
    )
