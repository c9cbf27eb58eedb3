"""Erasures survive restores (checklist CR-04). Crypto-shredding makes an old backup's sealed fields
unreadable, but the backup also holds the erased guest's plaintext columns: name, pinyin, mention names,
loyalty number, city, nationality, stay links, notes. So every erasure is also written to the erasure
ledger (`Vault.erasures`, next to the shred journal, never in a data backup), and after a restore
`reapply_erasures` runs the product's erasure again for each guest the ledger names who is back in the
restored database, as the system, one `guest.erase_reapplied` audit event per guest.

The ledger is appended before the erasure commits (as keys are shredded before it): a guest whose
erasure was rolled back has lost their keys already, and a later re-application completes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.db.models import Guest, GuestStatus
from guestgraph.privacy._audit import privacy_event
from guestgraph.privacy._erase import erase_guests

REAPPLIED = "guest.erase_reapplied"
LOOKUP_CHUNK = 900  # public IDs per IN list (SQLite's bound-parameter limit)
ERASE_CHUNK = 500  # guests per erasure pass


def erased_guests_present(session: Session) -> list[tuple[int, str]]:
    """(id, public ID) of the guests the erasure ledger names that the database holds unerased."""
    ledger = sorted(pii.vault_of(session).erasures.read())
    found: list[tuple[int, str]] = []
    for start in range(0, len(ledger), LOOKUP_CHUNK):
        rows = session.execute(
            select(Guest.id, Guest.public_id).where(
                Guest.public_id.in_(ledger[start : start + LOOKUP_CHUNK]), Guest.status != GuestStatus.ERASED
            )
        )
        found += [(r.id, r.public_id) for r in rows]
    return sorted(found)


def reapply_erasures(session: Session, *, now: datetime) -> int:
    """Erase again, in the caller's transaction, every guest of the erasure ledger the database holds
    unerased (a restored backup taken before their erasure); returns how many guests. Each is audited
    `guest.erase_reapplied` (with how many guests its erasure pass took together)."""
    present = erased_guests_present(session)
    done = 0
    for start in range(0, len(present), ERASE_CHUNK):
        chunk = present[start : start + ERASE_CHUNK]
        ids = [gid for gid, _public in chunk]
        still = set(
            session.scalars(select(Guest.id).where(Guest.id.in_(ids), Guest.status != GuestStatus.ERASED))
        )
        chunk = [(gid, public) for gid, public in chunk if gid in still]  # one erased with another's family
        if not chunk:
            continue
        erase_guests(session, guest_ids=[gid for gid, _p in chunk], now=now)
        for _gid, public_id in chunk:
            privacy_event(
                session, REAPPLIED, None, public_id, {"source": "erasure ledger", "pass": len(chunk)}
            )
        done += len(chunk)
    return done
