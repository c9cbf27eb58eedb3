"""Erasures survive restores (checklist CR-04). Crypto-shredding makes an old backup's sealed fields
unreadable, but the backup also holds the erased guest's plaintext columns: name, pinyin, mention names,
loyalty number, city, nationality, stay links, notes. So every erasure is also written to the erasure
ledger (`Vault.erasures`, next to the shred journal, never in a data backup), and after a restore
`reapply_erasures` runs the product's erasure again for each guest the ledger names who is back in the
restored database, as the system, one `guest.erase_reapplied` audit event per guest. An erasure also
wiped the quarantined and discarded records holding the guest's identifiers (found by opening them);
those identifiers cannot be opened any more, but those records' keys are in the shred journal, so every
record that names no guest and whose key was shredded is wiped again too. Erased records still under
their source's ID (erased before tombstones existed) get their tombstone (PR-03).

The ledger is appended before the erasure commits (as keys are shredded before it): a guest whose
erasure was rolled back has lost their keys already, and a later re-application completes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.db.models import Guest, GuestStatus, RecordStatus, SourceRecord
from guestgraph.privacy._audit import privacy_event
from guestgraph.privacy._erase import erase_guests, wipe_unlinked_records
from guestgraph.privacy._tombstone import tombstone_erased_records

REAPPLIED = "guest.erase_reapplied"
LOOKUP_CHUNK = 900  # public IDs per IN list (SQLite's bound-parameter limit)
ERASE_CHUNK = 500  # guests per erasure pass


@dataclass(frozen=True)
class Reapplied:
    guests: int  # guests of the erasure ledger erased again
    records: int  # records naming no guest, their key shredded, wiped again


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


def shredded_unlinked_records(session: Session) -> list[int]:
    """Records naming no guest (quarantined, discarded) not wiped yet although their key was shredded:
    an erasure wiped them after the backup they were restored from."""
    shredded = pii.vault_of(session).journal.read()
    rows = session.execute(
        select(SourceRecord.id, SourceRecord.key_ref).where(
            SourceRecord.guest_id.is_(None),
            SourceRecord.key_ref.is_not(None),
            SourceRecord.status != RecordStatus.ERASED,
        )
    )
    return sorted(r.id for r in rows if r.key_ref in shredded)


def reapply_erasures(session: Session, *, now: datetime) -> Reapplied:
    """Erase again, in the caller's transaction, every guest of the erasure ledger the database holds
    unerased (a restored backup taken before their erasure), then wipe the unlinked records whose key
    was shredded. Each guest is audited `guest.erase_reapplied` (with how many guests its erasure pass
    took together); the records, when there are any, by one more such event without a guest."""
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
    records = wipe_unlinked_records(session, shredded_unlinked_records(session))
    tombstone_erased_records(session)  # erased in the backup under the source's IDs (before PR-03)
    if records:
        privacy_event(session, REAPPLIED, None, None, {"source": "shred journal", "records": records})
    return Reapplied(done, records)
