"""State shared by the writers: output paths, per-file random sources, the ground-truth sink."""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

from guestgraph.demo._dirt import Dirt, DirtLog
from guestgraph.demo._people import Person

TRUTH_RECORDS = "truth/records.csv"
TRUTH_PERSONS = "truth/persons.csv"


class Truth:
    """Streams ``truth/records.csv``: one line per guest-bearing source record."""

    def __init__(self, path: Path, persons: int) -> None:
        self._fh: TextIO = path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._fh, lineterminator="\n")
        self._csv.writerow(("source_system", "file", "external_id", "person_id"))
        self.seen = [0] * persons
        self.records = 0

    def add(self, source_system: str, file: str, external_id: str, person: Person) -> None:
        self._csv.writerow((source_system, file, external_id, person.pid))
        self.seen[person.idx] += 1
        self.records += 1

    def close(self) -> None:
        self._fh.close()


@dataclass
class Context:
    out_dir: Path
    seed: int
    today: date
    truth: Truth
    log: DirtLog = field(default_factory=DirtLog)
    files: list[Path] = field(default_factory=list)
    records: Counter[str] = field(default_factory=Counter)
    file_counts: Counter[str] = field(default_factory=Counter)

    def rng(self, name: str) -> random.Random:
        """An independent, seed-derived random source for one output file or phase."""
        return random.Random(f"{self.seed}:{name}")

    def dirt(self, name: str) -> Dirt:
        return Dirt(self.rng(name), self.log)

    def path(self, kind: str, rel: str) -> Path:
        """Register an output file of ``kind`` at ``out_dir/rel`` and return its path."""
        target = self.out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        self.files.append(target)
        self.file_counts[kind] += 1
        return target


def write_persons(path: Path, people: Sequence[Person], log: DirtLog) -> None:
    """``truth/persons.csv``: who everybody really is and which dirt their records carry."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(("person_id", "kind", "name", "name_latin", "nationality", "household_with", "notes"))
        for p in people:
            notes = log.tags(p.idx)
            if p.household >= 0:
                notes.append("household_shared_phone")
            if p.old_mobile:
                notes.append("number_changer")
            if p.corp_email:
                notes.append("corporate_booker_email")
            if p.alias:
                notes.append("uses_alias")
            partner = people[p.household].pid if p.household >= 0 else ""
            out.writerow(
                (p.pid, p.kind, p.canonical_name, p.latin_name, p.nationality, partner, ";".join(notes))
            )
