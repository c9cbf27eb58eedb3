"""The tombstone an erased source record keeps instead of the source's own ID of it.

A source record is stored under the sender's ID (a confirmation number, a PMS profile ID, a loyalty
member number): an identifier of the guest. Erasure replaces it by a keyed MAC of it (the blind-index
key, kind `external_id`, so it equals no search index the guest had), which the data and its backups
cannot reverse, but an import can still recompute from a record sent again: the same version of an
erased record stays a duplicate instead of bringing the guest back.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import InstrumentedAttribute

from guestgraph.crypto import Vault

TOMBSTONE_PREFIX = "erased:"
TOMBSTONE_LENGTH = len(TOMBSTONE_PREFIX) + 64  # the MAC as hex


def tombstone(vault: Vault, external_id: str) -> str:
    """What an erased record of `external_id` is stored under (71 characters)."""
    return TOMBSTONE_PREFIX + vault.blind_index("external_id", external_id)


STAY_TOMBSTONE_MAC = 56  # hex digits kept: a stay's confirmation number has 64 characters at most


def stay_tombstone(vault: Vault, confirmation_number: str) -> str:
    """What a stay kept for accounting holds instead of its confirmation number, once nobody who is
    not erased stayed on it (63 characters; unique per number like the number itself)."""
    return TOMBSTONE_PREFIX + vault.blind_index("external_id", confirmation_number)[:STAY_TOMBSTONE_MAC]


def is_tombstone(column: InstrumentedAttribute[str] | ColumnElement[str]) -> ColumnElement[bool]:
    """SQL: the ID in `column` is a tombstone already (a record erased once is not hashed twice)."""
    return column.startswith(TOMBSTONE_PREFIX, autoescape=True) & (func.length(column) == TOMBSTONE_LENGTH)
