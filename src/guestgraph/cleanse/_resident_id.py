"""PRC resident identity card numbers (GB 11643-1999), including the old 15-digit cards.

We check the number ourselves rather than with ``stdnum.cn.ric.validate``: stdnum also requires
the 6-digit region to be in its bundled county list (a file read, and new or re-coded counties
fail), while the region code is not evidence of a typo the way the check character is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal, NoReturn

from guestgraph.cleanse._errors import CleanseError
from guestgraph.cleanse._text import prepare, require, show

Gender = Literal["M", "F"]

_PROVINCES = (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83"
)
PROVINCE_CODES = frozenset(_PROVINCES.split())
"""GB/T 2260 province-level codes a number can start with (81/82/83: HK, Macau, Taiwan residence permits)."""

_WHAT = "resident ID number"
_HINT = "A resident ID number has 18 characters: 17 digits and a check digit or X, e.g. 11010519491231002X."
_SEPARATORS = re.compile(r"[\s\-]+")
_NEW = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_OLD = re.compile(r"[0-9]{15}", re.ASCII)


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A valid resident ID number (always 18 characters, upper-case X) and what it encodes."""

    number: str
    birth_date: date
    gender: Gender
    region_code: str


def check_character(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    # Weights 7, 9, 10, ... are 2**(17-i) mod 11, and 13 = 2 (mod 11): reading the digits in base 13
    # gives the weighted sum mod 11 in one C call (the trick python-stdnum uses).
    check = (1 - 2 * int(first17, 13)) % 11
    return "X" if check == 10 else str(check)


def parse_cn_resident_id(raw: str) -> ResidentId:
    """``raw`` as a :class:`ResidentId`; a 15-digit number is converted to its 18-digit form."""
    text = require(prepare(raw, what=_WHAT, hint=_HINT, secret=True), what=_WHAT, hint=_HINT)
    number = _SEPARATORS.sub("", text).upper()
    if _OLD.fullmatch(number):
        first17 = number[:6] + "19" + number[6:]
        number = first17 + check_character(first17)
    elif len(number) not in (15, 18):
        _fail(text, f"has {len(number)} characters; it needs 18 (15 on an old card)", _HINT)
    elif not _NEW.fullmatch(number):
        _fail(text, "contains a character other than digits and a final X", _HINT)
    if number[:2] not in PROVINCE_CODES:
        _fail(text, f"starts with {number[:2]}, which is no province code", _HINT)
    birth = _birth_date(number, text)
    if check_character(number[:17]) != number[17]:
        _fail(
            text,
            "has a wrong check character: a digit was mistyped or two were swapped",
            "Compare the number with the ID card character by character.",
        )
    gender: Gender = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number, birth, gender, number[:6])


def _birth_date(number: str, shown: str) -> date:
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    if year < 1880:
        _fail(shown, f"encodes birth year {year}", _HINT)
    try:
        return date(year, month, day)
    except ValueError as e:
        raise CleanseError(
            f"The {_WHAT} {show(shown, secret=True)} encodes a birth date that does not exist ({e}).",
            hint="Compare digits 7-14 (the birth date) with the ID card.",
            what=_WHAT,
        ) from e


def _fail(shown: str, reason: str, hint: str) -> NoReturn:
    raise CleanseError(f"The {_WHAT} {show(shown, secret=True)} {reason}.", hint=hint, what=_WHAT)
