"""Identifier synthesis: PRC resident ID numbers (GB 11643-1999), passports, mobile numbers."""

from __future__ import annotations

import random
import string
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_checksum(first17: str) -> str:
    """The 18th character of a resident ID number (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def resident_id_is_valid(number: str) -> bool:
    """True when ``number`` has 18 characters, a plausible birth date and a correct checksum."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return resident_id_checksum(number[:17]) == number[17].upper()


def make_resident_id(rng: random.Random, area_code: str, birth: date, gender: str) -> str:
    """A valid 18-character resident ID: area, birth date, sequence (odd = male), checksum."""
    seq = rng.randrange(0, 100)
    sex_digit = rng.randrange(1, 10, 2) if gender == "M" else rng.randrange(0, 10, 2)
    first17 = f"{area_code}{birth:%Y%m%d}{seq:02d}{sex_digit}"
    return first17 + resident_id_checksum(first17)


def break_checksum(number: str) -> str:
    """The same ID number with a wrong check character, as after a typing slip."""
    good = number[17].upper()
    wrong = _ID_CHECK[(_ID_CHECK.index(good) + 3) % len(_ID_CHECK)]
    return number[:17] + wrong


def fill_shape(rng: random.Random, shape: str) -> str:
    """Fill a shape: '#' digit, '@' upper-case letter, '*' letter or digit; other characters literal.

    ``shape`` may hold alternatives separated by '|', one of which is chosen.
    """
    if "|" in shape:
        shape = rng.choice(shape.split("|"))
    out: list[str] = []
    for ch in shape:
        if ch == "#":
            out.append(string.digits[rng.randrange(10)])
        elif ch == "@":
            out.append(string.ascii_uppercase[rng.randrange(26)])
        elif ch == "*":
            out.append(rng.choice("ABCDEFGHJKLMNPRTVWXYZ0123456789"))
        else:
            out.append(ch)
    return "".join(out)


def cn_passport(rng: random.Random) -> str:
    return fill_shape(rng, "E########|EA#######|EB#######|EC#######")


def hk_home_return_permit(rng: random.Random) -> str:
    return fill_shape(rng, "H########")


def tw_travel_permit(rng: random.Random) -> str:
    return fill_shape(rng, "########")


def virtual_cn_number(rng: random.Random) -> str:
    """An operator-virtual mobile as OTAs hand out to hide the guest's number (170/171 ranges)."""
    return fill_shape(rng, "170########|171########")
