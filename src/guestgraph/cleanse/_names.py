"""Person names: family/given split, titles, script, simplified Han, pinyin and a Latin match key.

Pinyin is written family first, the surname as one word and then one word per given-name
syllable: 欧阳娜娜 -> "ouyang na na", 王小明 -> "wang xiao ming", "Zhang Xiaoming" -> "zhang xiao ming".
``latin_key`` is the same letters without spaces ("ouyangnana"), so a Han name and its pinyin
spelling in any order, case or syllable grouping meet on one key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from guestgraph.cleanse._errors import CleanseError
from guestgraph.cleanse._han import (
    Script,
    fold,
    is_han,
    script_of,
    split_han,
    surname_pinyin,
    syllables,
    to_simplified,
)
from guestgraph.cleanse._latin import display, given_syllables, latin_parts, segment, strip_titles
from guestgraph.cleanse._name_data import HAN_TITLES
from guestgraph.cleanse._text import collapse, prepare, show

_WHAT = "name"
_HINT = "Send the name as written on the ID or booking, e.g. 王小明, 欧阳娜娜 or ZHANG/WEI."
_DOTS = re.compile(r"\s*[·•・‧.]\s*")
_DIGIT = re.compile(r"\d")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


@dataclass(frozen=True, slots=True)
class PersonName:
    """A parsed person name. ``family``/``given`` keep the script they were written in.

    ``simplified`` is the Han name in simplified characters (None without Han); ``pinyin`` and
    ``latin_key`` are None when no Latin reading can be derived (Hangul, Cyrillic, …).
    """

    as_sent: str
    family: str | None
    given: str | None
    salutation: str | None
    script: Script
    simplified: str | None
    pinyin: str | None
    latin_key: str | None
    is_surname_only: bool


def parse_person_name(
    *, full: str | None = None, family: str | None = None, given: str | None = None
) -> PersonName:
    """Parse a name sent whole (``full``) or in fields; two filled fields win over ``full``.

    When only one field holds anything (and no ``full``) it is parsed as a whole name: OTAs put
    "Zhangwei" in the surname field and leave the given name empty.
    """
    fam, giv, whole = _clean(family), _clean(given), _clean(full)
    if fam and giv:
        return _parse_fields(fam, giv)
    single = whole or fam or giv
    if not single:
        raise CleanseError("The name is empty.", hint=_HINT, what=_WHAT)
    return _parse_full(single)


def _clean(raw: str | None) -> str:
    return collapse(prepare(raw, what=_WHAT, hint=_HINT)) if raw is not None else ""


def _check(text: str) -> None:
    if _DIGIT.search(text):
        raise CleanseError(
            f"The name {show(text)} contains digits; a person's name never does.", hint=_HINT, what=_WHAT
        )
    if not any(ch.isalpha() for ch in text):
        raise CleanseError(f"The name {show(text)} contains no letters.", hint=_HINT, what=_WHAT)


def _strip_title(text: str) -> tuple[str, str | None]:
    for title in HAN_TITLES:
        if text.endswith(title):
            return text[: -len(title)].strip(), title
    return strip_titles(text)


def _require_name(core: str, shown: str) -> None:
    if not any(ch.isalpha() for ch in core):
        raise CleanseError(f"The name {show(shown)} is only a title.", hint=_HINT, what=_WHAT)


@lru_cache(maxsize=65536)
def _parse_full(text: str) -> PersonName:
    _check(text)
    core, salutation = _strip_title(text)
    _require_name(core, text)
    script = script_of(core)
    han = "".join(ch for ch in _DOTS.sub("·", core) if is_han(ch) or ch == "·").strip("·")
    if script in ("Hans", "Hant") or (script == "mixed" and han):
        family, given = _han_parts(core)
    elif script == "Latn" or not _HANGUL.search(core):
        family, given = latin_parts(core)
    else:  # Korean: family name first, one syllable when written without a space
        head, _, tail = core.partition(" ") if " " in core else (core[:1], "", core[1:])
        family, given = head, tail or None
    return _build(text, family, given, salutation, script, han)


@lru_cache(maxsize=65536)
def _parse_fields(family: str, given: str) -> PersonName:
    joiner = "" if is_han(family[-1]) and is_han(given[0]) else " "
    as_sent = family + joiner + given
    _check(as_sent)
    family, family_title = _strip_title(family)
    given, given_title = _strip_title(given)
    family, given = (part if any(ch.isalpha() for ch in part) else "" for part in (family, given))
    if not family:
        return _parse_full(given or as_sent)
    salutation = given_title or family_title
    return _build(as_sent, family, given or None, salutation, script_of(family + given), family + given)


def _han_parts(core: str) -> tuple[str, str | None]:
    """(family, given) of a Han (or Han-with-Latin) name: "·" names are given·family, a space splits."""
    if _DOTS.search(core):
        *given_parts, last = [part for part in _DOTS.split(core) if part]
        return last, "·".join(given_parts) or None
    han = "".join(ch for ch in core if is_han(ch) or ch == " ").strip()
    latin = " ".join(part for part in "".join(" " if is_han(ch) else ch for ch in core).split())
    if " " in han:
        family, _, given = han.partition(" ")
        given = given.replace(" ", "")
    else:
        family, given = split_han(han)
    return family, (given or latin or None)


def _build(
    as_sent: str, family: str, given: str | None, salutation: str | None, script: Script, han: str
) -> PersonName:
    """The PersonName; ``han`` is the Han part of the name as written (for ``simplified``)."""
    if is_han(family[0]):
        pinyin: str | None = " ".join((surname_pinyin(family), *syllables(given or ""))).strip()
        simplified: str | None = to_simplified(han)
    else:
        family, given = display(family), display(given) if given else None
        pinyin, simplified = _latin_pinyin(family, given), None
    key = pinyin.replace(" ", "") if pinyin else fold(family) + fold(given or "")
    return PersonName(
        as_sent=as_sent,
        family=family,
        given=given,
        salutation=salutation,
        script=script,
        simplified=simplified,
        pinyin=pinyin or None,
        latin_key=key or None,
        is_surname_only=given is None,
    )


def _latin_pinyin(family: str, given: str | None) -> str | None:
    """The pinyin of a Latin name when every part is spelled in pinyin syllables, else None."""
    surname = fold(family)
    if not surname or segment(surname) is None:
        return None
    if given is None:
        return surname
    parts = given_syllables(given)
    return " ".join((surname, *parts)) if parts else None
