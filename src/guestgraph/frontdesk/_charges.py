"""Charges: a line posted to a stay's folio (in house, or a late charge after check-out)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from guestgraph.access import DataScope
from guestgraph.db.models import StayStatus
from guestgraph.errors import InvalidInput
from guestgraph.frontdesk._desk_record import OperationResult, Plan, folio_record, run, with_balance
from guestgraph.frontdesk._stay_lookup import folio_stay

OUTLETS = ("room", "fnb", "spa", "minibar", "other")
CHARGEABLE = frozenset({StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT})


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
    refusal = ("charges go to stays in house or checked out", "Check the guest in first.")
    stay, guest = folio_stay(factory, scope, hotel_code, confirmation_number, CHARGEABLE, refusal)
    fields = {
        "outlet": outlet,
        "amount": str(amount),
        "currency": stay.currency,
        "description": (description or "").strip() or None,
    }
    record = folio_record(hotel_code, confirmation_number, guest, "folio", fields)
    plan = Plan(hotel_code, confirmation_number, guest, record, "charge")
    return with_balance(factory, run(factory, plan, staff_user_id))
