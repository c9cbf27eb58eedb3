"""Travel and identity documents: passports, permits, and the raw type labels hotel systems use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from guestgraph.cleanse._country import parse_country
from guestgraph.cleanse._errors import CleanseError
from guestgraph.cleanse._resident_id import Gender, parse_cn_resident_id
from guestgraph.cleanse._text import prepare, require, show

DocumentType = Literal["cn_resident_id", "passport", "hk_macau_permit", "taiwan_permit", "other"]

_LABELS: dict[DocumentType, str] = {
    "cn_resident_id": """
        身份证 居民身份证 二代身份证 身份证件 临时身份证 身份證 身分證
        id idcard residentid residentidcard cnresidentid chineseid nationalid 01 1 111 112
    """,
    "passport": """
        护照 普通护照 中国护照 外国护照 因公护照 外交护照 公务护照 護照
        passport p pp pass pspt 411 412 413 414
    """,
    "hk_macau_permit": """
        港澳通行证 往来港澳通行证 港澳居民来往内地通行证 回乡证 港澳回乡证 回鄉證
        homereturnpermit hrp hkmacaupermit hkmacaopermit exitentrypermit 513 516
    """,
    "taiwan_permit": """
        台胞证 台湾居民来往大陆通行证 大陆居民往来台湾通行证 台湾通行证 台胞證
        mtp taiwanpermit taiwancompatriotpermit twp 511
    """,
}
DOCUMENT_TYPE_ALIASES: dict[str, DocumentType] = {
    label: kind for kind, labels in _LABELS.items() for label in labels.split()
}
"""Raw document-type labels (compared case-folded, without spaces or punctuation) -> our type.

Numeric codes are GA/T 517 (111 居民身份证, 414 普通护照, 516 回乡证, 511 台胞证, ...) plus the "01"
many Chinese PMSs use for the resident ID. Labels not listed here map to "other".
"""

_WHAT_PASSPORT = "passport number"
_PASSPORT_HINT = "Write the passport number as printed, e.g. E12345678; 6 to 9 letters and digits."
_CN_PASSPORT = re.compile(r"[EG][0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|[DSP][0-9]{7,8}", re.ASCII)
_GENERIC_PASSPORT = re.compile(r"(?=.*[0-9])[A-Z0-9]{6,9}", re.ASCII)
_PERMIT = {
    "hk_macau_permit": re.compile(r"[A-Z]{1,2}[0-9]{7,10}", re.ASCII),  # H/M 回乡证, C 往来港澳通行证
    "taiwan_permit": re.compile(r"[A-Z]?[0-9]{8,10}", re.ASCII),  # 8 digits (card), L… (mainland side)
    "other": re.compile(r"\S{1,40}"),
}
_RESIDENT_SHAPE = re.compile(r"[0-9]{17}[0-9Xx]|[0-9]{15}", re.ASCII)
_NOISE = re.compile(r"[\s\-]+")
_LABEL_NOISE = re.compile(r"[\s.\-_/&()（）:：]+")


@dataclass(frozen=True, slots=True)
class Passport:
    """A passport number (upper case, no spaces) and its issuing country (alpha-2) when known."""

    number: str
    country: str | None


@dataclass(frozen=True, slots=True)
class Document:
    """A standardised identity document; birth date and gender only when the number encodes them."""

    type: DocumentType
    number: str
    birth_date: date | None = None
    gender: Gender | None = None


def parse_passport(raw: str, *, country: str | None = None) -> Passport:
    """``raw`` as a :class:`Passport`; ``country`` (any spelling parse_country reads) selects its format.

    Chinese passports are E or G and 8 digits, E plus a letter and 7 digits (EA1234567), or the
    official D/S/P series; other countries' numbers must be 6 to 9 letters and digits.
    """
    text = require(prepare(raw, what=_WHAT_PASSPORT, hint=_PASSPORT_HINT, secret=True), what=_WHAT_PASSPORT,
                   hint=_PASSPORT_HINT)  # fmt: skip
    number = _NOISE.sub("", text).upper()
    issuer = parse_country(country) if country else None
    if issuer == "CN":
        pattern, hint = (
            _CN_PASSPORT,
            "A Chinese passport number is E or G and 8 digits, or E, a letter and 7 digits.",
        )
    else:
        pattern, hint = _GENERIC_PASSPORT, _PASSPORT_HINT
    if not pattern.fullmatch(number):
        raise CleanseError(
            f"The {_WHAT_PASSPORT} {show(text, secret=True)} does not have the form of a "
            f"{'Chinese ' if issuer == 'CN' else ''}passport number.",
            hint=hint,
            what=_WHAT_PASSPORT,
        )
    return Passport(number, issuer)


def document_type(id_type_raw: str | None) -> DocumentType | None:
    """Our type for a raw label, "other" for labels we do not know, None when the label is empty."""
    label = _LABEL_NOISE.sub("", prepare(id_type_raw or "", what="document type", hint="").casefold())
    if not label:
        return None
    return DOCUMENT_TYPE_ALIASES.get(label, "other")


def parse_document(id_type_raw: str | None, number_raw: str) -> Document:
    """A :class:`Document` from a raw type label and number.

    Without a type label, a number shaped like a resident ID is taken as one; anything else is
    "other". A resident ID must be valid (checksum, birth date); permits and other documents are
    normalised to upper case without spaces.
    """
    kind = document_type(id_type_raw)
    what = "document number"
    hint = "Write the number as printed on the document."
    text = require(prepare(number_raw, what=what, hint=hint, secret=True), what=what, hint=hint)
    if kind is None:
        kind = "cn_resident_id" if _RESIDENT_SHAPE.fullmatch(_NOISE.sub("", text)) else "other"
    if kind == "cn_resident_id":
        resident = parse_cn_resident_id(text)
        return Document(kind, resident.number, resident.birth_date, resident.gender)
    if kind == "passport":
        return Document(kind, parse_passport(text).number)
    number = _NOISE.sub("", text).upper()
    if not _PERMIT[kind].fullmatch(number):
        raise CleanseError(
            f"The {what} {show(text, secret=True)} does not have the form of a "
            f"{kind.replace('_', ' ')} number.",
            hint=hint,
            what=what,
        )
    return Document(kind, number)
