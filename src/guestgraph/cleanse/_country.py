"""Countries and regions to ISO 3166-1 alpha-2, from codes, English names and Chinese names.

Names come from the CLDR data that Babel ships (English, simplified and traditional Chinese),
plus :data:`COUNTRY_ALIASES` for the spellings hotel systems use that CLDR does not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import cast

from babel import Locale
from babel.core import get_global

from guestgraph.cleanse._errors import CleanseError
from guestgraph.cleanse._text import prepare, require, show

_WHAT = "country"
_HINT = "Write the country as an ISO code (CN, HKG) or its name in English or Chinese (China, 中国)."
_NOT_ISO = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})
_PUNCTUATION = re.compile(r"[\s.,'’()\-_/&（）·]+")

COUNTRY_ALIASES: dict[str, str] = {
    # Chinese spellings beyond CLDR's (which has e.g. 中国香港特别行政区)
    "中国大陆": "CN", "大陆": "CN", "内地": "CN", "中国内地": "CN", "中华人民共和国": "CN", "中國大陸": "CN",
    "中国香港": "HK", "香港": "HK", "香港特别行政区": "HK", "中國香港": "HK",
    "中国澳门": "MO", "澳门": "MO", "澳門": "MO", "澳门特别行政区": "MO", "中國澳門": "MO",
    "中国台湾": "TW", "台湾省": "TW", "中國台灣": "TW", "中华台北": "TW", "臺灣": "TW",
    "美利坚合众国": "US", "大不列颠": "GB", "英格兰": "GB", "苏格兰": "GB", "南韩": "KR", "大韩民国": "KR",
    "北韩": "KP", "俄国": "RU", "澳洲": "AU", "纽西兰": "NZ", "印尼": "ID", "阿联酋": "AE", "星加坡": "SG",
    # English spellings beyond CLDR's
    "usa": "US", "u s a": "US", "us": "US", "u s": "US", "america": "US", "united states of america": "US",
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "united kingdom of great britain and northern ireland": "GB",
    "prc": "CN", "p r china": "CN", "p r c": "CN", "peoples republic of china": "CN",
    "mainland china": "CN", "china mainland": "CN", "hong kong": "HK", "hongkong": "HK",
    "hong kong china": "HK", "hong kong sar": "HK", "macau": "MO", "macao": "MO", "macau china": "MO",
    "macao sar": "MO", "macau sar": "MO", "taiwan china": "TW", "taiwan province of china": "TW",
    "chinese taipei": "TW", "republic of china": "TW", "korea": "KR", "republic of korea": "KR",
    "korea republic of": "KR", "korea south": "KR", "north korea": "KP", "dprk": "KP",
    "russian federation": "RU", "viet nam": "VN", "burma": "MM", "ivory coast": "CI",
    "czech republic": "CZ", "turkey": "TR", "holland": "NL", "uae": "AE", "laos": "LA", "lao pdr": "LA",
    "iran islamic republic of": "IR", "syrian arab republic": "SY", "brunei darussalam": "BN",
    "east timor": "TL", "swaziland": "SZ", "macedonia": "MK", "vatican": "VA", "holy see": "VA",
    "cabo verde": "CV", "moldova republic of": "MD", "tanzania united republic of": "TZ", "palestine": "PS",
    "micronesia federated states of": "FM", "bolivia plurinational state of": "BO",
    "venezuela bolivarian republic of": "VE", "dr congo": "CD", "democratic republic of the congo": "CD",
    "republic of the congo": "CG",
}  # fmt: skip
"""Extra names (keys are compared after case-folding and dropping punctuation) -> alpha-2 code."""


def parse_country(raw: str) -> str:
    """``raw`` (alpha-2, alpha-3 or an English or Chinese name) as an ISO 3166-1 alpha-2 code."""
    text = require(prepare(raw, what=_WHAT, hint=_HINT), what=_WHAT, hint=_HINT)
    code = _index().get(_key(text))
    if code is None:
        raise CleanseError(
            f"The country {show(text)} is not a country or region we know.", hint=_HINT, what=_WHAT
        )
    return code


def _key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold().replace("&", " and "))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    spaced = _PUNCTUATION.sub(" ", plain).strip()
    if spaced.startswith("the "):
        spaced = spaced[4:]
    return spaced if spaced.isascii() else spaced.replace(" ", "")


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    """Every spelling we accept (as a key) -> alpha-2; built once from CLDR and the aliases."""
    locales = [cast(Mapping[str, str], Locale.parse(tag).territories) for tag in ("en", "zh", "zh_Hant")]
    codes = {code for code in locales[0] if len(code) == 2 and code.isalpha() and code not in _NOT_ISO}
    index = {code.lower(): code for code in codes}
    aliases = cast(Mapping[str, list[str]], get_global("territory_aliases"))
    for alias, targets in aliases.items():
        if alias.isalpha() and len(targets) == 1 and targets[0] in codes:
            index.setdefault(alias.lower(), targets[0])
    for names in locales:
        for code, name in names.items():
            if code in codes:
                index.setdefault(_key(name), code)
    index.update({_key(alias): code for alias, code in COUNTRY_ALIASES.items()})
    return index
