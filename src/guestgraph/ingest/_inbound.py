"""What every reader produces: one `InboundRecord` per row, message part or API item, as sent.

Readers only *locate* values and name them with canonical field names; they do not judge or
normalise them. Standardisation and validation (rules) happen afterwards, the same way for every
source, so that a phone number from a GB18030 PMS export and one from an OTA message are treated
alike and every change is explainable against the raw value kept here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from guestgraph.db.models import RecordType

# Canonical field names a person (guest, booker, companion, member) may carry.
PERSON_FIELDS = frozenset(
    {
        "role",  # primary | additional | booker | company | travel_agent
        "full_name",
        "family_name",
        "given_name",
        "middle_name",
        "salutation",
        "alt_name",  # another rendering of the same name as sent (e.g. the pinyin a loyalty system keeps)
        "gender",
        "birth_date",
        "nationality",
        "language",
        "phone",
        "phone_alt",
        "email",
        "id_type",
        "id_number",
        "id_issuing_country",
        "loyalty_program",
        "loyalty_number",
        "loyalty_tier",
        "vip_level",
        "address_line",
        "city",
        "postal_code",
        "region",
        "country",
        "company_name",
        "consent_email_marketing",
        "consent_sms_marketing",
        "consent_post_marketing",
    }
)

# Canonical field names of the record itself (stay, folio line, registration, membership).
RECORD_FIELDS = frozenset(
    {
        "confirmation_number",
        "booking_reference",
        "hotel_code",
        "arrival",
        "departure",
        "nights",
        "room_number",
        "room_type",
        "rate_plan",
        "channel",
        "adults",
        "children",
        "amount",
        "currency",
        "stay_status",
        "outlet",
        "posted_at",
        "check_number",
        "description",
        "coupon_code",  # a coupon redeemed on this folio line (guestgraph.offers)
        "payment_method",  # a folio line that is a payment, not a charge (how it was paid)
        "payment_reference",
        "card_last4",
        "notes",
        "enrolled_at",
        "created_at",
        "updated_at",
    }
)


@dataclass
class InboundRecord:
    """One record as a source sent it, with its values located under canonical names (raw strings)."""

    record_type: RecordType
    external_id: str | None
    location: str  # where in the input: "row 17", "HotelReservation #3", "item 12"
    raw: str  # the original text of the row/element/item, kept for lineage and re-processing
    raw_format: str  # csv | xlsx | ota_xml | ohip_json | jsonl | api | form
    fields: dict[str, str | None] = field(default_factory=dict)
    persons: list[dict[str, str | None]] = field(default_factory=list)
    source_version: int | None = None
    source_updated_at: str | None = None  # as sent; parsed by the standardiser
    hotel_code: str | None = None
    reader_problems: list[str] = field(default_factory=list)  # what the reader could not locate
    dropped_columns: list[str] = field(default_factory=list)  # filled, but no purpose needs them
    # (field, person index or None) of values that held what no text column can store (push API)
    unstorable: list[tuple[str, int | None]] = field(default_factory=list)

    @property
    def primary(self) -> dict[str, str | None]:
        for person in self.persons:
            if person.get("role") in (None, "primary"):
                return person
        return self.persons[0] if self.persons else {}
