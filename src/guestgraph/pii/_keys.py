"""The data key each row of a table names (a guest's, a ticket's), made where a row has none yet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.pii._binding import vault_of

CHUNK = 900  # ids per IN list (SQLite's bound-parameter limit)


def key_refs_of(session: Session, model: Any, ids: Iterable[int]) -> dict[int, str]:
    """The `key_ref` of each row of `model` (a mapped class with `id` and `key_ref`) among `ids`; a row
    without a key (written before its table was sealed) gets a new one now."""
    wanted = sorted(set(ids))
    refs: dict[int, str | None] = {}
    for start in range(0, len(wanted), CHUNK):
        query = select(model.id, model.key_ref).where(model.id.in_(wanted[start : start + CHUNK]))
        refs.update({r.id: r.key_ref for r in session.execute(query)})
    keyless = [i for i, ref in refs.items() if ref is None]
    if keyless:  # rare: loaded as objects so the session's copies of these rows see their new key
        fresh = iter(vault_of(session).new_guest_keys(len(keyless)))
        for start in range(0, len(keyless), CHUNK):
            for row in session.scalars(select(model).where(model.id.in_(keyless[start : start + CHUNK]))):
                row.key_ref = refs[row.id] = next(fresh)
        session.flush()
    return {i: ref for i, ref in refs.items() if ref is not None}
