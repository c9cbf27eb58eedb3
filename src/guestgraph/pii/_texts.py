"""Free text a guest wrote on a row that may be about no guest (a survey's or a rating's comment, an OTA
review): sealed under the guest's data key when the row has a guest (erasing the guest shreds it),
else under a key of the row's own (shredded with the row). The row keeps the key it names (`key_ref`),
so a row moved to another guest (a merge) still opens. Each table's one writer and one reader wrap
these two with the table's place (its AAD)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from guestgraph.db.models import Guest
from guestgraph.pii._binding import vault_of
from guestgraph.pii._fields import open_value, preload, seal_value
from guestgraph.pii._keys import key_refs_of


def seal_guest_text(
    session: Session, guest_id: int | None, place: tuple[str, str], row: str, text: str | None
) -> tuple[str | None, str | None]:
    """(key_ref, ciphertext) putting `text` in `place` (table, column) of the row named `row`, under
    the guest's key (one made for a guest without) or, for a row about no guest, a new key of its own;
    (None, None) without a text."""
    if not text:
        return None, None
    vault = vault_of(session)
    key = key_refs_of(session, Guest, [guest_id])[guest_id] if guest_id is not None else vault.new_guest_key()
    return key, seal_value(vault, key, *place, row, text)


def open_guest_texts(
    session: Session, place: tuple[str, str], rows: Sequence[tuple[str, str | None, str | None]]
) -> list[str | None]:
    """The texts of rows given as (row name, key_ref, ciphertext), in order; None where there is none
    or its key was shredded (the guest erased: a backup's copy)."""
    vault = vault_of(session)
    preload(vault, (key for _row, key, _enc in rows if key))
    return [open_value(vault, key, *place, row, enc) for row, key, enc in rows]
