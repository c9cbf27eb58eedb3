"""KEK rotation as an audited operation: every data key re-wrapped under the newest KEK of the ring,
and one `key.kek_rotate` event in the data database saying who did it and what it changed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.crypto import KekRotation
from guestgraph.pii._binding import vault_of


def rotate_kek(session: Session, *, batch_size: int = 1000) -> KekRotation:
    """Re-wrap every DEK of the vault behind `session` under its current KEK (`Vault.rotate_kek`), then
    record the operation in the caller's transaction: the KEK version, the keys re-wrapped and the
    versions still in use (no key material). Every process must hold the new KEK first."""
    vault = vault_of(session)
    result = vault.rotate_kek(batch_size=batch_size)
    audit.log_event(
        session,
        "key.kek_rotate",
        object_type="kek",
        object_id=str(vault.keks.current),
        details={
            "rewrapped": result.rewrapped,
            "kek_versions_in_use": {str(v): n for v, n in sorted(result.kek_versions_in_use.items())},
        },
    )
    return result
