"""Refunds and voids on a stay's folio. A refund gives money back (a deposit on a cancelled booking, an
overpayment): a payment below zero with the clerk's reason, never more than the folio received in that
currency. A void takes back a payment posted in error: the payment is kept and marked voided (never
deleted) by a newer version of its front-desk record carrying the reason, so its lineage holds, and the
balance leaves it out. Both are front-desk records run through the import engine, audited like every
desk operation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import ingest
from guestgraph.access import DataScope, stay_visible
from guestgraph.db.models import (
    Guest,
    Hotel,
    Payment,
    RecordType,
    SourceRecord,
    SourceSystem,
    Stay,
    StayStatus,
)
from guestgraph.errors import Conflict, InvalidInput, NotFound
from guestgraph.frontdesk._desk_record import OperationResult, Plan, folio_record, run, with_balance
from guestgraph.frontdesk._payments import check_payment
from guestgraph.frontdesk._primary_guest import REASON_MAX
from guestgraph.frontdesk._stay_lookup import StayNotFound, folio_stay
from guestgraph.frontdesk._stay_records import SOURCE

# Money is given back, or a payment taken back, whatever became of the stay (a cancelled booking's deposit).
CORRECTABLE = frozenset(StayStatus)
REFUSAL = ("refunds and voids go to any stay", "Reload the page.")  # never said: every status takes one


class PaymentNotFound(NotFound):
    code = "payment_not_found"


@dataclass(frozen=True)
class FolioPaymentLine:
    """A payment or refund on a stay's folio as the desk lists it (to refund against or void)."""

    payment_id: int
    kind: str  # payment or refund
    method: str
    amount: Decimal  # below zero for a refund
    currency: str
    paid_at: datetime
    reference: str | None
    card_last4: str | None
    reason: str | None  # a refund's
    voided_at: datetime | None
    void_reason: str | None
    voidable: bool  # posted at the desk and not voided (the PMS voids its own lines)


def stay_payments(
    session: Session, *, scope: DataScope, hotel_code: str, confirmation_number: str
) -> list[FolioPaymentLine]:
    """The payments and refunds on a stay in scope (at any hotel: a PMS's folio too), oldest first, voided
    ones too."""
    stay = session.scalar(
        select(Stay)
        .join(Hotel, Hotel.id == Stay.hotel_id)
        .where(Hotel.code == hotel_code, Stay.confirmation_number == confirmation_number, stay_visible(scope))
    )
    if stay is None:  # another hotel's stay reads exactly like one that does not exist
        raise StayNotFound(
            f"No stay {confirmation_number!r} at {hotel_code}.", hint="Check the confirmation number."
        )
    rows = session.execute(
        select(Payment, SourceSystem.code)
        .outerjoin(SourceRecord, SourceRecord.id == Payment.source_record_id)
        .outerjoin(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .where(Payment.stay_id == stay.id)
        .order_by(Payment.paid_at, Payment.id)
    ).all()
    return [
        FolioPaymentLine(
            p.id,
            "refund" if p.amount < 0 else "payment",
            str(p.method.value),
            p.amount,
            p.currency,
            p.paid_at,
            p.reference,
            p.card_last4,
            p.reason,
            p.voided_at,
            p.void_reason,
            source == SOURCE and p.voided_at is None,
        )
        for p, source in rows
    ]


def refund_payment(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    hotel_code: str,
    confirmation_number: str,
    method: str,
    amount: Decimal,
    reason: str,
    staff_user_id: int | None,
    currency: str | None = None,
    reference: str | None = None,
    card_last4: str | None = None,
) -> OperationResult:
    """Give money back against a stay's folio (a deposit, an overpayment): at most what the folio has
    received in that currency (its payments less its refunds, voided ones left out)."""
    check_payment(method, amount, reference, card_last4)
    why = _reason(reason, "refund")
    stay, guest = folio_stay(factory, scope, hotel_code, confirmation_number, CORRECTABLE, REFUSAL)
    with factory() as session:
        received = _received(session, stay.id)
    held = [c for c, v in received.items() if v > 0]  # a stay booked without an amount has no currency
    money = (currency or stay.currency or (held[0] if len(held) == 1 else "")).strip().upper()
    _check_refund(confirmation_number, amount, money, received)
    fields = {
        "payment_method": method,
        "payment_direction": "refund",
        "amount": str(amount),
        "currency": money,
        "refund_reason": why,
        "payment_reference": (reference or "").strip() or None,
        "card_last4": (card_last4 or "").strip() or None,
    }
    record = folio_record(hotel_code, confirmation_number, guest, "refund", fields)
    record.fields = {k: v for k, v in record.fields.items() if v is not None}
    noted = {"method": method, "currency": money}
    plan = Plan(hotel_code, confirmation_number, guest, record, "refund", reason=why, noted=noted)
    return with_balance(factory, run(factory, plan, staff_user_id))


def void_payment(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    hotel_code: str,
    confirmation_number: str,
    payment_id: int,
    reason: str,
    staff_user_id: int | None,
) -> OperationResult:
    """Take back a payment (or refund) posted in error at the desk: kept, marked voided with the reason
    by a newer version of its record, and left out of the balance."""
    why = _reason(reason, "void")
    stay, guest = folio_stay(factory, scope, hotel_code, confirmation_number, CORRECTABLE, REFUSAL)
    with factory() as session:
        payment, record = _voidable(session, stay, payment_id)
        received = _received(session, stay.id)
    if payment.amount > 0 and received.get(payment.currency, Decimal(0)) < payment.amount:
        left = received.get(payment.currency, Decimal(0)) - payment.amount
        raise InvalidInput(
            f"payment_id: voiding payment {payment_id} ({payment.currency} {payment.amount}) would leave "
            f"the folio of stay {confirmation_number} with refunds {payment.currency} {-left} above what it "
            "received.",
            hint="Void the refund that returned this money first, then this payment.",
        )
    voided = _void_record(record, payment, (hotel_code, confirmation_number), guest, why)
    noted = {"payment": str(payment_id), "method": str(payment.method.value)}
    plan = Plan(hotel_code, confirmation_number, guest, voided, "void", reason=why, noted=noted)
    return with_balance(factory, run(factory, plan, staff_user_id))


def _reason(reason: str, doing: str) -> str:
    why = " ".join((reason or "").split())
    if not why:
        raise InvalidInput(
            f"reason: a {doing} needs a reason.",
            hint="Say why, e.g. 'booking cancelled, deposit returned' or 'posted to the wrong stay'.",
        )
    if len(why) > REASON_MAX:
        raise InvalidInput(f"reason: longer than {REASON_MAX} characters.", hint="Shorten it.")
    return why


def _received(session: Session, stay_id: int) -> dict[str, Decimal]:
    """Currency -> what the folio holds: payments less refunds, voided ones left out."""
    rows = session.execute(
        select(Payment.currency, func.sum(Payment.amount))
        .where(Payment.stay_id == stay_id, Payment.voided_at.is_(None))
        .group_by(Payment.currency)
    )
    return {currency: Decimal(total) for currency, total in rows}


def _check_refund(conf: str, amount: Decimal, currency: str, received: dict[str, Decimal]) -> None:
    held = received.get(currency, Decimal(0))
    if held <= 0:
        took = ", ".join(f"{c} {v}" for c, v in sorted(received.items()) if v > 0) or "nothing"
        raise InvalidInput(
            f"currency: the folio of stay {conf} holds nothing in {currency or '(none)'} to refund "
            f"(it holds {took}).",
            hint="Refund in a currency the folio received, or post the payment first.",
        )
    if amount > held:
        raise InvalidInput(
            f"amount: a refund of {currency} {amount} is more than the {currency} {held} the folio of "
            f"stay {conf} holds (payments less refunds).",
            hint=f"Refund at most {currency} {held}.",
        )


def _voidable(session: Session, stay: Stay, payment_id: int) -> tuple[Payment, SourceRecord]:
    """The stay's payment and its current front-desk record, or why it cannot be voided."""
    payment = session.scalar(select(Payment).where(Payment.id == payment_id, Payment.stay_id == stay.id))
    if payment is None:
        raise PaymentNotFound(
            f"payment_id: no payment {payment_id} on stay {stay.confirmation_number}.",
            hint="List the stay's payments (GET …/payments) and use one of their ids.",
        )
    if payment.voided_at is not None:
        raise Conflict(
            f"payment_id: payment {payment_id} on stay {stay.confirmation_number} was already voided "
            f"({payment.voided_at:%Y-%m-%d}: {payment.void_reason}).",
            hint="Nothing to do: reload the folio.",
        )
    record = session.scalar(
        select(SourceRecord)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .where(SourceRecord.id == payment.source_record_id, SourceSystem.code == SOURCE)
    )
    if record is None or record.record_type is not RecordType.FOLIO:
        raise Conflict(
            f"payment_id: payment {payment_id} on stay {stay.confirmation_number} came from another system.",
            hint="Void it in the system that sent it (its next version reaches the folio by import).",
        )
    session.expunge(payment)
    session.expunge(record)
    return payment, record


def _void_record(
    record: SourceRecord, payment: Payment, stay: tuple[str, str], guest: Guest, why: str
) -> ingest.InboundRecord:
    """The payment's record again, as it stands, one version on, with the void's reason and time."""
    hotel_code, conf = stay
    paid = payment.paid_at if payment.paid_at.tzinfo else payment.paid_at.replace(tzinfo=UTC)
    fields = {
        "confirmation_number": conf,
        "payment_method": str(payment.method.value),
        "payment_direction": "refund" if payment.amount < 0 else None,
        "refund_reason": payment.reason,
        "amount": str(abs(payment.amount)),
        "currency": payment.currency,
        "payment_reference": payment.reference,
        "card_last4": payment.card_last4,
        "posted_at": paid.isoformat(),
        "void_reason": why,
        "voided_at": datetime.now(UTC).isoformat(),
    }
    return ingest.InboundRecord(
        record_type=RecordType.FOLIO,
        external_id=record.external_id,
        location="front desk",
        raw="",
        raw_format="form",
        fields={k: v for k, v in fields.items() if v is not None},
        persons=[{"role": "primary", "full_name": guest.full_name}],
        source_version=(record.source_version or 0) + 1,
        hotel_code=hotel_code,
    )
