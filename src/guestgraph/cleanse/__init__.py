"""Standardisers for raw guest data: pure functions, no database, no I/O.

Every importer and the identity resolution read raw values through these. Each function returns a
small frozen dataclass (or a plain value) or raises :class:`CleanseError`, whose message names the
value (identity numbers masked to their last four characters) and whose ``hint`` says how to write
it. Every input is NFKC-normalised (full-width digits and letters become ASCII) and trimmed first;
control characters and values over 500 characters are refused at once.
"""

from guestgraph.cleanse._amounts import CURRENCY_ALIASES, parse_amount, parse_currency
from guestgraph.cleanse._country import COUNTRY_ALIASES, parse_country
from guestgraph.cleanse._dates import parse_date, plausible_birth_date
from guestgraph.cleanse._datetimes import parse_datetime
from guestgraph.cleanse._documents import (
    DOCUMENT_TYPE_ALIASES,
    Document,
    DocumentType,
    Passport,
    parse_document,
    parse_passport,
)
from guestgraph.cleanse._email import Email, EmailKind, parse_email
from guestgraph.cleanse._email_data import (
    FREE_MAIL_DOMAINS,
    OTA_RELAY_DOMAINS,
    PLACEHOLDER_DOMAINS,
    PLACEHOLDER_LOCAL_PARTS,
)
from guestgraph.cleanse._errors import CleanseError
from guestgraph.cleanse._gender import GENDER_ALIASES, parse_gender
from guestgraph.cleanse._han import Script, pinyin_of
from guestgraph.cleanse._names import PersonName, parse_person_name
from guestgraph.cleanse._phone import VIRTUAL_CN_PREFIXES, Phone, PhoneKind, parse_phone
from guestgraph.cleanse._resident_id import Gender, ResidentId, parse_cn_resident_id
from guestgraph.cleanse._text import MAX_LENGTH
from guestgraph.cleanse._variants import canonical_given_name, latin_variants

__all__ = [
    "COUNTRY_ALIASES",
    "CURRENCY_ALIASES",
    "DOCUMENT_TYPE_ALIASES",
    "FREE_MAIL_DOMAINS",
    "GENDER_ALIASES",
    "MAX_LENGTH",
    "OTA_RELAY_DOMAINS",
    "PLACEHOLDER_DOMAINS",
    "PLACEHOLDER_LOCAL_PARTS",
    "VIRTUAL_CN_PREFIXES",
    "CleanseError",
    "Document",
    "DocumentType",
    "Email",
    "EmailKind",
    "Gender",
    "Passport",
    "PersonName",
    "Phone",
    "PhoneKind",
    "ResidentId",
    "Script",
    "canonical_given_name",
    "latin_variants",
    "parse_amount",
    "parse_cn_resident_id",
    "parse_country",
    "parse_currency",
    "parse_date",
    "parse_datetime",
    "parse_document",
    "parse_email",
    "parse_gender",
    "parse_passport",
    "parse_person_name",
    "parse_phone",
    "pinyin_of",
    "plausible_birth_date",
]
