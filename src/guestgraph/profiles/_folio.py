"""A stay's folio balance: what was charged (the room revenue the folio statement posts, one line a night,
and the folio lines) less the payments received, in the stay's currency. The one rule the stay view,
the 360° profile, the front-desk answers and the folio statement share. Payments are never spend or
revenue: analytics read `charge` only. A refund is a payment below zero; a voided payment counts for
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from guestgraph.db.models import Charge, Payment, Stay, StayStatus

ROOM_POSTED = frozenset({StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT})  # room revenue is on the folio


@dataclass(frozen=True)
class FolioBalance:
    charges: Decimal
    payments: Decimal
    currency: str | None

    @property
    def balance(self) -> Decimal:
        """Charges less payments: above zero the guest (or the city ledger) owes, below it is a credit."""
        return self.charges - self.payments


def room_posted(stay: Stay) -> Decimal:
    """The room revenue the folio shows for a stay: its amount once the guest is in house or gone."""
    if stay.status not in ROOM_POSTED or not stay.amount or stay.departure <= stay.arrival:
        return Decimal(0)
    return Decimal(stay.amount)


def folio_balances(session: Session, stay_ids: list[int]) -> dict[int, FolioBalance]:
    """The balance of each of these stays whose folio holds anything (three grouped queries). Lines in
    another currency than the stay's are left out (the statement totals them apart)."""
    if not stay_ids:
        return {}
    stays = {s.id: s for s in session.scalars(select(Stay).where(Stay.id.in_(stay_ids)))}
    charged = _sums(session, Charge, stay_ids)
    paid = _sums(session, Payment, stay_ids, Payment.voided_at.is_(None))  # a void is no money received
    out: dict[int, FolioBalance] = {}
    for stay_id, stay in stays.items():
        lines, payments = charged.get(stay_id, {}), paid.get(stay_id, {})
        room = room_posted(stay)
        if not (room or lines or payments):
            continue
        currency = stay.currency or next(iter(lines or payments), None)
        out[stay_id] = FolioBalance(
            room + lines.get(currency or "", Decimal(0)), payments.get(currency or "", Decimal(0)), currency
        )
    return out


def _sums(
    session: Session, model: type[Charge] | type[Payment], stay_ids: list[int], *where: ColumnElement[bool]
) -> dict[int, dict[str, Decimal]]:
    sums: dict[int, dict[str, Decimal]] = {}
    for stay_id, currency, total in session.execute(
        select(model.stay_id, model.currency, func.sum(model.amount))
        .where(model.stay_id.in_(stay_ids), *where)
        .group_by(model.stay_id, model.currency)
    ):
        if stay_id is not None:
            sums.setdefault(stay_id, {})[currency] = Decimal(total)
    return sums
