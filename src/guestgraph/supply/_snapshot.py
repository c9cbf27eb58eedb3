"""The vendored advisory snapshot: the advisories of every package in the lock, taken from a git clone
of the PyPA Advisory Database (OSV YAML, one file per advisory, CC-BY 4.0) at a recorded commit.

A package of the lock with no advisory is listed with an empty list, so "no advisory known" and "never
looked up" stay different things: the audit treats a package missing from the snapshot as unchecked.
"""

from __future__ import annotations

import json
import shutil
import subprocess  # noqa: S404 - git with argument lists only
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name

from guestgraph.supply._errors import AdvisoryDatabaseError, SnapshotUnreadable
from guestgraph.supply._versions import Events, outside_ranges

FORMAT = "guestgraph-advisory-snapshot/1"
DATABASE_NAME = "PyPA Advisory Database"
DATABASE_URL = "https://github.com/pypa/advisory-database"
ATTRIBUTION = (
    "Advisory data from the PyPA Advisory Database (https://github.com/pypa/advisory-database), "
    "licensed under CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/); selected and reduced "
    "to the packages of requirements/lock.txt by guestgraph."
)
_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
_GIT_TIMEOUT = 300
# BaseLoader: every scalar stays a string, so `fixed: 1.10` is "1.10", never the float 1.1; it builds
# no Python objects, so the unsafe-load warnings (S506, B506) do not apply
_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    versions: tuple[str, ...]  # listed affected versions outside the ranges (usually none)
    ranges: tuple[Events, ...]  # ECOSYSTEM ranges

    @property
    def fixed(self) -> tuple[str, ...]:
        return tuple(v for events in self.ranges for kind, v in events if kind == "fixed")


@dataclass(frozen=True)
class SnapshotSource:
    commit: str
    commit_date: datetime

    def age_days(self, today: date) -> int:
        return (today - self.commit_date.date()).days


@dataclass(frozen=True)
class Snapshot:
    source: SnapshotSource
    packages: Mapping[str, tuple[Advisory, ...]]  # canonical name -> its advisories (maybe none)

    @property
    def advisory_count(self) -> int:
        return sum(len(found) for found in self.packages.values())


# ---- reading the vendored snapshot ------------------------------------------------------------------


def load_snapshot(path: Path) -> Snapshot:
    """Read and validate the snapshot; anything missing or malformed raises `SnapshotUnreadable`."""
    hint = "Restore requirements/advisories.json from git, or rebuild it with `make advisories`."
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SnapshotUnreadable(f"Cannot read the advisory snapshot {path}: {e}.", hint=hint) from e
    try:
        if data["format"] != FORMAT:
            raise ValueError(f"format {data['format']!r}, expected {FORMAT!r}")
        source = SnapshotSource(
            commit=_text(data["source"]["commit"]),
            commit_date=datetime.fromisoformat(_text(data["source"]["commit_date"])),
        )
        packages = {
            _text(name): tuple(_advisory(entry) for entry in entries)
            for name, entries in dict(data["packages"]).items()
        }
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise SnapshotUnreadable(f"The advisory snapshot {path} is not valid: {e!r}.", hint=hint) from e
    return Snapshot(source=source, packages=packages)


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a non-empty string, found {value!r}")
    return value


def _advisory(entry: Mapping[str, Any]) -> Advisory:
    ranges = tuple(
        tuple((_kind(kind), _text(version)) for kind, version in events) for events in entry["ranges"]
    )
    versions = tuple(_text(v) for v in entry["versions"])
    if not ranges and not versions:
        raise ValueError(f"advisory {entry['id']!r} names no affected version or range")
    return Advisory(
        id=_text(entry["id"]),
        aliases=tuple(_text(a) for a in entry["aliases"]),
        summary=str(entry["summary"]),
        versions=versions,
        ranges=ranges,
    )


def _kind(kind: object) -> str:
    if kind not in _EVENT_KINDS:
        raise ValueError(f"unknown range event {kind!r}")
    return str(kind)


# ---- refreshing it from the advisory database ------------------------------------------------------


def refresh_snapshot(database: Path, package_names: Iterable[str]) -> Snapshot:
    """Build a snapshot for `package_names` from a git clone (bare or not) of the advisory database, at
    its HEAD. Every advisory file is read (an advisory may affect a package outside its folder);
    withdrawn advisories and non-PyPI entries are left out."""
    wanted: set[str] = {canonicalize_name(n) for n in package_names}
    head = _git(database, "rev-parse", "HEAD").strip()
    when = datetime.fromisoformat(_git(database, "log", "-1", "--format=%cI", head).strip())
    listed = _git(database, "ls-tree", "-r", "--name-only", head, "--", "vulns/").split("\n")
    files = [f for f in listed if f.endswith((".yaml", ".yml"))]
    if not files:
        raise AdvisoryDatabaseError(
            f"{database} at {head[:12]} has no advisory under vulns/.",
            hint="Point --database at a clone of https://github.com/pypa/advisory-database.",
        )
    found: dict[str, dict[str, Advisory]] = {name: {} for name in wanted}
    for name, text in _read_blobs(database, head, files):
        osv = _parse_osv(name, text)
        if osv.get("withdrawn"):
            continue
        for package, advisory in _affecting(osv, wanted):
            found[package][advisory.id] = advisory
    packages = {name: tuple(found[name][i] for i in sorted(found[name])) for name in sorted(found)}
    return Snapshot(SnapshotSource(commit=head, commit_date=when.astimezone(UTC)), packages)


def _parse_osv(name: str, text: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506  # nosec B506
    except yaml.YAMLError as e:
        raise AdvisoryDatabaseError(f"The advisory {name} is not valid YAML: {e}.") from e
    if not isinstance(data, dict) or "id" not in data:
        raise AdvisoryDatabaseError(f"The advisory {name} has no id; is this the OSV advisory database?")
    return data


def _affecting(osv: Mapping[str, Any], wanted: set[str]) -> list[tuple[str, Advisory]]:
    out: list[tuple[str, Advisory]] = []
    for affected in osv.get("affected") or []:
        package = affected.get("package") or {}
        name = canonicalize_name(str(package.get("name", "")))
        if package.get("ecosystem") != "PyPI" or name not in wanted:
            continue
        ranges = tuple(
            tuple((kind, str(v)) for event in r.get("events") or [] for kind, v in event.items())
            for r in affected.get("ranges") or []
            if r.get("type") == "ECOSYSTEM"
        )
        versions = outside_ranges((str(v) for v in affected.get("versions") or []), ranges)
        if not ranges and not versions:
            continue
        summary = str(osv.get("summary") or osv.get("details") or "").strip().split("\n")[0]
        advisory = Advisory(
            id=str(osv["id"]),
            aliases=tuple(sorted(str(a) for a in osv.get("aliases") or [])),
            summary=summary[:200],
            versions=versions,
            ranges=ranges,
        )
        out.append((name, advisory))
    return out


def _git_binary() -> str:
    git = shutil.which("git")
    if git is None:
        raise AdvisoryDatabaseError(
            "git is not installed; it is needed to read the advisory database.", hint="apt-get install git"
        )
    return git


def _git(database: Path, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - fixed git subcommands, argument list
        [_git_binary(), "-C", str(database), *args],
        capture_output=True,
        text=True,
        timeout=_GIT_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise AdvisoryDatabaseError(
            f"Cannot read the advisory database at {database}: git {args[0]} said {done.stderr.strip()!r}.",
            hint="Pass --database a git clone of https://github.com/pypa/advisory-database "
            "(git clone --depth 1 https://github.com/pypa/advisory-database).",
        )
    return done.stdout


def _read_blobs(database: Path, head: str, files: list[str]) -> list[tuple[str, str]]:
    """Every file's content in one `git cat-file --batch`."""
    done = subprocess.run(  # noqa: S603 - fixed git subcommand, argument list
        [_git_binary(), "-C", str(database), "cat-file", "--batch"],
        input="".join(f"{head}:{f}\n" for f in files).encode("utf-8"),
        capture_output=True,
        timeout=_GIT_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise AdvisoryDatabaseError(f"git cat-file failed in {database}: {done.stderr.decode()!r}.")
    out: list[tuple[str, str]] = []
    data, at = done.stdout, 0
    for name in files:
        end = data.index(b"\n", at)
        header = data[at:end].split()
        if len(header) != 3 or header[1] != b"blob":
            raise AdvisoryDatabaseError(f"git cat-file could not read {name} in {database}: {header!r}.")
        size = int(header[2])
        out.append((name, data[end + 1 : end + 1 + size].decode("utf-8")))
        at = end + 1 + size + 1
    return out


def write_snapshot(snapshot: Snapshot, path: Path) -> None:
    """Write the snapshot as stable, diff-friendly JSON (sorted, one advisory field per line)."""
    header = {
        "format": FORMAT,
        "source": {
            "name": DATABASE_NAME,
            "url": DATABASE_URL,
            "commit": snapshot.source.commit,
            "commit_date": snapshot.source.commit_date.isoformat(),
            "license": "CC-BY-4.0",
            "attribution": ATTRIBUTION,
        },
    }
    body = json.dumps(header, indent=1, ensure_ascii=False)[:-2] + ',\n "packages": {'
    packages = sorted(snapshot.packages.items())
    for number, (name, advisories) in enumerate(packages):
        rows = ",\n".join("  " + json.dumps(_advisory_json(a), ensure_ascii=False) for a in advisories)
        body += f"\n {json.dumps(name)}: [" + (f"\n{rows}\n ]" if rows else "]")
        body += "," if number < len(packages) - 1 else ""
    body += "\n }\n}\n"
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(body, encoding="utf-8")
    partial.replace(path)


def _advisory_json(advisory: Advisory) -> dict[str, object]:
    return {
        "id": advisory.id,
        "aliases": list(advisory.aliases),
        "ranges": [[list(event) for event in events] for events in advisory.ranges],
        "versions": list(advisory.versions),
        "summary": advisory.summary,
    }
