"""Read a pip requirements lock: which packages are pinned to one version (checkable) and which lines
cannot be checked (a range, a URL, an editable, a nested file, anything we do not understand)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from guestgraph.supply._errors import LockUnreadable

# Options that say where packages come from or how to install them; they name no package.
_INSTALL_OPTIONS = {
    "-i",
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "-f",
    "--find-links",
    "--trusted-host",
    "--pre",
    "--prefer-binary",
    "--only-binary",
    "--no-binary",
    "--require-hashes",
}
_COMMENT = re.compile(r"(^|\s)#.*$")


@dataclass(frozen=True)
class LockedPackage:
    """One requirement pinned to exactly one version (`name==version`), with its hashes."""

    name: str  # canonical (PEP 503) name
    version: str
    line: int
    hashes: tuple[str, ...]


@dataclass(frozen=True)
class Unchecked:
    """A lock line whose package cannot be looked up against an advisory, and why."""

    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Lock:
    path: Path
    packages: tuple[LockedPackage, ...]
    unchecked: tuple[Unchecked, ...]


def read_lock(path: Path) -> Lock:
    """Parse `path` like pip does (continuation lines, comments, options, `--hash=`). A lock with no
    requirement at all is refused: auditing nothing must not look like a pass."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise LockUnreadable(
            f"Cannot read the lock file {path}: {e}.",
            hint="Pass the pinned requirements file with --lock (make lock writes requirements/lock.txt).",
        ) from e
    packages: list[LockedPackage] = []
    unchecked: list[Unchecked] = []
    for number, logical in _logical_lines(text):
        entry = _parse_line(number, logical)
        if isinstance(entry, LockedPackage):
            packages.append(entry)
        elif entry is not None:
            unchecked.append(entry)
    if not packages and not unchecked:
        raise LockUnreadable(
            f"The lock file {path} holds no requirement, so there is nothing to audit.",
            hint="Regenerate it with `make lock`.",
        )
    return Lock(path=path, packages=tuple(packages), unchecked=tuple(unchecked))


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join lines ending in a backslash; drop comments. Each logical line keeps its first line number."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        line = _COMMENT.sub("", raw)
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        joined = " ".join(part.strip() for part in pending).strip()
        pending = []
        if joined:
            out.append((start, joined))
    if pending and (joined := " ".join(part.strip() for part in pending).strip()):
        out.append((start, joined))
    return out


def _parse_line(number: int, line: str) -> LockedPackage | Unchecked | None:
    if line.startswith("-"):
        option = re.split(r"[\s=]", line, maxsplit=1)[0]
        if option in _INSTALL_OPTIONS:
            return None
        return Unchecked(number, line, f"the option {option} names no pinned package this audit can look up")
    tokens = line.split()
    hashes = tuple(t.removeprefix("--hash=") for t in tokens if t.startswith("--hash="))
    spec = " ".join(t for t in tokens if not t.startswith("--"))
    try:
        requirement = Requirement(spec)
    except InvalidRequirement as e:
        return Unchecked(number, line, f"not a requirement this audit can read ({e})")
    if requirement.url:
        return Unchecked(number, line, "a direct URL reference has no version to look up")
    specifiers = list(requirement.specifier)
    if len(specifiers) != 1 or specifiers[0].operator not in ("==", "===") or "*" in specifiers[0].version:
        shown = str(requirement.specifier) or "any version"
        return Unchecked(number, line, f"not pinned to one version ({shown}): pin it with ==")
    version = specifiers[0].version
    try:
        Version(version)
    except InvalidVersion:
        return Unchecked(number, line, f"the version {version!r} is not a PEP 440 version")
    return LockedPackage(canonicalize_name(requirement.name), version, number, hashes)
