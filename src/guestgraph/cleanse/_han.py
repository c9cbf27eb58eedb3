"""Han text: script detection, traditional -> simplified (OpenCC), pinyin (pypinyin), surnames.

Every conversion is cached: names repeat across stays, hotels and files.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

import opencc
from pypinyin import Style, lazy_pinyin

from guestgraph.cleanse._name_data import COMPOUND_SURNAMES, SURNAME_READINGS

Script = Literal["Hans", "Hant", "Latn", "mixed", "other"]

_LETTERS = re.compile(r"[a-z]+")
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i", "þ": "th", "ð": "d"})


def fold(text: str) -> str:
    """Lower-case ASCII letters of ``text``, accents removed (José -> jose, Straße -> strasse)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    return "".join(_LETTERS.findall(decomposed))


def is_han(ch: str) -> bool:
    """True for a CJK unified or compatibility ideograph (including the extension planes)."""
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3134F
    )


def is_latin(ch: str) -> bool:
    """True for a Latin letter (ASCII, Latin-1, Extended-A/B, Vietnamese)."""
    code = ord(ch)
    return ch.isalpha() and (code < 0x250 or 0x1E00 <= code <= 0x1EFF)


def script_of(text: str) -> Script:
    """The script of the letters in ``text`` (Hans when Han text reads the same in both scripts)."""
    han = latin = other = False
    for ch in text:
        if is_han(ch):
            han = True
        elif is_latin(ch):
            latin = True
        elif ch.isalpha():
            other = True
    if han and not (latin or other):
        return "Hant" if to_simplified(text) != text else "Hans"
    if han:
        return "mixed"
    if latin and not other:
        return "Latn"
    return "mixed" if latin else "other"


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """``text`` with traditional characters converted to simplified (OpenCC t2s)."""
    if text.isascii():
        return text
    return str(_t2s().convert(text))


@lru_cache(maxsize=65536)
def syllables(text: str) -> tuple[str, ...]:
    """Lower-case toneless pinyin, one item per Han character (ü as v); Latin words kept, rest dropped."""
    out: list[str] = []
    for item in lazy_pinyin(to_simplified(text), style=Style.NORMAL):
        out.extend(_LETTERS.findall(unicodedata.normalize("NFKD", item.casefold().translate(_FOLD))))
    return tuple(out)


def pinyin_of(text: str) -> str:
    """``text`` as toneless pinyin syllables joined by spaces: 欧阳娜娜 -> "ou yang na na".

    This is the reading of running text; names read their surname by its surname reading through
    ``parse_person_name`` (单 -> shan, not dan).
    """
    return " ".join(syllables(text))


def surname_pinyin(family: str) -> str:
    """The surname's pinyin as one word: 欧阳 -> ouyang, 单 -> shan, 曾 -> zeng."""
    simplified = to_simplified(family)
    return SURNAME_READINGS.get(simplified) or "".join(syllables(simplified))


def split_han(name: str) -> tuple[str, str]:
    """(family, given) of a Han name written family first; a compound surname takes two characters."""
    if to_simplified(name[:2]) in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]
