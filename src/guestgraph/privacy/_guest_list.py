"""Export control for guest lists (checklist DG-04): a stated purpose, masked values, consent for a
marketing purpose, cells that a spreadsheet cannot run as formulas, a watermark naming who, when,
which export and which request, and one audit event with the filter and the row count. As CSV or Excel
(.xlsx); the guests are everyone in scope, or those of a hotel, or those a caller's query names (a
segment's members)."""

from __future__ import annotations

import csv
import enum
import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from openpyxl import Workbook
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from guestgraph import audit, pii
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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
Format = Literal["csv", "xlsx"]


@dataclass(frozen=True)
class GuestListExport:
    export_id: str
    rows: int
    csv_text: str  # the CSV (empty for an Excel export)
    recipient: str | None = None
    excluded_no_consent: int = 0  # guests left out for want of a separate transfer consent
    excluded_no_marketing_consent: int = 0  # guests left out for want of consent to the marketing purpose
    content: bytes = b""  # the file as sent (CSV as UTF-8, or the .xlsx workbook)
    media_type: str = CSV
    filename: str = "guests.csv"


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
    guest_ids: Select[Any] | None = None,
    filter_detail: Mapping[str, object] | None = None,
    fmt: Format = "csv",
) -> GuestListExport:
    """Active guests in scope (and at `hotel_code`, and among `guest_ids` if given: e.g. a segment's
    members, described for the audit by `filter_detail`), masked, as CSV or Excel with a watermark
    line first. For a marketing purpose only guests with consent in force are listed; the others are
    counted. With a `recipient`, the transfer gate applies (DG-03): refused without a route it needs,
    and guests without a separate consent it needs are left out and counted."""
    where = [Guest.status == GuestStatus.ACTIVE, guest_visible(scope)]
    if hotel_code:
        where.append(_at_hotel(hotel_code))
    if guest_ids is not None:
        where.append(Guest.id.in_(guest_ids))
    no_consent = 0
    if purpose in CONSENT_FOR:
        before = session.scalar(select(func.count()).select_from(Guest).where(*where)) or 0
        where.append(consent_granted(Purpose.MARKETING, CONSENT_FOR[purpose], now=now))
        no_consent = before - (session.scalar(select(func.count()).select_from(Guest).where(*where)) or 0)
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
    request = audit.current_actor().request_id
    to = f"for {gate.recipient.code} ({gate.recipient.country}); " if gate else ""
    watermark = (
        f"# guestgraph export {export_id} by {neutralise(username)} at {now:%Y-%m-%dT%H:%M:%SZ}, "
        + (f"request {request}, " if request else "")
        + f"purpose {purpose.value}; {to}masked; do not forward"
    )
    sealed = pii.open_guests(pii.vault_of(session), guests)
    rows = []
    for g in guests:
        contact = sealed[g.id]
        values = (g.public_id, mask_name(g.full_name), mask_phone(contact.phone), mask_email(contact.email))
        rows.append([neutralise(v) for v in (*values, g.nationality, g.city, g.loyalty_tier)])
    detail: dict[str, object] = {
        "export": export_id,
        "purpose": purpose.value,
        "hotel": hotel_code or "*",
        "rows": len(guests),
        "format": fmt,
    }
    if filter_detail:
        detail |= dict(filter_detail)
    if purpose in CONSENT_FOR:
        detail["excluded_no_marketing_consent"] = no_consent
    excluded = max(eligible - len(guests), 0) if gate is not None and gate.consents else 0
    if gate is not None:
        detail |= {**gate.detail(), "excluded_no_consent": excluded}
    privacy_event(session, "guest_list.export", actor_id, None, detail)
    if fmt == "xlsx":
        content = guest_list_xlsx(watermark, rows)
        return GuestListExport(
            export_id,
            len(guests),
            "",
            recipient,
            excluded,
            no_consent,
            content,
            XLSX,
            f"guests-{export_id}.xlsx",
        )
    out = io.StringIO()
    out.write(watermark + "\r\n")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    text = out.getvalue()
    return GuestListExport(
        export_id, len(guests), text, recipient, excluded, no_consent, text.encode("utf-8"), CSV,
        f"guests-{export_id}.csv",
    )  # fmt: skip


def guest_list_xlsx(watermark: str, rows: Sequence[Sequence[str]]) -> bytes:
    """The list as one sheet: the watermark in A1, the header, then the (already neutralised) rows,
    every cell text (a streaming workbook: 100,000 rows in little memory)."""
    wb = Workbook(write_only=True)
    wb.properties.creator = "guestgraph"
    wb.properties.description = watermark
    ws = wb.create_sheet("guests")
    ws.append([neutralise(watermark)])
    ws.append(list(COLUMNS))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
