"""Payments: money received against a stay's folio (a deposit on a booking, a settlement in house or
after check-out). A card's number is never taken: at most the last four digits."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from guestgraph.access import DataScope
from guestgraph.db.models import PaymentMethod, StayStatus
from guestgraph.errors import InvalidInput
from guestgraph.frontdesk._desk_record import OperationResult, Plan, folio_record, run, with_balance
from guestgraph.frontdesk._stay_lookup import folio_stay

PAYMENT_METHODS = tuple(m.value for m in PaymentMethod)
PAYABLE = frozenset({StayStatus.BOOKED, StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT})  # a deposit before
REFERENCE_MAX = 64


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
    check_payment(method, amount, reference, card_last4)
    refusal = (
        "payments go to stays booked, in house or checked out",
        "Post the payment to the guest's live stay.",
    )
    stay, guest = folio_stay(factory, scope, hotel_code, confirmation_number, PAYABLE, refusal)
    fields = {
        "payment_method": method,
        "amount": str(amount),
        "currency": stay.currency,
        "payment_reference": (reference or "").strip() or None,
        "card_last4": (card_last4 or "").strip() or None,
    }
    record = folio_record(hotel_code, confirmation_number, guest, "payment", fields)
    record.fields = {k: v for k, v in record.fields.items() if v is not None}
    plan = Plan(hotel_code, confirmation_number, guest, record, "payment", noted={"method": method})
    return with_balance(factory, run(factory, plan, staff_user_id))


def check_payment(method: str, amount: Decimal, reference: str | None, card_last4: str | None) -> None:
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
