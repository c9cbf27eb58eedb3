"""Union-find over mentions that refuses links the evidence forbids (two different ID numbers of the
same kind, two different birth dates, two mentions a data steward said are different people) and
remembers which rule joined each mention."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class Clusters:
    size: int
    parent: list[int] = field(init=False)
    documents: dict[int, dict[str, str]] = field(default_factory=dict)
    births: dict[int, date] = field(default_factory=dict)
    rule: dict[int, str] = field(default_factory=dict)
    apart: dict[int, set[int]] = field(default_factory=dict)  # root -> mentions it must never join

    def __post_init__(self) -> None:
        self.parent = list(range(self.size))

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def note(self, i: int, doc_type: str | None, number: str | None, born: date | None) -> None:
        if doc_type and number:
            self.documents.setdefault(i, {})[doc_type] = number
        if born:
            self.births[i] = born

    def forbid(self, a: int, b: int) -> None:
        """`a` and `b` are different people (a steward's decision): no rule may join them."""
        self.apart.setdefault(self.find(a), set()).add(b)
        self.apart.setdefault(self.find(b), set()).add(a)

    def conflict(self, a: int, b: int, *, check_birth: bool) -> bool:
        if any(self.find(x) == b for x in self.apart.get(a, ())):
            return True
        da, db = self.documents.get(a, {}), self.documents.get(b, {})
        if any(db.get(kind, number) != number for kind, number in da.items()):
            return True
        ba, bb = self.births.get(a), self.births.get(b)
        return check_birth and ba is not None and bb is not None and ba != bb

    def union(self, a: int, b: int, rule: str, *, check_birth: bool = True, force: bool = False) -> bool:
        """Join the clusters of `a` and `b` unless the evidence forbids it (`force`: a link already
        made, e.g. the mentions one guest holds, is taken as it is)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not force and self.conflict(ra, rb, check_birth=check_birth):
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        merged = {**self.documents.pop(rb, {}), **self.documents.get(ra, {})}
        if merged:
            self.documents[ra] = merged
        if rb in self.births and ra not in self.births:
            self.births[ra] = self.births[rb]
        self.births.pop(rb, None)
        if rb in self.apart:
            self.apart.setdefault(ra, set()).update(self.apart.pop(rb))
        self.rule.setdefault(b, rule)
        self.rule.setdefault(a, rule)
        return True

    def groups(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(self.size):
            out.setdefault(self.find(i), []).append(i)
        return out
