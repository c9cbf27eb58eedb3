"""Data-quality corruptions injected into the demo source files, and their rates.

Every rate is a probability per rendered value (or per record where noted). Each corruption
that lands on a person is recorded in a :class:`DirtLog` so ``truth/persons.csv`` can say which
dirt a person's records carry.
"""

from __future__ import annotations

import random

from guestgraph.demo._namedata import HOMOPHONES

LATIN_TYPO_RATE = 0.02  # Latin name with a transposed, dropped or doubled letter
HOMOPHONE_RATE_CHECKIN = 0.01  # Han name with a same-sounding character although the ID was scanned
HOMOPHONE_RATE_PHONE = 0.04  # Han name taken down over the phone (booking not yet checked in)
HOMOPHONE_RATE_FRONTDESK = 0.08  # hand-typed walk-in registration sheet
SCRIPT_VARIANT_RATE = 0.35  # HK/TW name keyed in simplified script by a mainland clerk
TRAD_MAINLAND_RATE = 0.03  # mainland name keyed in traditional script (Hong Kong hotel)
MISSING_EMAIL_RATE = 0.15  # e-mail left empty although the person has one
MISSING_BIRTH_RATE = 0.10  # birth date left empty
MISSING_ID_RATE = 0.04  # ID number left empty for an arrived guest
MISSING_GENDER_RATE = 0.03
PHONE_VARIANT_RATE = 0.06  # phone written in another format than the file usually uses
MISSING_CC_RATE = 0.25  # non-Chinese mobile written without its country code
DATE_OUTLIER_RATE = 0.01  # date written in another style than the file usually uses
BAD_ID_CHECKSUM_RATE = 0.005  # resident ID number with a wrong check character
BAD_DATES_RATE = 0.002  # per record: departure before arrival
NEGATIVE_AMOUNT_RATE = 0.003  # per record: negative amount
WHITESPACE_RATE = 0.02  # stray leading / trailing / doubled whitespace
FULLWIDTH_RATE = 0.005  # digits typed with a Chinese IME in full-width form (１３８…)
STALE_PHONE_RATE = 0.6  # per number changer: the loyalty record still has the old mobile

_FULLWIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


class DirtLog:
    """Which corruption tags were applied to which person (by index)."""

    def __init__(self) -> None:
        self._tags: dict[int, set[str]] = {}

    def note(self, person_idx: int, tag: str) -> None:
        tags = self._tags.get(person_idx)
        if tags is None:
            tags = self._tags[person_idx] = set()
        tags.add(tag)

    def tags(self, person_idx: int) -> list[str]:
        return sorted(self._tags.get(person_idx, ()))


def latin_typo(rng: random.Random, text: str) -> str:
    """Transpose two adjacent letters, drop one, or double one."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 3:
        return text
    i = rng.choice(letters[1:-1])
    op = rng.randrange(3)
    if op == 0 and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if op == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


def homophone_slip(rng: random.Random, han: str) -> str:
    """Replace one character with a same-sounding one; prefers the given name (last characters)."""
    spots = [i for i, c in enumerate(han) if c in HOMOPHONES]
    if not spots:
        return han
    i = spots[-1] if len(spots) == 1 or rng.random() < 0.7 else rng.choice(spots)
    return han[:i] + rng.choice(HOMOPHONES[han[i]]) + han[i + 1 :]


def fullwidth(text: str) -> str:
    return text.translate(_FULLWIDTH)


def stray_whitespace(rng: random.Random, text: str) -> str:
    op = rng.randrange(4)
    if op == 0:
        return " " + text
    if op == 1:
        return text + " "
    if op == 2:
        return text + "\u3000"  # ideographic space
    mid = text.find(" ")
    return text[:mid] + "  " + text[mid + 1 :] if mid > 0 else text + "  "


class Dirt:
    """A random source plus the log; helpers roll the dice, corrupt, and record what they did."""

    def __init__(self, rng: random.Random, log: DirtLog) -> None:
        self.rng = rng
        self.log = log

    def hit(self, rate: float, person_idx: int, tag: str) -> bool:
        if self.rng.random() < rate:
            self.log.note(person_idx, tag)
            return True
        return False

    def latin(self, person_idx: int, text: str) -> str:
        if text and self.hit(LATIN_TYPO_RATE, person_idx, "latin_typo"):
            return latin_typo(self.rng, text)
        return text

    def han(self, person_idx: int, text: str, rate: float) -> str:
        if text and self.hit(rate, person_idx, "homophone"):
            return homophone_slip(self.rng, text)
        return text

    def blank(self, person_idx: int, text: str, rate: float, tag: str) -> str:
        """Drop ``text`` with probability ``rate``."""
        if text and self.hit(rate, person_idx, tag):
            return ""
        return text

    def spaces(self, person_idx: int, text: str) -> str:
        if text and self.hit(WHITESPACE_RATE, person_idx, "whitespace"):
            return stray_whitespace(self.rng, text)
        return text

    def digits(self, person_idx: int, text: str) -> str:
        if text and self.hit(FULLWIDTH_RATE, person_idx, "fullwidth_digits"):
            return fullwidth(text)
        return text
