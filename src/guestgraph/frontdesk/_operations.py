"""Stay operations for hotels without a PMS feed: create a reservation, check in (with the ID
document), check out, cancel, mark a no-show, post a charge to the folio, and name the primary guest of
a stay left without one (its primary guest erased with its record: the guest in the room, one of its
companions or any guest in scope, with the clerk's reason).

Each operation is a front-desk source record run through the import engine like any file or push
(standardised, checked by the same rules, stored with its lineage, projected onto the stay or folio).
A stay's operations are versions of one record (`HOTEL:stay:CONFIRMATION`), so the stay's history
is its record's versions. The clerk acted on a known guest, so the new record's mentions, the stay
and the folio line are linked to that guest at once; the person on the record carries the guest's
identifying values, so the next resolve pass links it to the same guest by the exact rules.

A version names the stay's other guests as they stand too (its companions and booker, with their
roles and identifying values): the stay points at the newest version and a resolve pass rebuilds its
guests from that version's persons. They are linked to their guests at once as carried persons
(identity.CARRIED), which a pass keeps with those guests even when only a name could match them.
Erased guests are on no stay, so nothing of theirs is written again.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import audit, cleanse, identity, ingest, pii
from guestgraph.access import DataScope, mask_name, stay_visible
from guestgraph.db.models import (
    Charge,
    Guest,
    GuestMention,
    GuestRole,
    GuestStatus,
    PaymentMethod,
    RecordStatus,
    RecordType,
    SourceRecord,
    SourceSystem,
    Stay,
    StayGuest,
    StayStatus,
)
from guestgraph.errors import Conflict, InvalidInput, NotFound
from guestgraph.frontdesk._hotels import operable_hotel
from guestgraph.profiles import folio_balances, visible_guest

SOURCE = "frontdesk"
OUTLETS = ("room", "fnb", "spa", "minibar", "other")
PAYMENT_METHODS = tuple(m.value for m in PaymentMethod)
PAYABLE = frozenset({StayStatus.BOOKED, StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT})  # a deposit before
REFERENCE_MAX = 64
ID_TYPES = ("cn_resident_id", "passport", "hk_macau_permit", "taiwan_permit", "other")
# Our document types as a label the standardiser reads (it maps labels, not our codes, to types).
ID_LABEL = {
    "cn_resident_id": "resident id",
    "passport": "passport",
    "hk_macau_permit": "home return permit",
    "taiwan_permit": "taiwan permit",
}
# What each operation needs the stay to be, and what it makes of it.
TRANSITIONS: dict[str, tuple[frozenset[StayStatus], StayStatus]] = {
    "check_in": (frozenset({StayStatus.BOOKED}), StayStatus.IN_HOUSE),
    "check_out": (frozenset({StayStatus.IN_HOUSE}), StayStatus.CHECKED_OUT),
    "cancel": (frozenset({StayStatus.BOOKED}), StayStatus.CANCELLED),
    "no_show": (frozenset({StayStatus.BOOKED}), StayStatus.NO_SHOW),
}
CHARGEABLE = frozenset({StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT})
# The audit action of each operation (all count as guest-data edits, audit.GUEST_EDIT_ACTIONS).
AUDIT_ACTION = {
    "reservation": "guest.stay.reserve",
    "check_in": "guest.stay.check_in",
    "check_out": "guest.stay.check_out",
    "cancel": "guest.stay.cancel",
    "no_show": "guest.stay.no_show",
    "charge": "guest.stay.charge",
    "payment": "guest.stay.payment",
    "name_primary_guest": "guest.stay.name_primary_guest",
}
REASON_MAX = 300
GUEST_VALUES = {  # record person field -> golden guest attribute
    "full_name": "full_name",
    "gender": "gender",
    "birth_date": "birth_date",
    "nationality": "nationality",
    "phone": "phone",
    "email": "email",
    "id_type": "id_document_type",
    "id_number": "id_document_number",
    "loyalty_number": "loyalty_number",
}


class StayNotFound(NotFound):
    code = "stay_not_found"


class StayWithoutPrimaryGuest(Conflict):
    """The stay names no primary guest the desk could act for (not resolved yet, or erased); the
    answer names the stay, so a page or client can offer `name_primary_guest` for it."""

    code = "stay_without_primary_guest"

    def __init__(self, message: str, *, hint: str, hotel_code: str, confirmation_number: str) -> None:
        super().__init__(message, hint=hint)
        self.hotel_code, self.confirmation_number = hotel_code, confirmation_number

    def to_dict(self) -> dict[str, object]:
        return super().to_dict() | {
            "hotel_code": self.hotel_code,
            "confirmation_number": self.confirmation_number,
        }


class StayHasPrimaryGuest(Conflict):
    code = "stay_has_primary_guest"


@dataclass(frozen=True)
class StayGuestChoice:
    """A guest left on a stay (a companion or its booker), as the desk may name them its primary guest."""

    guest_public_id: str
    guest_name: str | None  # masked
    role: str


@dataclass(frozen=True)
class NewReservation:
    hotel_code: str
    guest_public_id: str
    arrival: date
    departure: date
    room_type: str | None = None
    rate_plan: str | None = None
    amount: Decimal | None = None  # room revenue of the whole stay
    adults: int = 1
    children: int = 0


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
class _Plan:
    hotel_code: str
    confirmation_number: str
    guest: Guest
    record: ingest.InboundRecord
    label: str
    others: list[tuple[Guest, GuestRole]] = field(default_factory=list)  # persons 1.. of a stay record
    reason: str | None = None  # the clerk's, kept in the record (naming a stay's primary guest)
    primary_rule: str = "front_desk"  # how person 0 is linked to `guest` (identity.NAMED: kept so)
    noted: dict[str, str] = field(default_factory=dict)  # more audit details (no personal values)


def create_reservation(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    reservation: NewReservation,
    staff_user_id: int | None,
) -> OperationResult:
    """A new booked stay for a guest in scope at a hotel in scope."""
    r = reservation
    if r.departure <= r.arrival:
        raise InvalidInput("The departure must be after the arrival.", hint="Check the dates.")
    with factory() as session:
        operable_hotel(session, scope, r.hotel_code)
        guest = visible_guest(session, scope, r.guest_public_id)
        person = _person(session, guest)
        session.expunge(guest)
    conf = "FD" + secrets.token_hex(4).upper()
    fields = {
        "confirmation_number": conf,
        "arrival": r.arrival.isoformat(),
        "departure": r.departure.isoformat(),
        "room_type": r.room_type,
        "rate_plan": r.rate_plan,
        "channel": "front_desk",
        "adults": str(r.adults),
        "children": str(r.children),
        "amount": str(r.amount) if r.amount is not None else None,
        "stay_status": StayStatus.BOOKED.value,
    }
    record = _stay_record(r.hotel_code, conf, fields, person, version=1)
    return _run(factory, _Plan(r.hotel_code, conf, guest, record, "reservation"), staff_user_id)


def change_stay(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    hotel_code: str,
    confirmation_number: str,
    operation: str,
    staff_user_id: int | None,
    room_number: str | None = None,
    id_type: str | None = None,
    id_number: str | None = None,
) -> OperationResult:
    """Check in (room number and the ID document seen), check out, cancel or mark a no-show."""
    if operation not in TRANSITIONS:
        raise InvalidInput(
            f"Unknown stay operation {operation!r}.", hint=f"Use one of: {', '.join(TRANSITIONS)}."
        )
    allowed, becomes = TRANSITIONS[operation]
    with factory() as session:
        stay, guest, version = _stay_and_guest(session, scope, hotel_code, confirmation_number)
        if stay.status not in allowed:
            raise Conflict(
                f"Stay {confirmation_number} is {stay.status.value}; {operation} needs "
                f"{' or '.join(sorted(s.value for s in allowed))}.",
                hint="Reload the page: someone may have changed the stay.",
            )
        fields = _stay_fields(stay) | {"stay_status": becomes.value}
        person = _person(session, guest)
        others = _other_guests(session, stay.id)
        carried = [_person(session, other, role) for other, role in others]
        rule = _primary_rule(session, stay, guest.id)
    if operation == "check_in":
        if not (id_type and id_number):
            raise InvalidInput("Check-in records the ID document seen.", hint="Enter its type and number.")
        if id_type not in ID_TYPES:
            raise InvalidInput(
                f"Unknown ID document type {id_type!r}.", hint=f"Use one of: {', '.join(ID_TYPES)}."
            )
        label = ID_LABEL.get(id_type, "other")
        # The clerk holds the document: a number that cannot be right is refused (CleanseError, 400).
        cleanse.parse_document(label, id_number)
        person |= {"id_type": label, "id_number": id_number.strip()}
        fields["room_number"] = (room_number or "").strip() or fields.get("room_number")
    record = _stay_record(hotel_code, confirmation_number, fields, person, *carried, version=version + 1)
    plan = _Plan(hotel_code, confirmation_number, guest, record, operation, others, primary_rule=rule)
    return _with_balance(factory, _run(factory, plan, staff_user_id))


def post_charge(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    hotel_code: str,
    confirmation_number: str,
    outlet: str,
    amount: Decimal,
    description: str | None,
    staff_user_id: int | None,
) -> OperationResult:
    """A folio line on a stay in house (or a late charge after check-out)."""
    if outlet not in OUTLETS:
        raise InvalidInput(f"Unknown outlet {outlet!r}.", hint=f"Use one of: {', '.join(OUTLETS)}.")
    if amount <= 0:
        raise InvalidInput("A charge must be more than zero.", hint="Post a positive amount.")
    with factory() as session:
        stay, guest, _version = _stay_and_guest(session, scope, hotel_code, confirmation_number)
        if stay.status not in CHARGEABLE:
            raise Conflict(
                f"Stay {confirmation_number} is {stay.status.value}; "
                "charges go to stays in house or checked out.",
                hint="Check the guest in first.",
            )
        currency = stay.currency
    record = ingest.InboundRecord(
        record_type=RecordType.FOLIO,
        external_id=f"{hotel_code}:folio:{confirmation_number}:{secrets.token_hex(6)}",
        location="front desk",
        raw="",
        raw_format="form",
        fields={
            "confirmation_number": confirmation_number,
            "outlet": outlet,
            "amount": str(amount),
            "currency": currency,
            "description": (description or "").strip() or None,
            "posted_at": datetime.now(UTC).isoformat(),
        },
        persons=[{"role": "primary", "full_name": guest.full_name}],
        source_version=1,
        hotel_code=hotel_code,
    )
    plan = _Plan(hotel_code, confirmation_number, guest, record, "charge")
    return _with_balance(factory, _run(factory, plan, staff_user_id))


def post_payment(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    hotel_code: str,
    confirmation_number: str,
    method: str,
    amount: Decimal,
    reference: str | None,
    card_last4: str | None,
    staff_user_id: int | None,
) -> OperationResult:
    """Money received against a stay's folio (a deposit on a booking, a settlement in house or after
    check-out). A card's number is never taken: at most the last four digits."""
    _check_payment(method, amount, reference, card_last4)
    with factory() as session:
        stay, guest, _version = _stay_and_guest(session, scope, hotel_code, confirmation_number)
        if stay.status not in PAYABLE:
            raise Conflict(
                f"Stay {confirmation_number} is {stay.status.value}; payments go to stays booked, "
                "in house or checked out.",
                hint="Post the payment to the guest's live stay.",
            )
        currency = stay.currency
    fields = {
        "confirmation_number": confirmation_number,
        "payment_method": method,
        "amount": str(amount),
        "currency": currency,
        "payment_reference": (reference or "").strip() or None,
        "card_last4": (card_last4 or "").strip() or None,
        "posted_at": datetime.now(UTC).isoformat(),
    }
    record = ingest.InboundRecord(
        record_type=RecordType.FOLIO,
        external_id=f"{hotel_code}:payment:{confirmation_number}:{secrets.token_hex(6)}",
        location="front desk",
        raw="",
        raw_format="form",
        fields={k: v for k, v in fields.items() if v is not None},
        persons=[{"role": "primary", "full_name": guest.full_name}],
        source_version=1,
        hotel_code=hotel_code,
    )
    plan = _Plan(hotel_code, confirmation_number, guest, record, "payment", noted={"method": method})
    return _with_balance(factory, _run(factory, plan, staff_user_id))


def _check_payment(method: str, amount: Decimal, reference: str | None, card_last4: str | None) -> None:
    if method not in PAYMENT_METHODS:
        raise InvalidInput(
            f"method: {method!r} is not a payment method.", hint=f"Use one of: {', '.join(PAYMENT_METHODS)}."
        )
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("amount: a payment must be more than zero.", hint="Enter the amount received.")
    if len((reference or "").strip()) > REFERENCE_MAX:
        raise InvalidInput(f"reference: at most {REFERENCE_MAX} characters.", hint="Shorten the reference.")
    last4 = (card_last4 or "").strip()
    if last4 and (len(last4) != 4 or not last4.isdigit()):
        raise InvalidInput(
            "card_last4: the last four digits of the card only.",
            hint="Enter four digits, never the card number.",
        )


def _with_balance(factory: sessionmaker[Session], result: OperationResult) -> OperationResult:
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


def name_primary_guest(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    hotel_code: str,
    confirmation_number: str,
    guest_public_id: str,
    reason: str,
    staff_user_id: int | None,
) -> OperationResult:
    """Name the guest in the room as the primary guest of a stay that has none (erased with its
    record, or a booking naming only a companion or booker): one of its companions (who leaves the
    companions) or any guest in scope. A new version of the stay's record like every desk operation,
    keeping its status and its other links; the clerk's reason is kept in the record."""
    why = _reason(reason)
    if not guest_public_id.strip():
        raise InvalidInput(
            "Choose the guest to name the stay's primary guest.",
            hint="Pick a guest left on the stay, or enter another guest's ID.",
        )
    with factory() as session:
        plan = _naming(session, scope, hotel_code, confirmation_number, guest_public_id.strip(), why)
    return _run(factory, plan, staff_user_id)


def _reason(reason: str) -> str:
    why = " ".join((reason or "").split())
    if not why:
        raise InvalidInput(
            "Naming a stay's primary guest needs a reason.",
            hint="Say why, e.g. 'primary guest erased; her companion shows her ID at check-out'.",
        )
    if len(why) > REASON_MAX:
        raise InvalidInput(f"The reason is longer than {REASON_MAX} characters.", hint="Shorten it.")
    return why


def _naming(
    session: Session, scope: DataScope, hotel_code: str, confirmation_number: str, public_id: str, why: str
) -> _Plan:
    """The stay's next version naming the guest its primary guest, its other links as they stand (a
    companion named leaves the companions; a booker named stays the booker too)."""
    stay = _stay_in_scope(session, scope, hotel_code, confirmation_number)
    if (named := _primary_guest(session, stay.id)) is not None:
        raise StayHasPrimaryGuest(
            f"Stay {confirmation_number} at {hotel_code} already has a primary guest ({named.public_id}).",
            hint="Stay operations act for them; reload the page.",
        )
    guest = visible_guest(session, scope, public_id)
    version = _latest_version(session, hotel_code, confirmation_number)
    fields = _stay_fields(stay) | {"stay_status": stay.status.value}
    person = _person(session, guest)
    session.expunge(guest)
    links = _other_guests(session, stay.id)
    others = [(o, role) for o, role in links if not (o.id == guest.id and role is GuestRole.ADDITIONAL)]
    carried = [_person(session, other, role) for other, role in others]
    record = _stay_record(hotel_code, confirmation_number, fields, person, *carried, version=version + 1)
    was = ", ".join(sorted(role.value for o, role in links if o.id == guest.id)) or "not on the stay"
    label = "name_primary_guest"
    return _Plan(
        hotel_code, confirmation_number, guest, record, label, others, why, identity.NAMED, {"was": was}
    )


def primary_guest_choices(
    session: Session, *, scope: DataScope, hotel_code: str, confirmation_number: str
) -> list[StayGuestChoice]:
    """The guests left on a stay in scope (companions, booker), names masked, for the desk to name
    one its primary guest."""
    stay = _stay_in_scope(session, scope, hotel_code, confirmation_number)
    return [
        StayGuestChoice(guest.public_id, mask_name(guest.full_name), role.value)
        for guest, role in _other_guests(session, stay.id)
    ]


def _stay_and_guest(
    session: Session, scope: DataScope, hotel_code: str, confirmation_number: str
) -> tuple[Stay, Guest, int]:
    """The stay in scope, its primary guest, and the latest front-desk version of its record."""
    stay = _stay_in_scope(session, scope, hotel_code, confirmation_number)
    guest = _primary_guest(session, stay.id)
    if guest is None:
        raise _no_primary_guest(session, stay, hotel_code)
    version = _latest_version(session, hotel_code, confirmation_number)
    session.expunge(stay)
    session.expunge(guest)
    return stay, guest, version


def _stay_in_scope(session: Session, scope: DataScope, hotel_code: str, confirmation_number: str) -> Stay:
    """The stay at a hotel the desk operates, in the reader's scope, or `StayNotFound` (404)."""
    hotel = operable_hotel(session, scope, hotel_code)
    stay = session.scalar(
        select(Stay).where(
            Stay.hotel_id == hotel.id, Stay.confirmation_number == confirmation_number, stay_visible(scope)
        )
    )
    if stay is None:
        raise StayNotFound(
            f"No stay {confirmation_number!r} at {hotel_code}.", hint="Check the confirmation number."
        )
    return stay


def _primary_guest(session: Session, stay_id: int) -> Guest | None:
    return session.scalar(
        select(Guest)
        .join(StayGuest, StayGuest.guest_id == Guest.id)
        .where(StayGuest.stay_id == stay_id, StayGuest.role == GuestRole.PRIMARY)
    )


def _latest_version(session: Session, hotel_code: str, confirmation_number: str) -> int:
    """The newest front-desk version of the stay's record, erased ones (under their tombstone) too."""
    external_id = _stay_external_id(hotel_code, confirmation_number)
    stored_as = [external_id, pii.tombstone(pii.vault_of(session), external_id)]
    version = session.scalar(
        select(func.max(SourceRecord.source_version))
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .where(SourceSystem.code == SOURCE, SourceRecord.external_id.in_(stored_as))
    )
    return version or 0


def _primary_rule(session: Session, stay: Stay, guest_id: int) -> str:
    """How the stay's new version links its primary guest: as the version it follows does when a
    clerk named her (identity.NAMED, kept through a pass), else as the desk's choice."""
    named = session.scalar(
        select(func.count())
        .select_from(GuestMention)
        .where(
            GuestMention.source_record_id == stay.source_record_id,
            GuestMention.person_index == 0,
            GuestMention.guest_id == guest_id,
            GuestMention.link_rule == identity.NAMED,
        )
    )
    return identity.NAMED if named else "front_desk"


def _no_primary_guest(session: Session, stay: Stay, hotel_code: str) -> StayWithoutPrimaryGuest:
    """Why the desk cannot act on a stay without a primary guest, and what brings one back. After an
    erasure a resolve pass does not: the stay's record was erased with the guest's data."""
    where = f"Stay {stay.confirmation_number} at {hotel_code}"
    left = session.scalar(select(func.count()).select_from(StayGuest).where(StayGuest.stay_id == stay.id))
    erased = stay.source_record_id is not None and (
        session.scalar(select(SourceRecord.status).where(SourceRecord.id == stay.source_record_id))
        is RecordStatus.ERASED
    )
    name_one = (
        "Name the stay's primary guest at the desk: the guest in the room, one of its companions or any "
        "guest you find, with a reason ('Name the primary guest' on this page, or POST "
        f"/api/v1/hotels/{hotel_code}/stays/{stay.confirmation_number}/primary-guest), then try again; "
        "or have the booking's source send it again naming them and run identity resolution."
    )
    stay_named = {"hotel_code": hotel_code, "confirmation_number": stay.confirmation_number}
    if erased:
        return StayWithoutPrimaryGuest(
            f"{where} has no primary guest: its record was erased with its primary guest's data (a "
            f"data-subject erasure or the retention schedule; {left} companion or booker link(s) left), "
            "and stay operations act for the primary guest.",
            hint=name_one,
            **stay_named,
        )
    if left:
        return StayWithoutPrimaryGuest(
            f"{where} names only a companion or booker ({left}), no primary guest.",
            hint=name_one,
            **stay_named,
        )
    return StayWithoutPrimaryGuest(
        f"{where} is not linked to a guest yet.",
        hint="Run identity resolution (guestgraph resolve --all), or " + name_one[0].lower() + name_one[1:],
        **stay_named,
    )


def _stay_external_id(hotel_code: str, confirmation_number: str) -> str:
    return f"{hotel_code}:stay:{confirmation_number}"


def _stay_fields(stay: Stay) -> dict[str, str | None]:
    """The stay as it stands, as record fields (each version carries the whole stay)."""

    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return {
        "confirmation_number": stay.confirmation_number,
        "arrival": stay.arrival.isoformat(),
        "departure": stay.departure.isoformat(),
        "room_number": stay.room_number,
        "room_type": stay.room_type,
        "rate_plan": stay.rate_plan,
        "channel": stay.channel,
        "adults": text(stay.adults),
        "children": text(stay.children),
        "amount": text(stay.amount),
        "currency": stay.currency,
    }


def _other_guests(session: Session, stay_id: int) -> list[tuple[Guest, GuestRole]]:
    """The stay's links besides its primary guest's (companions, booker) as they stand, with their
    roles: the primary guest's own too when they booked the stay (its booker), so a new version keeps
    every link; active guests only (an erased guest is on no stay; a merged one is not linked yet)."""
    rows = session.execute(
        select(Guest, StayGuest.role)
        .join(StayGuest, StayGuest.guest_id == Guest.id)
        .where(
            StayGuest.stay_id == stay_id,
            StayGuest.role != GuestRole.PRIMARY,
            Guest.status == GuestStatus.ACTIVE,
        )
        .order_by(StayGuest.role, Guest.id)
    ).all()
    for other, _role in rows:
        session.expunge(other)
    return [(other, role) for other, role in rows]


def _person(session: Session, guest: Guest, role: GuestRole = GuestRole.PRIMARY) -> dict[str, str | None]:
    """The guest as the clerk confirmed them (or as the stay names them, for its other guests): the
    golden identifying values (sealed ones opened)."""
    person: dict[str, str | None] = {"role": role.value}
    sealed = pii.guest_values(pii.vault_of(session), guest)
    for key, attr in GUEST_VALUES.items():
        value = sealed[attr] if attr in sealed else getattr(guest, attr)
        person[key] = value.isoformat() if isinstance(value, date) else value
    if person["id_type"]:
        person["id_type"] = ID_LABEL.get(person["id_type"] or "", "other")
    return person


def _stay_record(
    hotel_code: str, conf: str, fields: dict[str, str | None], *persons: dict[str, str | None], version: int
) -> ingest.InboundRecord:
    return ingest.InboundRecord(
        record_type=RecordType.RESERVATION,
        external_id=_stay_external_id(hotel_code, conf),
        location="front desk",
        raw="",
        raw_format="form",
        fields={k: v for k, v in fields.items() if v is not None},
        persons=list(persons),
        source_version=version,
        hotel_code=hotel_code,
    )


def _run(factory: sessionmaker[Session], plan: _Plan, staff_user_id: int | None) -> OperationResult:
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


def _audit(plan: _Plan, session: Session, batch_id: int, results: list[ingest.RecordResult]) -> None:
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


def _link(session: Session, plan: _Plan, external_id: str) -> tuple[int, str]:
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
