"""Match keys for names: every plausible Latin spelling of a name, and English nicknames.

A Han name yields its surname's surname reading and everyday reading (曾 zeng/ceng), every
reading of its given-name characters (乐 le/yue), and ü spelled lv, lyu and lu. A Latin name
yields both orders (guests swap the OTA form's fields), the nickname-free given name, and the ü
spellings when it is pinyin. Keys are lower-case
letters, family first; two names may be the same person when their variant sets intersect.
"""

from __future__ import annotations

from itertools import islice, product

from pypinyin import Style, pinyin

from guestgraph.cleanse._han import fold, is_han, surname_pinyin, syllables, to_simplified
from guestgraph.cleanse._latin import given_syllables, segment
from guestgraph.cleanse._name_data import NICKNAMES, UMLAUT_SPELLINGS
from guestgraph.cleanse._names import PersonName, parse_person_name

MAX_VARIANTS = 32
"""At most this many keys per name, so a name of many heteronyms stays cheap to block on."""


def canonical_given_name(latin: str) -> str:
    """The formal given name behind an English nickname, lower case: "Bob" -> "robert", "Liz" -> "elizabeth".

    Names that are no nickname come back folded to lower-case letters ("Anna" -> "anna").
    """
    return " ".join(NICKNAMES.get(word, word) for word in (fold(part) for part in latin.split()) if word)


def latin_variants(name: PersonName | str) -> frozenset[str]:
    """The set of order-normalised Latin keys ``name`` may be written as (a str is parsed as a full name)."""
    parsed = parse_person_name(full=name) if isinstance(name, str) else name
    if parsed.family is None or parsed.latin_key is None:
        return frozenset()
    if is_han(parsed.family[0]):
        slots = _han_slots(parsed.family, parsed.given or "")
    else:
        slots = _latin_slots(parsed.family, parsed.given)
    keys = [parsed.latin_key]
    if parsed.given and not is_han(parsed.family[0]):
        family, given = fold(parsed.family), fold(parsed.given)
        keys += [given + family, family + fold(canonical_given_name(parsed.given))]
    keys.extend("".join(combo) for combo in islice(product(*slots), MAX_VARIANTS))
    return frozenset(list(dict.fromkeys(keys))[:MAX_VARIANTS])


def _umlaut(syllable: str) -> tuple[str, ...]:
    return UMLAUT_SPELLINGS.get(syllable, (syllable,))


def _han_slots(family: str, given: str) -> list[tuple[str, ...]]:
    simplified = to_simplified(family)
    readings = [surname_pinyin(simplified), "".join(syllables(simplified))]
    family_slot = tuple(dict.fromkeys(spelling for reading in readings for spelling in _umlaut(reading)))
    han_given = "".join(ch for ch in to_simplified(given) if is_han(ch))
    given_slots = [
        tuple(dict.fromkeys(spelling for reading in readings_of_char for spelling in _umlaut(reading)))
        for readings_of_char in pinyin(han_given, style=Style.NORMAL, heteronym=True)
    ]
    return [family_slot, *given_slots]


def _latin_slots(family: str, given: str | None) -> list[tuple[str, ...]]:
    surname = fold(family)
    family_syllables = segment(surname)
    family_slot: tuple[str, ...] = (surname,)
    if family_syllables is not None and len(family_syllables) == 1:
        family_slot = _umlaut(surname)
    if given is None:
        return [family_slot]
    syllables = given_syllables(given)
    if syllables is None:
        return [family_slot, (fold(given),)]
    return [family_slot, *(_umlaut(s) for s in syllables)]
