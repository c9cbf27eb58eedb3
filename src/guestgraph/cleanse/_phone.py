"""Phone numbers to E.164, with the kind of line and whether the number identifies a person.

A plain Chinese mobile (the bulk of every hotel file) takes a regex fast path built from
phonenumbers' own metadata, so both paths agree on what is valid; everything else goes through
phonenumbers once per distinct normalised spelling (cached).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import phonenumbers
from phonenumbers import PhoneNumberType

from guestgraph.cleanse._errors import CleanseError
from guestgraph.cleanse._text import collapse, prepare, require, show

PhoneKind = Literal["mobile", "fixed", "virtual", "unknown"]

VIRTUAL_CN_PREFIXES = frozenset({"162", "165", "167", "170", "171"})
"""Chinese virtual-operator (MVNO) ranges that OTAs hand out as privacy numbers: never a guest's own."""

_WHAT = "phone number"
_HINT = (
    "Write a Chinese mobile as 13812345678 and a foreign number with its country code, e.g. +852 9123 4567."
)
_CN_MOBILE = phonenumbers.PhoneMetadata.metadata_for_region("CN").mobile.national_number_pattern  # type: ignore[union-attr]
_FAST_CN = re.compile(rf"(?:\+?86|0086)?((?:{_CN_MOBILE}))", re.ASCII)
_FAST_SEPARATORS = re.compile(r"[\s\-().]+")
_DIGITS = re.compile(r"\d")
_MASKED = re.compile(r"\d\s*[*xX•]{2,}")
_EXPLICIT_EXT = re.compile(
    r"^(?P<main>.+?)\s*(?:转|分机|ext\.?|extension|x|#)\s*(?P<ext>\d{1,6})$", re.IGNORECASE
)
_TRAILING_EXT = re.compile(r"^(?P<main>.+?)\s*[-,;]\s*(?P<ext>\d{1,6})$")
_SET_OFF_CODE = re.compile(r"\(?([1-9]\d{0,2})\)?[\s\-./]", re.ASCII)
_TYPE_KIND: dict[int, PhoneKind] = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed",
    PhoneNumberType.VOIP: "virtual",
    PhoneNumberType.PERSONAL_NUMBER: "virtual",
}
_SHARED_TYPES = frozenset(
    {
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.UAN,
        PhoneNumberType.VOICEMAIL,
        PhoneNumberType.PAGER,
    }
)


@dataclass(frozen=True, slots=True)
class Phone:
    """A standardised phone number.

    ``non_identifying`` is True for numbers that do not belong to one guest: OTA privacy numbers,
    relays reached through an extension, company switchboards with an extension, and hotlines.
    Identity resolution must not link guests on such numbers.
    """

    e164: str
    country: str | None
    kind: PhoneKind
    non_identifying: bool
    extension: str | None = None


def parse_phone(raw: str, *, default_region: str = "CN") -> Phone:
    """``raw`` as a :class:`Phone`; numbers without a country code are read in ``default_region``."""
    text = prepare(raw, what=_WHAT, hint=_HINT)
    match = _FAST_CN.fullmatch(_FAST_SEPARATORS.sub("", text))
    if match and (default_region == "CN" or match.start(1) > 0):
        national = match.group(1)
        virtual = national[:3] in VIRTUAL_CN_PREFIXES
        return Phone("+86" + national, "CN", "virtual" if virtual else "mobile", virtual)
    region = _region(default_region)
    require(text, what=_WHAT, hint=_HINT)
    if _MASKED.search(text):
        raise CleanseError(
            f"The phone number {show(text)} is masked; a masked number cannot be matched or called.",
            hint="Import the unmasked number from the source system, or leave the field empty.",
            what=_WHAT,
        )
    result = _parse_slow(collapse(text), region)
    if isinstance(result, str):
        raise CleanseError(f"The phone number {show(text)} {result}.", hint=_HINT, what=_WHAT)
    return result


def _region(default_region: str) -> str:
    region = default_region.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise CleanseError(
            f"The default region {default_region!r} is not a region phonenumbers knows.",
            hint="Pass an ISO 3166 alpha-2 code such as 'CN' or 'HK'.",
            what="region",
        )
    return region


@lru_cache(maxsize=65536)
def _parse_slow(text: str, region: str) -> Phone | str:
    """The number in ``text`` or, as a string, why there is none (cached either way)."""
    digits = len(_DIGITS.findall(text))
    if digits == 0:
        return "contains no digits"
    for body, extension in _readings(text):
        number = _valid_number(body, region)
        if number is not None:
            return _build(number, extension or number.extension or None)
    return f"is not a valid number (read in region {region}, it has {digits} digits)"


def _readings(text: str) -> list[tuple[str, str | None]]:
    """Ways to read ``text``: with an explicit extension marker, only split; otherwise whole first."""
    explicit = _EXPLICIT_EXT.match(text)
    if explicit:
        return [(explicit["main"], explicit["ext"])]
    trailing = _TRAILING_EXT.match(text)
    if trailing:
        return [(text, None), (trailing["main"], trailing["ext"])]
    return [(text, None)]


def _valid_number(body: str, region: str) -> phonenumbers.PhoneNumber | None:
    """``body`` as a valid number in ``region``, or as international when it starts with a set-off
    country code written without '+': "(852) 9123 4567", "852-9123-4567"."""
    number = _try_parse(body, region)
    if number is not None:
        return number
    code = _SET_OFF_CODE.match(body)
    if code and int(code[1]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        return _try_parse("+" + body.lstrip("( "), region)
    return None


def _try_parse(body: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(body, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _build(number: phonenumbers.PhoneNumber, extension: str | None) -> Phone:
    country = phonenumbers.region_code_for_number(number)
    if country in (None, "001", "ZZ"):
        country = None
    number_type = phonenumbers.number_type(number)
    kind = _TYPE_KIND.get(number_type, "unknown")
    national = str(number.national_number)
    non_identifying = number_type in _SHARED_TYPES
    if country == "CN" and kind == "mobile" and national[:3] in VIRTUAL_CN_PREFIXES:
        kind, non_identifying = "virtual", True
    if extension:
        non_identifying = True
        if kind == "mobile":
            kind = "virtual"
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164, country, kind, non_identifying, extension)
