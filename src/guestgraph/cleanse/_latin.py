"""Latin-script names: titles, which token is the family name, and pinyin-shaped spellings.

Order rules, in this order:

1. ``ZHANG/WEI`` (airline style) and ``Zhang, Wei`` are family first.
2. One all-capitals token among mixed-case ones is the family name (``CHAN Tai Man``, ``Tai Man CHAN``).
3. Otherwise the first or the last token is the family name, whichever is the more frequent Chinese
   surname (or Cantonese/Korean/Vietnamese romanised surname); ``Zhang Wei`` and ``Wei Zhang`` both
   give family Zhang. When neither end is a known surname the order is Western: the last token.
4. A single token that is a known surname followed by pinyin (``zhangwei``, ``OUYANGNANA``) is split.
"""

from __future__ import annotations

import re
from functools import lru_cache

from guestgraph.cleanse._han import fold
from guestgraph.cleanse._name_data import (
    LATIN_TITLES,
    OTHER_ROMANISED_SURNAMES,
    PINYIN_SURNAMES,
    PINYIN_SYLLABLES,
)

_RANK: dict[str, int] = {}
for _names in (PINYIN_SURNAMES, OTHER_ROMANISED_SURNAMES):
    for _rank, _name in enumerate(_names):
        _RANK[_name] = min(_rank, _RANK.get(_name, _rank))
_TITLE_WORDS = "|".join(sorted(LATIN_TITLES, key=len, reverse=True))
_LEADING_TITLE = re.compile(rf"^(?P<t>{_TITLE_WORDS})\.?(?:[\s/,]+|$)", re.IGNORECASE)
_TRAILING_TITLE = re.compile(rf"(?:^|[\s/,]+)(?P<t>{_TITLE_WORDS})\.?$", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")
_PIECES = re.compile(r"[\s\-'’.]+")
_VOWEL_START = ("a", "o", "e")
_SPLIT_MIN = 5


def strip_titles(text: str) -> tuple[str, str | None]:
    """``text`` without a leading or trailing title (Mr, Dr., …) and the title in canonical form."""
    title = None
    leading = _LEADING_TITLE.match(text)
    if leading:
        title, text = LATIN_TITLES[leading["t"].lower()], text[leading.end() :]
    trailing = _TRAILING_TITLE.search(text)
    if trailing:
        title, text = title or LATIN_TITLES[trailing["t"].lower()], text[: trailing.start()]
    return text.strip(" /,"), title


def display(part: str) -> str:
    """Capitalised word by word when written all upper or all lower case; as written otherwise."""
    if part.isupper() or part.islower():
        return _WORD.sub(lambda m: m.group(0).capitalize(), part)
    return part


def surname_rank(token: str) -> int | None:
    """Frequency rank of ``token`` as a romanised Chinese (or East Asian) surname, None if it is none."""
    return _RANK.get(fold(token))


@lru_cache(maxsize=65536)
def segment(word: str) -> tuple[str, ...] | None:
    """``word`` (folded letters) as pinyin syllables, or None.

    The longest first syllable that lets the rest segment wins, and no syllable after the first
    may start with a vowel (pinyin writes that boundary with an apostrophe: xi'an), so "xian" is
    one syllable and "lina" is li-na.
    """
    n = len(word)
    if n == 0:
        return None
    best: list[tuple[str, ...] | None] = [None] * n + [()]
    for i in range(n - 1, -1, -1):
        for size in range(min(6, n - i), 0, -1):
            piece, rest = word[i : i + size], best[i + size]
            if (
                rest is not None
                and piece in PINYIN_SYLLABLES
                and not (rest and rest[0].startswith(_VOWEL_START))
            ):
                best[i] = (piece, *rest)
                break
    return best[0]


def given_syllables(given: str) -> tuple[str, ...] | None:
    """The pinyin syllables of a given name written in any pinyin style (Xiaoming, Xiao Ming, Xiao-Ming)."""
    out: list[str] = []
    for piece in _PIECES.split(given):
        if piece:
            syllables = segment(fold(piece))
            if syllables is None:
                return None
            out.extend(syllables)
    return tuple(out) or None


@lru_cache(maxsize=16384)
def split_single(token: str) -> tuple[str, str] | None:
    """``zhangwei`` -> ("zhang", "wei"): a surname prefix followed by pinyin, most frequent surname first."""
    word = fold(token)
    if len(word) < _SPLIT_MIN or len(word) != len(token):
        return None
    best: tuple[int, str] | None = None
    for surname in PINYIN_SURNAMES:
        rest = word[len(surname) :]
        if word.startswith(surname) and rest and not rest.startswith(_VOWEL_START) and segment(rest):
            candidate = (_RANK[surname], surname)
            best = min(best, candidate) if best else candidate
    if best is None:
        return None
    size = len(best[1])
    return token[:size], token[size:]


def order_tokens(tokens: list[str]) -> tuple[str, str | None]:
    """(family, given) of a name written as whitespace-separated tokens, by the module's rules 2-4."""
    if len(tokens) == 1:
        split = split_single(tokens[0])
        return split if split else (tokens[0], None)
    capitals = [i for i, t in enumerate(tokens) if t.isupper() and len(fold(t)) >= 2]
    if len(capitals) == 1 and len(capitals) < len(tokens):
        i = capitals[0]
        return tokens[i], " ".join(tokens[:i] + tokens[i + 1 :])
    first, last = surname_rank(tokens[0]), surname_rank(tokens[-1])
    if first is not None and (last is None or first < last):
        return tokens[0], " ".join(tokens[1:])
    return tokens[-1], " ".join(tokens[:-1])


def latin_parts(text: str) -> tuple[str, str | None]:
    """(family, given) of a Latin name by the module's rules."""
    for separator in ("/", ","):
        if separator in text:
            family, _, given = (part.strip(" /,") for part in text.partition(separator))
            if family and given:
                return family, given
            text = family or given
    return order_tokens(text.split())
