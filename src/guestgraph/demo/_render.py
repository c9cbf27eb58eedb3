"""Formatting shared by the writers: dates, phones, money, Latin name spellings."""

from __future__ import annotations

import random
from datetime import date

from guestgraph.demo._dirt import DATE_OUTLIER_RATE, MISSING_CC_RATE, PHONE_VARIANT_RATE, Dirt
from guestgraph.demo._people import Person

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DATE_STYLES = ("iso", "slash", "iso_time", "compact", "us", "dmy", "opera", "cn", "loose")
PHONE_STYLES = ("local", "e164", "spaced", "dashed", "paren", "intl00")


def format_date(d: date, style: str) -> str:
    """Render ``d`` in one of :data:`DATE_STYLES`."""
    if style == "iso":
        return d.isoformat()
    if style == "slash":
        return f"{d.year}/{d.month:02d}/{d.day:02d}"
    if style == "iso_time":
        return f"{d.isoformat()} 00:00:00"
    if style == "compact":
        return f"{d.year}{d.month:02d}{d.day:02d}"
    if style == "us":
        return f"{d.month:02d}/{d.day:02d}/{d.year}"
    if style == "dmy":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if style == "opera":
        return f"{d.day:02d}-{_MONTHS[d.month - 1]}-{d.year % 100:02d}"
    if style == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "loose":
        return f"{d.year}/{d.month}/{d.day}"
    raise ValueError(f"unknown date style {style!r}")


def dirty_date(dirt: Dirt, person_idx: int, d: date, style: str) -> str:
    """``d`` in the file's ``style``, or (rarely) in an unambiguous other style."""
    if dirt.hit(DATE_OUTLIER_RATE, person_idx, "date_format"):
        style = dirt.rng.choice(("iso", "compact", "cn", "loose", "slash"))
    return format_date(d, style)


def _group_cn(nat: str) -> str:
    return f"{nat[:3]} {nat[3:7]} {nat[7:]}" if len(nat) == 11 else nat


def format_phone(cc: str, nat: str, style: str) -> str:
    """Render a mobile number (country code ``cc``, national number ``nat``) in one of PHONE_STYLES.

    ``local`` drops the country code only for Chinese (+86) numbers.
    """
    if style == "local":
        return nat if cc == "86" else f"+{cc} {nat}"
    if style == "e164":
        return f"+{cc}{nat}"
    if style == "spaced":
        return f"+{cc} {_group_cn(nat)}" if cc == "86" else f"+{cc} {nat[:4]} {nat[4:]}"
    if style == "dashed":
        body = f"{nat[:3]}-{nat[3:7]}-{nat[7:]}" if cc == "86" else f"{nat[:3]}-{nat[3:]}"
        return body if cc == "86" else f"+{cc}-{body}"
    if style == "paren":
        return f"(+{cc}){nat}"
    if style == "intl00":
        return f"00{cc} {nat}"
    raise ValueError(f"unknown phone style {style!r}")


def dirty_phone(dirt: Dirt, person_idx: int, cc: str, nat: str, style: str) -> str:
    """A phone as a file usually writes it, with format variants, lost country codes, stray digits."""
    if not nat:
        return ""
    if dirt.hit(PHONE_VARIANT_RATE, person_idx, "phone_format"):
        style = dirt.rng.choice(PHONE_STYLES)
    if cc != "86" and dirt.hit(MISSING_CC_RATE, person_idx, "phone_no_country_code"):
        text = nat
    else:
        text = format_phone(cc, nat, style)
    return dirt.spaces(person_idx, dirt.digits(person_idx, text))


def money(amount: float) -> str:
    return f"{amount:.2f}"


def cents(value: int) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def pinyin_given_forms(p: Person) -> tuple[str, ...]:
    """Spellings of the Latin given name: 'Xiaoming', 'Xiao Ming', 'Xiao-Ming' (mainland only)."""
    if not p.syllables or " " not in p.syllables:
        return (p.lat_given,)
    parts = [s.capitalize() for s in p.syllables.split()]
    return (p.lat_given, " ".join(parts), "-".join(parts))


def ota_name(rng: random.Random, p: Person) -> tuple[str, str]:
    """(GivenName, Surname) as a guest types them into an OTA form, in assorted spellings."""
    given = rng.choice(pinyin_given_forms(p))
    sur = p.lat_sur
    if p.alias and rng.random() < 0.4:
        given = p.alias
    r = rng.random()
    if r < 0.45:
        return given, sur  # Zhang Wei
    if r < 0.6:
        return given.upper(), sur.upper()  # WEI ZHANG
    if r < 0.7:
        return sur.upper(), given.upper()  # given and family name swapped into the wrong fields
    if r < 0.8 and p.han_sur:
        return "", (sur + given.replace(" ", "").replace("-", "").lower())  # Zhangwei
    if r < 0.9:
        return given.lower(), sur.lower()  # zhang wei
    return given, sur
