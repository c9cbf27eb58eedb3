"""The sample check of a restore (OP-02): open a few guests' sealed fields of every KEK generation with
the key store in use, so a restore whose key store cannot open the data is caught by the restore."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from guestgraph.config import Settings
from guestgraph.crypto import FieldTampered, UnknownKey, Vault
from guestgraph.db.models import Guest, GuestStatus
from guestgraph.ops._errors import RestoreMismatch

if TYPE_CHECKING:
    from guestgraph.pii import Sensitive

PER_GENERATION = 3  # guests opened per KEK generation, and at each end of the guest table
SEARCHED_REFS = 2_000  # key refs of a generation looked up in the restored guests


@dataclass
class SampleCheck:
    """What the sample check opened: guests, fields, and the KEK generations they were wrapped by."""

    guests: int = 0
    fields: int = 0
    shredded: int = 0  # guests erased since the backup: their keys stay destroyed (CR-04)
    generations: set[int] = field(default_factory=set)

    def summary(self) -> str:
        if not self.guests:
            return "passed: no sealed guest field to open"
        versions = ", ".join(str(v) for v in sorted(self.generations)) or "none"
        return (
            f"passed: opened {self.fields} fields of {self.guests - self.shredded} guests "
            f"(KEK versions {versions}); {self.shredded} guests' keys stay shredded"
        )


def _sealed() -> Select[Guest]:
    return select(Guest).where(
        Guest.key_ref.is_not(None),
        Guest.status != GuestStatus.ERASED,
        or_(Guest.phone_enc.is_not(None), Guest.email_enc.is_not(None), Guest.id_number_enc.is_not(None)),
    )


def _sample(session: Session, vault: Vault, per: int) -> list[Guest]:
    """The first and last `per` sealed guests, and `per` of each KEK generation the key store holds."""
    picked = {g.id: g for g in session.scalars(_sealed().order_by(Guest.id).limit(per))}
    picked |= {g.id: g for g in session.scalars(_sealed().order_by(Guest.id.desc()).limit(per))}
    for version in vault.kek_versions_in_use():
        refs = vault.key_refs_wrapped_by(version, SEARCHED_REFS)
        found = session.scalars(_sealed().where(Guest.key_ref.in_(refs)).order_by(Guest.id).limit(per))
        picked |= {g.id: g for g in found}
    return list(picked.values())


def check_samples(settings: Settings, *, per: int = PER_GENERATION) -> SampleCheck:
    """Open sampled guests' phone, e-mail, ID number and birth date in the database of `settings` with
    its key store; `RestoreMismatch` when one does not open (a missing or unwrappable key, or a value
    that fails its integrity check). A guest whose key was shredded counts as erased, not a failure."""
    from guestgraph import pii

    engine = pii.open_engine(settings)
    vault = pii.vault_of(engine)
    check = SampleCheck()
    try:
        with Session(engine) as session:
            guests = _sample(session, vault, per)
            versions = vault.kek_versions_of([g.key_ref for g in guests if g.key_ref])
            for guest in guests:
                opened = _open(vault, guest, settings)
                check.guests += 1
                check.shredded += opened.shredded
                check.fields += sum(v is not None for v in opened.as_dict().values())
                if not opened.shredded and guest.key_ref in versions:
                    check.generations.add(versions[guest.key_ref])
    finally:
        vault.close()
        engine.dispose()
    return check


def _open(vault: Vault, guest: Guest, settings: Settings) -> Sensitive:
    from guestgraph import pii

    try:
        return pii.open_person(vault, "guest", guest.public_id, guest)
    except (UnknownKey, FieldTampered) as e:
        raise RestoreMismatch(
            f"The restored guest {guest.public_id}'s sealed fields do not open with the key store "
            f"{_where(settings.resolved_keystore_url)}: {e.message}",
            hint="Restore with the key store (GUESTGRAPH_KEYSTORE_URL) and KEKs (GUESTGRAPH_KEK) this "
            "backup's data was written with; the key store is never inside a backup.",
        ) from e


def _where(url: str) -> str:
    return url.split("@")[-1]
