"""OSV version semantics for PyPI: explicit version lists and ECOSYSTEM ranges (PEP 440 ordering)."""

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import InvalidVersion, Version

Events = tuple[tuple[str, str], ...]  # ((kind, version), ...): introduced, fixed, last_affected, limit


def is_affected(version: str, versions: Iterable[str], ranges: Iterable[Events]) -> bool:
    """Affected when listed in `versions` or inside any range. A range event whose version is not
    PEP 440 is skipped; the explicit list still applies."""
    try:
        parsed = Version(version)
    except InvalidVersion:
        return version in set(versions)
    return any(_same(parsed, listed) for listed in versions) or any(in_range(parsed, r) for r in ranges)


def in_range(version: Version, events: Events) -> bool:
    """The OSV evaluation: walk the events in version order ("introduced": "0" first); the last one at
    or below `version` decides (a last_affected bound includes itself, fixed and limit do not)."""
    ordered: list[tuple[Version | None, str]] = []  # None: introduced "0", before every version
    for kind, raw in events:
        if kind == "introduced" and raw == "0":
            ordered.append((None, kind))
            continue
        try:
            ordered.append((Version(raw), kind))
        except InvalidVersion:
            continue
    ordered.sort(key=lambda e: (e[0] is not None, e[0] or Version("0")))
    affected = False
    for at, kind in ordered:
        if kind == "introduced" and (at is None or version >= at):
            affected = True
        elif at is not None and kind != "introduced" and _past(version, at, kind):
            affected = False
    return affected


def outside_ranges(versions: Iterable[str], ranges: tuple[Events, ...]) -> tuple[str, ...]:
    """The listed versions the ranges do not already cover (so the snapshot need not repeat them)."""
    kept: list[str] = []
    for listed in versions:
        try:
            parsed = Version(listed)
        except InvalidVersion:
            kept.append(listed)
            continue
        if not any(in_range(parsed, r) for r in ranges):
            kept.append(listed)
    return tuple(kept)


def _past(version: Version, bound: Version, kind: str) -> bool:
    """Whether `version` is beyond a closing event: fixed and limit exclude their version,
    last_affected includes it."""
    return version > bound if kind == "last_affected" else version >= bound


def _same(version: Version, listed: str) -> bool:
    try:
        return Version(listed) == version
    except InvalidVersion:
        return str(version) == listed
