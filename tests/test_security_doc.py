"""docs/security.md, tested: one row per requirement of the shared security checklist, statuses from the
allowed set, the status counts it states, and every test it cites exists (found with ast, no imports, no
database). A requirement added to the checklist, a row dropped, or a cited test renamed fails here."""

from __future__ import annotations

import ast
import re
from collections import Counter
from functools import cache

import pytest

from tests.test_readers_fuzz import REPO_ROOT, SAMPLES

CHECKLIST = SAMPLES.parent / "security-checklist.md"  # ../shared, next to the samples
DOC = REPO_ROOT / "docs" / "security.md"
STATUSES = ("met", "partly met", "not met", "blocked", "in progress")
ID = r"[A-Z]{2}-\d{2}"
CITED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[[^\]`]*\])?`")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def checklist_ids() -> list[str]:
    if not CHECKLIST.is_file():
        pytest.fail(f"checklist {CHECKLIST} is missing: check out ../shared next to the repo", pytrace=False)
    rows = (_cells(line) for line in CHECKLIST.read_text(encoding="utf-8").splitlines())
    return [m.group(1) for cells in rows if (m := re.fullmatch(rf"★?({ID})", cells[0]))]


def doc_rows() -> dict[str, list[list[str]]]:
    """Each requirement ID of the doc's tables with its rows' cells (more than one row is an error)."""
    rows: dict[str, list[list[str]]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = _cells(line) if line.startswith("|") else []
        if cells and re.fullmatch(ID, cells[0]):
            rows.setdefault(cells[0], []).append(cells)
    return rows


@cache
def functions_in(relative: str) -> frozenset[str]:
    path = REPO_ROOT / relative
    if not path.is_file():
        return frozenset()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))


def test_the_checklist_is_read_whole() -> None:
    ids = checklist_ids()
    assert len(ids) == len(set(ids)) == 40, ids  # "Checklist (40 items)"


def test_every_requirement_has_exactly_one_row() -> None:
    wanted = set(checklist_ids())
    rows = doc_rows()
    assert sorted(wanted - rows.keys()) == [], "add a row to docs/security.md for these"
    assert sorted(rows.keys() - wanted) == [], "docs/security.md has rows for IDs the checklist lacks"
    assert {i: len(r) for i, r in rows.items() if len(r) != 1} == {}, "one row per requirement"


def test_every_row_has_an_allowed_status_and_its_columns() -> None:
    for rid, [cells] in doc_rows().items():
        assert len(cells) == 6, f"{rid}: ID, requirement, status, where, tests, gaps and notes"
        assert cells[2] in STATUSES, f"{rid}: status {cells[2]!r} is not one of {STATUSES}"
        if cells[2] in ("met", "partly met"):
            assert CITED.search(cells[4]), f"{rid} is {cells[2]} but cites no test"
        if cells[2] != "met":
            assert len(cells[5]) > 20, f"{rid} is {cells[2]}: say what is missing"


def test_the_stated_counts_match_the_rows() -> None:
    counts = Counter(cells[2] for [cells] in doc_rows().values())
    stated = re.search(r"(\d+) met, (\d+) partly met, (\d+) in progress", DOC.read_text(encoding="utf-8"))
    assert stated, "docs/security.md states how many rows have each status"
    assert tuple(map(int, stated.groups())) == (counts["met"], counts["partly met"], counts["in progress"])


def test_every_cited_test_exists() -> None:
    cited = CITED.findall(DOC.read_text(encoding="utf-8"))
    assert len(cited) > 100
    missing = sorted(f"{f}::{name}" for f, name in set(cited) if name not in functions_in(f))
    assert missing == [], "docs/security.md cites tests that do not exist (renamed or removed?)"
    assert all(name.startswith("test_") for _f, name in cited)
