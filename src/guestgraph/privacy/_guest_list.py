"""Export control for guest lists (checklist DG-04): a stated purpose, masked values, consent for a
marketing purpose, cells that a spreadsheet cannot run as formulas, a watermark naming who, when and
which export, and one audit event with the filter and the row count."""

from __future__ import annotations

import csv
import enum
import io
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.access import DataScope, guest_visible, mask_email, mask_name, mask_phone
from guestgraph.db.models import Guest, GuestStatus, Hotel, SourceRecord, Stay, StayGuest
from guestgraph.errors import InvalidInput
from guestgraph.privacy._audit import privacy_event
from guestgraph.privacy._consent import consent_granted
from guestgraph.privacy._transfer import transfer_gate
from guestgraph.privacy._vocabulary import Channel, Purpose

MAX_ROWS = 100_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ("guest_id", "name", "phone", "email", "nationality", "city", "loyalty_tier")


class ExportPurpose(enum.StrEnum):
    """Why a list leaves the system; a marketing purpose keeps only guests who consented to it."""

    MARKETING_EMAIL = "marketing_email"
    MARKETING_SMS = "marketing_sms"
    MARKETING_WECHAT = "marketing_wechat"
    SERVICE_FOLLOW_UP = "service_follow_up"
    REPORTING = "reporting"


CONSENT_FOR: dict[ExportPurpose, Channel] = {
    ExportPurpose.MARKETING_EMAIL: Channel.EMAIL,
    ExportPurpose.MARKETING_SMS: Channel.SMS,
    ExportPurpose.MARKETING_WECHAT: Channel.WECHAT,
}


@dataclass(frozen=True)
class GuestListExport:
    export_id: str
    rows: int
    csv_text: str
    recipient: str | None = None
    excluded_no_consent: int = 0  # guests left out for want of a separate transfer consent


def neutralise(value: str | None) -> str:
    """A cell a spreadsheet shows as text: `=HYPERLINK(…)` becomes `'=HYPERLINK(…)` (OWASP CSV injection)."""
    text = value or ""
    return "'" + text if text.startswith(FORMULA_START) else text


def _at_hotel(code: str) -> ColumnElement[bool]:
    hotel_id = select(Hotel.id).where(Hotel.code == code).scalar_subquery()
    by_stay = (
        select(StayGuest.guest_id).join(Stay, Stay.id == StayGuest.stay_id).where(Stay.hotel_id == hotel_id)
    )
    return Guest.id.in_(by_stay.union(select(SourceRecord.guest_id).where(SourceRecord.hotel_id == hotel_id)))


def export_guest_list(
    session: Session,
    *,
    scope: DataScope,
    purpose: ExportPurpose,
    hotel_code: str | None,
    username: str,
    actor_id: int | None,
    now: datetime,
    recipient: str | None = None,
) -> GuestListExport:
    """Active guests in scope (and at `hotel_code`), masked, as CSV with a watermark line first.
    With a `recipient`, the transfer gate applies (DG-03): refused without a route it needs, and
    guests without a separate consent it needs are left out and counted."""
    where = [Guest.status == GuestStatus.ACTIVE, guest_visible(scope)]
    if hotel_code:
        where.append(_at_hotel(hotel_code))
    if purpose in CONSENT_FOR:
        where.append(consent_granted(Purpose.MARKETING, CONSENT_FOR[purpose], now=now))
    gate = (
        transfer_gate(session, recipient_code=recipient, marketing=purpose in CONSENT_FOR)
        if recipient
        else None
    )
    eligible = 0
    if gate is not None and gate.consents:
        eligible = session.scalar(select(func.count()).select_from(Guest).where(*where)) or 0
        where.append(gate.allowed(now=now))
    guests = list(session.scalars(select(Guest).where(*where).order_by(Guest.id).limit(MAX_ROWS + 1)))
    if len(guests) > MAX_ROWS:
        raise InvalidInput(
            f"The export would hold more than {MAX_ROWS:,} guests.", hint="Narrow it to one hotel."
        )
    export_id = uuid.uuid4().hex
    out = io.StringIO()
    out.write(f"# guestgraph export {export_id} by {neutralise(username)} at {now:%Y-%m-%dT%H:%M:%SZ}, ")
    to = f"for {gate.recipient.code} ({gate.recipient.country}); " if gate else ""
    out.write(f"purpose {purpose.value}; {to}masked; do not forward\r\n")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    sealed = pii.open_guests(pii.vault_of(session), guests)
    for g in guests:
        contact = sealed[g.id]
        values = (g.public_id, mask_name(g.full_name), mask_phone(contact.phone), mask_email(contact.email))
        writer.writerow([neutralise(v) for v in (*values, g.nationality, g.city, g.loyalty_tier)])
    detail: dict[str, object] = {
        "export": export_id,
        "purpose": purpose.value,
        "hotel": hotel_code or "*",
        "rows": len(guests),
    }
    excluded = max(eligible - len(guests), 0) if gate is not None and gate.consents else 0
    if gate is not None:
        detail |= {**gate.detail(), "excluded_no_consent": excluded}
    privacy_event(session, "guest_list.export", actor_id, None, detail)
    return GuestListExport(export_id, len(guests), out.getvalue(), recipient, excluded)
