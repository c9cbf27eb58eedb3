"""OP-04: a pinned, hashed lock; a CycloneDX SBOM of it; an offline advisory audit that cannot pass
vacuously (a known advisory, an unpinned requirement, a package the snapshot lacks or a missing snapshot
each fail it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from guestgraph.supply import (
    Advisory,
    IgnoreFileInvalid,
    IgnoreRule,
    affects,
    audit_lock,
    load_ignores,
    load_snapshot,
    read_lock,
)

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
SNAPSHOT = ROOT / "requirements" / "advisories.json"
IGNORE = ROOT / "requirements" / "audit-ignore.toml"
FAKE_HASH = "--hash=sha256:" + "0" * 64
TODAY = date(2026, 11, 24)


def supply(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guestgraph.supply", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_lock(path: Path, *lines: str) -> Path:
    path.write_text("# a lock for this test\n" + "".join(f"{line} \\\n    {FAKE_HASH}\n" for line in lines))
    return path


# ---- the lock -----------------------------------------------------------------------------------------


def test_lock_pins_and_hashes_every_requirement() -> None:
    lock = read_lock(LOCK)
    assert lock.unchecked == ()
    assert len(lock.packages) > 100
    assert [p.name for p in lock.packages if not p.hashes] == []
    names = {p.name for p in lock.packages}
    assert {"pip", "setuptools", "wheel"} <= names  # make install bootstraps them from the lock


def test_lock_satisfies_pyproject() -> None:
    """make install puts guestgraph in with --no-deps, so a dependency added to pyproject.toml without
    `make lock` would silently be missing: every runtime, dev and build requirement must be locked."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [
        *project["project"]["dependencies"],
        *project["project"]["optional-dependencies"]["dev"],
        *project["build-system"]["requires"],
    ]
    locked = {p.name: p.version for p in read_lock(LOCK).packages}
    problems = []
    for line in wanted:
        requirement = Requirement(line)
        version = locked.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{line}: locked {version}")
    assert problems == [], "pyproject.toml and requirements/lock.txt disagree: run make lock"


# ---- the audit against the vendored snapshot ----------------------------------------------------------


def test_real_lock_passes_and_says_how_old_the_snapshot_is() -> None:
    done = supply("audit", "--lock", str(LOCK), "--snapshot", str(SNAPSHOT), "--ignore", str(IGNORE))
    assert done.returncode == 0, done.stdout + done.stderr
    count = len(read_lock(LOCK).packages)
    assert f"Checked {count} of {count} requirements" in done.stdout
    source = json.loads(SNAPSHOT.read_text())["source"]
    day = source["commit_date"][:10]
    assert f"PyPA Advisory Database at {source['commit'][:12]} of {day}" in done.stdout
    assert "days old" in done.stdout and "NOT known to this check" in done.stdout
    assert "Passed" in done.stdout


def test_vendored_snapshot_records_its_source_and_licence() -> None:
    document = json.loads(SNAPSHOT.read_text())
    assert len(document["source"]["commit"]) == 40
    assert document["source"]["license"] == "CC-BY-4.0"
    assert "PyPA Advisory Database" in document["source"]["attribution"]
    snapshot = load_snapshot(SNAPSHOT)
    assert {p.name for p in read_lock(LOCK).packages} <= set(snapshot.packages)


def test_known_vulnerable_pins_are_reported_with_the_advisory(tmp_path: Path) -> None:
    lock = write_lock(tmp_path / "lock.txt", "cryptography==1.5.0", "urllib3==1.24.1", "certifi==2026.4.22")
    done = supply("audit", "--lock", str(lock), "--snapshot", str(SNAPSHOT))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "VULNERABLE cryptography==1.5.0: PYSEC-2017-8 (CVE-2016-9243" in done.stdout
    assert "VULNERABLE urllib3==1.24.1: PYSEC-2019-133 (CVE-2019-11324, GHSA-mh33-7rrq-662w)" in done.stdout
    assert "fixed in 1.24.2" in done.stdout
    assert "VULNERABLE certifi" not in done.stdout
    assert "Checked 3 of 3 requirements" in done.stdout
    assert done.stdout.count("VULNERABLE ") >= 9  # 2 + 7 in the 2024-10-10 snapshot; may grow on refresh
    assert "FAILED: " in done.stdout and ", 0 requirements could not be checked" in done.stdout


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("requests>=2.0", "not pinned to one version (>=2.0)"),
        ("requests", "not pinned to one version (any version)"),
        ("requests==2.*", "not pinned to one version (==2.*)"),
        ("-e .", "the option -e names no pinned package"),
        ("-r more-requirements.txt", "the option -r names no pinned package"),
        ("pkg @ https://example.invalid/pkg-1.0-py3-none-any.whl", "a direct URL reference"),
        ("not-a-real-package==1.0", "not in the advisory snapshot"),
    ],
)
def test_requirement_that_cannot_be_checked_fails_the_audit(tmp_path: Path, line: str, reason: str) -> None:
    lock = write_lock(tmp_path / "lock.txt", "certifi==2026.4.22", line)
    done = supply("audit", "--lock", str(lock), "--snapshot", str(SNAPSHOT))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "UNCHECKED  line 4:" in done.stdout
    assert reason in done.stdout
    assert "1 requirements could not be checked" in done.stdout


def test_audit_refuses_to_run_without_a_readable_snapshot_or_lock(tmp_path: Path) -> None:
    lock = write_lock(tmp_path / "lock.txt", "certifi==2026.4.22")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(SNAPSHOT.read_text()[:5000])
    other_format = tmp_path / "other.json"
    other_format.write_text(json.dumps({**json.loads(SNAPSHOT.read_text()), "format": "osv"}))
    empty_lock = tmp_path / "empty.txt"
    empty_lock.write_text("# nothing pinned\n--extra-index-url https://example.invalid/simple\n")
    for lock_path, snapshot in [
        (lock, tmp_path / "missing.json"),
        (lock, truncated),
        (lock, other_format),
        (empty_lock, SNAPSHOT),
        (tmp_path / "missing.txt", SNAPSHOT),
    ]:
        done = supply("audit", "--lock", str(lock_path), "--snapshot", str(snapshot))
        assert done.returncode == 2, (lock_path, snapshot, done.stdout)
        assert "The dependency audit did NOT run" in done.stderr
        assert "Passed" not in done.stdout


# ---- reasoned ignores ------------------------------------------------------------------------------


def test_ignore_needs_a_reason_and_lapses_after_its_date(tmp_path: Path) -> None:
    lock = read_lock(write_lock(tmp_path / "lock.txt", "urllib3==1.24.1"))
    snapshot = load_snapshot(SNAPSHOT)
    reason = "Test: urllib3 only reaches the advisory service in make audit-online."
    rule = IgnoreRule("CVE-2019-11324", "urllib3", reason, TODAY + timedelta(days=1))
    unignored = audit_lock(lock, snapshot, [], today=TODAY)
    report = audit_lock(lock, snapshot, [rule], today=TODAY)
    assert [f.advisory.id for f in report.ignored] == ["PYSEC-2019-133"]
    assert "PYSEC-2019-133" not in {f.advisory.id for f in report.findings}
    assert len(report.findings) == len(unignored.findings) - 1 and not report.ok

    lapsed = audit_lock(lock, snapshot, [rule], today=TODAY + timedelta(days=2))
    assert "PYSEC-2019-133" in {f.advisory.id for f in lapsed.findings}
    assert lapsed.expired_ignores == (rule,)

    good = tmp_path / "ignore.toml"
    good.write_text(
        f'[[ignore]]\nid = "CVE-2019-11324"\npackage = "URLlib3"\nreason = "{reason}"\nexpires = 2027-01-31\n'
    )
    assert load_ignores(good) == [IgnoreRule("CVE-2019-11324", "urllib3", reason, date(2027, 1, 31))]
    for body in [
        '[[ignore]]\nid = "X"\npackage = "urllib3"\nreason = "n/a"\nexpires = 2027-01-31\n',
        f'[[ignore]]\nid = "X"\npackage = "urllib3"\nreason = "{reason}"\n',
        f'[[ignore]]\nid = "X"\npackage = "urllib3"\nreason = "{reason}"\nexpires = "soon"\n',
    ]:
        bad = tmp_path / "bad.toml"
        bad.write_text(body)
        with pytest.raises(IgnoreFileInvalid):
            load_ignores(bad)
    assert load_ignores(IGNORE) == []


# ---- OSV version semantics -------------------------------------------------------------------------


def advisory(*ranges: tuple[tuple[str, str], ...], versions: tuple[str, ...] = ()) -> Advisory:
    return Advisory(id="TEST-1", aliases=(), summary="", versions=versions, ranges=ranges)


def test_osv_ranges_follow_pep_440_order() -> None:
    fixed = advisory(
        (("introduced", "1.2"), ("fixed", "1.10")), (("introduced", "2.0rc1"), ("fixed", "2.0.3"))
    )
    candidates = ["1.1", "1.2", "1.9.9", "1.10", "1.10.1", "2.0b1", "2.0rc1", "2.0.2", "2.0.3", "3"]
    assert [v for v in candidates if affects(fixed, v)] == ["1.2", "1.9.9", "2.0rc1", "2.0.2"]
    unfixed = advisory((("introduced", "0"),))
    assert affects(unfixed, "0.1") and affects(unfixed, "99.0")
    last = advisory((("introduced", "0"), ("last_affected", "4.2")))
    assert affects(last, "4.2") and not affects(last, "4.2.post1")
    listed = advisory(versions=("0.9", "1.0.0"))
    assert affects(listed, "1.0") and affects(listed, "0.9") and not affects(listed, "1.0.1")


# ---- refreshing the snapshot from the advisory database --------------------------------------------

OSV = """id: PYSEC-2099-{n}
summary: {summary}
affected:
- package:
    name: {name}
    ecosystem: {ecosystem}
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: "0"
    - fixed: 1.10
  versions:
  - "1.0"
  - 1.9
  - "0.0.1-weird"
aliases:
- CVE-2099-{n}
{extra}"""


def osv(n: int, summary: str, name: str, *, ecosystem: str = "PyPI", extra: str = "") -> str:
    return OSV.format(n=n, summary=summary, name=name, ecosystem=ecosystem, extra=extra)


def git(repo: Path, *args: str) -> str:
    when = "2024-10-10T17:35:05+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    done = subprocess.run(
        ["git", "-C", str(repo), *identity, *args], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip()


def test_refresh_builds_the_snapshot_from_an_advisory_clone(tmp_path: Path) -> None:
    database = tmp_path / "advisory-database"
    (database / "vulns" / "Demo_Pkg").mkdir(parents=True)
    (database / "vulns" / "other").mkdir()
    (database / "vulns" / ".id-allocator").write_text("2099\n")
    files = {
        "vulns/Demo_Pkg/PYSEC-2099-1.yaml": osv(1, "Bad thing", "Demo_Pkg"),
        "vulns/Demo_Pkg/PYSEC-2099-2.yaml": osv(2, "Gone", "demo-pkg", extra="withdrawn: '2024-01-01'\n"),
        "vulns/other/PYSEC-2099-3.yaml": osv(3, "Elsewhere", "demo.pkg"),  # another folder, same package
        "vulns/other/PYSEC-2099-4.yaml": osv(4, "npm", "demo-pkg", ecosystem="npm"),
    }
    for name, text in files.items():
        (database / name).write_text(text)
    git(database, "init", "-q")
    git(database, "add", "-A")
    git(database, "commit", "-q", "-m", "advisories")
    lock = write_lock(tmp_path / "lock.txt", "demo-pkg==1.9", "quiet-pkg==2.0")
    out = tmp_path / "advisories.json"

    done = supply("refresh", "--database", str(database), "--lock", str(lock), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 advisories for 1 of 2 locked packages" in done.stdout
    document = json.loads(out.read_text())
    assert document["source"]["commit"] == git(database, "rev-parse", "HEAD")
    assert document["source"]["commit_date"] == "2024-10-10T17:35:05+00:00"
    assert "CC-BY 4.0" in document["source"]["attribution"]
    assert document["packages"]["quiet-pkg"] == []  # looked up, nothing known: not the same as missing
    found = {a["id"]: a for a in document["packages"]["demo-pkg"]}
    assert set(found) == {"PYSEC-2099-1", "PYSEC-2099-3"}  # withdrawn and npm left out
    assert found["PYSEC-2099-1"]["ranges"] == [[["introduced", "0"], ["fixed", "1.10"]]]  # a string, not 1.1
    assert found["PYSEC-2099-1"]["versions"] == ["0.0.1-weird"]  # the ones the range does not cover
    assert found["PYSEC-2099-1"]["aliases"] == ["CVE-2099-1"]

    done = supply("audit", "--lock", str(lock), "--snapshot", str(out))
    assert done.returncode == 1
    assert "VULNERABLE demo-pkg==1.9: PYSEC-2099-1 (CVE-2099-1); fixed in 1.10. Bad thing" in done.stdout
    fixed = write_lock(tmp_path / "fixed.txt", "demo-pkg==1.10", "quiet-pkg==2.0")
    assert supply("audit", "--lock", str(fixed), "--snapshot", str(out)).returncode == 0

    done = supply("refresh", "--database", str(tmp_path / "nowhere"), "--lock", str(lock), "--out", str(out))
    assert done.returncode == 2 and "Cannot read the advisory database" in done.stderr


# ---- the SBOM ------------------------------------------------------------------------------------------


def test_sbom_of_the_lock_lists_every_locked_package(tmp_path: Path) -> None:
    out = tmp_path / "sbom.cdx.json"
    done = subprocess.run(
        [
            sys.executable,
            "-W",
            "ignore::UserWarning",
            "-m",
            "cyclonedx_py",
            "requirements",
            "--pyproject",
            "pyproject.toml",
            "--of",
            "JSON",
            "--output-reproducible",
            "-o",
            str(out),
            str(LOCK),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr  # cyclonedx-py validates against the CycloneDX schema
    bom = json.loads(out.read_text())
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6"
    assert bom["metadata"]["component"]["name"] == "guestgraph"
    listed = {(canonicalize_name(c["name"]), c["version"]) for c in bom["components"]}
    locked = {(p.name, p.version) for p in read_lock(LOCK).packages}
    assert listed == locked
    purls = {c["purl"] for c in bom["components"]}
    assert {f"pkg:pypi/{name}@{version}" for name, version in locked} == {p.lower() for p in purls}
    assert all(c["externalReferences"][0]["hashes"] for c in bom["components"])
