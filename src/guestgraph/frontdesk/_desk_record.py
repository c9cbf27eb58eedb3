"""Running a desk operation: its source record through the import engine like any file or push
(standardised, checked by the same rules, stored with its lineage, projected onto the stay or folio),
its audit event in the same transaction, and the new record, its mentions, the stay and the folio line
linked at once to the guest the clerk acted for (the persons it carries to the stay's other guests, as
carried persons, identity.CARRIED). Erased guests are on no stay, so nothing of theirs is written again."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import audit, identity, ingest
from guestgraph.db.models import (
    Charge,
    Guest,
    GuestMention,
    GuestRole,
    RecordType,
    SourceRecord,
    SourceSystem,
    Stay,
    StayGuest,
)
from guestgraph.errors import Conflict, InvalidInput
from guestgraph.frontdesk._stay_records import SOURCE
from guestgraph.profiles import folio_balances

# The audit action of each operation (all count as guest-data edits, audit.GUEST_EDIT_ACTIONS).
AUDIT_ACTION = {
    "reservation": "guest.stay.reserve",
    "check_in": "guest.stay.check_in",
    "check_out": "guest.stay.check_out",
    "cancel": "guest.stay.cancel",
    "no_show": "guest.stay.no_show",
    "charge": "guest.stay.charge",
    "payment": "guest.stay.payment",
    "refund": "guest.stay.refund",
    "void": "guest.stay.void_payment",
    "name_primary_guest": "guest.stay.name_primary_guest",
}


@dataclass(frozen=True)
class OperationResult:
    hotel_code: str
    confirmation_number: str
    status: str  # the stay's status afterwards
    guest_public_id: str
    source_record_id: int  # the front-desk record that carries the operation (lineage)
    batch_id: int
    # the folio's charges less its payments afterwards, in the stay's currency (a check-out with an
    # open balance is allowed, e.g. city ledger, and says so); None when the folio is empty
    balance: Decimal | None = None
    currency: str | None = None


@dataclass
class Plan:
    hotel_code: str
    confirmation_number: str
    guest: Guest
    record: ingest.InboundRecord
    label: str
    others: list[tuple[Guest, GuestRole]] = field(default_factory=list)  # persons 1.. of a stay record
    reason: str | None = None  # the clerk's, kept in the record (naming a stay's primary guest)
    primary_rule: str = "front_desk"  # how person 0 is linked to `guest` (identity.NAMED: kept so)
    noted: dict[str, str] = field(default_factory=dict)  # more audit details (no personal values)


def run(factory: sessionmaker[Session], plan: Plan, staff_user_id: int | None) -> OperationResult:
    record = plan.record
    said = {"reason": plan.reason} if plan.reason else {}
    record.raw = json.dumps(
        {"operation": plan.label, "fields": record.fields, "persons": record.persons} | said,
        ensure_ascii=False,
        sort_keys=True,
    )
    request = ingest.ImportRequest(
        source=SOURCE,
        channel="form",
        format="form",
        hotel_code=plan.hotel_code,
        filename=f"front desk: {plan.label}",
        created_by_id=staff_user_id,
    )
    summary = ingest.run_import(factory, [record], request, collect=True, on_stored=partial(_audit, plan))
    if summary.duplicates:
        raise Conflict(
            f"Stay {plan.confirmation_number} changed while you worked on it.", hint="Reload and try again."
        )
    if summary.quarantined:
        problems = summary.refusals()
        raise InvalidInput(
            f"The {plan.label.replace('_', ' ')} was refused: {'; '.join(problems) or 'see the quarantine'}.",
            hint="Correct the values and try again (the refused record is in the quarantine).",
        )
    with factory.begin() as session:
        record_id, status = _link(session, plan, record.external_id or "")
    return OperationResult(
        plan.hotel_code, plan.confirmation_number, status, plan.guest.public_id, record_id, summary.batch_id
    )


def _audit(plan: Plan, session: Session, batch_id: int, results: list[ingest.RecordResult]) -> None:
    """The operation's event, in the transaction that stores its record: who did what to which guest's
    stay at which hotel; refused (quarantined) or stale (duplicate) is a failed operation."""
    stored = all(r.stored for r in results)
    audit.log_event(
        session,
        AUDIT_ACTION[plan.label],
        outcome="ok" if stored else "failed",
        guest_public_id=plan.guest.public_id,
        object_type="stay",
        object_id=plan.confirmation_number,
        details={
            "hotel": plan.hotel_code,
            "batch": batch_id,
            "record": ", ".join(sorted({r.outcome for r in results})),
        }
        | plan.noted,
    )


def _link(session: Session, plan: Plan, external_id: str) -> tuple[int, str]:
    """Point the new record, its mentions, the stay and the folio line at the guest the clerk chose,
    and the persons it carried at the stay's other guests (what a resolve pass would do for it)."""
    record_id = session.scalar(
        select(SourceRecord.id)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .where(SourceSystem.code == SOURCE, SourceRecord.external_id == external_id, SourceRecord.is_current)
        .order_by(SourceRecord.id.desc())
        .limit(1)
    )
    if record_id is None:  # pragma: no cover - run_import stored it or raised
        raise Conflict(f"The front-desk record {external_id} was not stored.")
    guest_id = plan.guest.id
    session.execute(update(SourceRecord).where(SourceRecord.id == record_id).values(guest_id=guest_id))
    session.execute(
        update(GuestMention)
        .where(GuestMention.source_record_id == record_id, GuestMention.person_index == 0)
        .values(guest_id=guest_id, link_rule=plan.primary_rule)
    )
    for index, (other, _role) in enumerate(plan.others, start=1):
        session.execute(
            update(GuestMention)
            .where(GuestMention.source_record_id == record_id, GuestMention.person_index == index)
            .values(guest_id=other.id, link_rule=identity.CARRIED)
        )
    stay = session.scalar(
        select(Stay)
        .join(SourceRecord, SourceRecord.hotel_id == Stay.hotel_id)
        .where(SourceRecord.id == record_id, Stay.confirmation_number == plan.confirmation_number)
    )
    if stay is None:  # pragma: no cover - the projection wrote it
        raise Conflict(f"Stay {plan.confirmation_number} was not projected.")
    named = [(plan.guest.id, GuestRole.PRIMARY), *((who.id, role) for who, role in plan.others)]
    for guest_id, role in named:
        _on_stay(session, stay.id, guest_id, role)
    if plan.record.record_type is RecordType.RESERVATION:  # a version of the stay names all its guests
        _drop_roles_not_named(session, stay.id, named)
    session.execute(update(Charge).where(Charge.source_record_id == record_id).values(guest_id=guest_id))
    return record_id, stay.status.value


def _on_stay(session: Session, stay_id: int, guest_id: int, role: GuestRole) -> None:
    linked = session.scalar(
        select(func.count())
        .select_from(StayGuest)
        .where(StayGuest.stay_id == stay_id, StayGuest.guest_id == guest_id, StayGuest.role == role)
    )
    if not linked:
        session.execute(insert(StayGuest).values(stay_id=stay_id, guest_id=guest_id, role=role))


def _drop_roles_not_named(session: Session, stay_id: int, named: list[tuple[int, GuestRole]]) -> None:
    """A guest the record names keeps only the roles it names them in (a companion named the primary
    guest is no longer a companion), as the next resolve pass would have it."""
    roles: dict[int, set[GuestRole]] = {}
    for guest_id, role in named:
        roles.setdefault(guest_id, set()).add(role)
    for guest_id, kept in roles.items():
        session.execute(
            delete(StayGuest).where(
                StayGuest.stay_id == stay_id, StayGuest.guest_id == guest_id, StayGuest.role.not_in(kept)
            )
        )


def with_balance(factory: sessionmaker[Session], result: OperationResult) -> OperationResult:
    """The operation's answer with the folio's balance afterwards."""
    with factory() as session:
        stay_id = session.scalar(
            select(Stay.id)
            .join(SourceRecord, SourceRecord.hotel_id == Stay.hotel_id)
            .where(
                SourceRecord.id == result.source_record_id,
                Stay.confirmation_number == result.confirmation_number,
            )
        )
        if stay_id is None:  # pragma: no cover - the operation's stay
            return result
        folio = folio_balances(session, [stay_id]).get(stay_id)
    if folio is None:
        return result
    return replace(result, balance=folio.balance, currency=folio.currency)


def folio_record(
    hotel_code: str, confirmation_number: str, guest: Guest, kind: str, fields: dict[str, str | None]
) -> ingest.InboundRecord:
    """A new line on a stay's folio (a charge or a payment) as a front-desk record of its own
    (`HOTEL:KIND:CONFIRMATION:TOKEN`), posted now, naming the stay and the guest it is for."""
    return ingest.InboundRecord(
        record_type=RecordType.FOLIO,
        external_id=f"{hotel_code}:{kind}:{confirmation_number}:{secrets.token_hex(6)}",
        location="front desk",
        raw="",
        raw_format="form",
        fields={
            "confirmation_number": confirmation_number,
            **fields,
            "posted_at": datetime.now(UTC).isoformat(),
        },
        persons=[{"role": "primary", "full_name": guest.full_name}],
        source_version=1,
        hotel_code=hotel_code,
    )
