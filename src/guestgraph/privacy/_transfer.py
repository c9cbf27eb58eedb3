"""Cross-border and third-party gates (checklist DG-03; PIPL 23, 38, 39; CAC Provisions on Promoting
and Regulating Cross-Border Data Flows, 2024; GDPR chapter V).

Every place guest data may leave to is a configured recipient with its country. Before guest data
leaves, `transfer_gate` says whether it may: a recipient outside mainland China (Hong Kong, Macao and
Taiwan included) needs a configured route; routes that rest on consent need each guest's separate
cross-border consent, and a processor deciding its own purposes (another personal-information
handler, PIPL 23) needs each guest's separate consent to sharing. The gate gives the WHERE clause
that keeps only those guests, so the caller can count who was left out, and log both numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm import Session

from guestgraph.db.models import DataRecipient, RecipientKind, TransferRoute
from guestgraph.errors import Conflict, InvalidInput, NotFound
from guestgraph.privacy._audit import privacy_event
from guestgraph.privacy._consent import consent_granted
from guestgraph.privacy._vocabulary import Channel, Purpose

MAINLAND = "CN"


@dataclass(frozen=True)
class Route:
    needs_consent: bool  # separate cross-border consent of each guest (PIPL 39)
    covers_marketing: bool  # may carry data used for marketing, not only what the stay needs
    needs_reference: bool  # a filing number or certificate must be on record
    basis: str


ROUTES: dict[TransferRoute, Route] = {
    TransferRoute.BOOKING_CONTRACT: Route(
        False,
        False,
        False,
        "2024 Provisions art. 5(1): necessary to conclude or perform a contract the guest is party to, "
        "such as a booking abroad; only what the stay needs (PIPL 13(1)(2)); the guest is still told "
        "(PIPL 39)",
    ),
    TransferRoute.UNDER_THRESHOLD: Route(
        True,
        True,
        False,
        "2024 Provisions art. 5(4): a non-CII handler sending non-sensitive PI of fewer than 100,000 "
        "persons since 1 January; separate consent (PIPL 39)",
    ),
    TransferRoute.STANDARD_CONTRACT: Route(
        True, True, True, "PIPL 38(1)(3): CAC standard contract, filed; separate consent (PIPL 39)"
    ),
    TransferRoute.CERTIFICATION: Route(
        True, True, True, "PIPL 38(1)(2): personal-information protection certification; separate consent"
    ),
    TransferRoute.SECURITY_ASSESSMENT: Route(
        True, True, True, "PIPL 38(1)(1), 40: CAC security assessment passed; separate consent (PIPL 39)"
    ),
}


class RecipientNotFound(NotFound):
    code = "recipient_not_found"


class TransferBlocked(Conflict):
    """Guest data may not go to this recipient as configured; the message names what is missing."""

    code = "transfer_blocked"


@dataclass(frozen=True)
class RecipientRow:
    code: str
    name: str
    kind: str
    country: str
    route: str | None
    route_reference: str | None
    active: bool

    @property
    def cross_border(self) -> bool:
        return self.country != MAINLAND


@dataclass(frozen=True)
class TransferGate:
    """The verdict for one recipient: allowed, with the separate consents each guest needs."""

    recipient: RecipientRow
    consents: tuple[Purpose, ...]

    def allowed(self, *, now: datetime) -> ColumnElement[bool]:
        """A WHERE clause on `Guest`: guests whose data may go (every needed consent in force)."""
        clauses = [consent_granted(p, Channel.NONE, now=now) for p in self.consents]
        return and_(true(), *clauses)

    def detail(self) -> dict[str, Any]:
        r = self.recipient
        return {
            "recipient": r.code,
            "country": r.country,
            "cross_border": r.cross_border,
            "route": r.route,
            "consents_needed": [p.value for p in self.consents],
        }


def _row(r: DataRecipient) -> RecipientRow:
    route = r.route.value if r.route is not None else None
    return RecipientRow(r.code, r.name, r.kind.value, r.country, route, r.route_reference, r.active)


def list_recipients(session: Session) -> list[RecipientRow]:
    return [_row(r) for r in session.scalars(select(DataRecipient).order_by(DataRecipient.code))]


def save_recipient(
    session: Session,
    *,
    code: str,
    name: str,
    kind: RecipientKind,
    country: str,
    route: TransferRoute | None,
    route_reference: str | None,
    active: bool = True,
    actor_id: int | None,
) -> RecipientRow:
    """Add or change a recipient (audited). A route that rests on a filing needs its reference."""
    country = country.strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise InvalidInput(
            f"Country {country!r} of recipient {code} is not a two-letter ISO 3166 code.",
            hint="Use CN for mainland China; HK, MO and TW are outside it for PIPL transfers.",
        )
    if route is not None and ROUTES[route].needs_reference and not (route_reference or "").strip():
        raise InvalidInput(
            f"Route {route.value} of recipient {code} needs its reference.",
            hint="Give the filing number or certificate id (--reference).",
        )
    row = session.scalar(select(DataRecipient).where(DataRecipient.code == code))
    if row is None:
        row = DataRecipient(code=code)
        session.add(row)
    row.name, row.kind, row.country, row.active = name, kind, country, active
    row.route, row.route_reference = route, route_reference or None
    session.flush()
    detail = {
        "recipient": code,
        "kind": kind.value,
        "country": country,
        "route": route.value if route else None,
    }
    privacy_event(session, "recipient.save", actor_id, None, detail)
    return _row(row)


def transfer_gate(session: Session, *, recipient_code: str, marketing: bool) -> TransferGate:
    """May guest data go to `recipient_code`? Raises TransferBlocked naming what is missing; else
    the consents each guest needs (`marketing`: the data will be used for marketing)."""
    found = session.scalar(select(DataRecipient).where(DataRecipient.code == recipient_code))
    if found is None:
        raise RecipientNotFound(
            f"No recipient {recipient_code!r} is configured.",
            hint="A compliance officer adds it with `guestgraph privacy recipient-add`, with its country.",
        )
    r = _row(found)
    if not r.active:
        raise TransferBlocked(
            f"Recipient {r.code} is inactive; no guest data may go to it.", hint="Reactivate it first."
        )
    needed: list[Purpose] = []
    if r.cross_border:
        if found.route is None:
            raise TransferBlocked(
                f"Recipient {r.code} is in {r.country}, outside mainland China, and has no cross-border "
                "route configured: missing route (booking_contract, under_threshold, standard_contract, "
                "certification or security_assessment).",
                hint="Record the route and its reference with `guestgraph privacy recipient-add --route`.",
            )
        route = ROUTES[found.route]
        if marketing and not route.covers_marketing:
            raise TransferBlocked(
                f"Recipient {r.code} is in {r.country} under the {r.route} route, which covers only what the "
                "booking needs, not marketing: missing route standard_contract, certification, "
                "security_assessment or under_threshold.",
                hint="Configure one of those routes for marketing transfers, or export for another purpose.",
            )
        if route.needs_consent:
            needed.append(Purpose.CROSS_BORDER)
    if found.kind is RecipientKind.PROCESSOR:
        needed.append(Purpose.THIRD_PARTY)
    return TransferGate(r, tuple(needed))
