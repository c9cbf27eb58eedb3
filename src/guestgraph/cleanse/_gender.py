"""Gender as recorded on documents: M, F, or unknown (None)."""

from __future__ import annotations

from typing import Literal

from guestgraph.cleanse._errors import CleanseError
from guestgraph.cleanse._text import prepare, show

_MALE = "m male man 男 男性 先生 mr mr. 1 boy h"
_FEMALE = "f female woman 女 女性 女士 小姐 太太 夫人 ms ms. mrs mrs. miss 2 girl w"
_UNKNOWN = "0 9 u x unknown 未知 未说明 不详 n/a na - ?"
GENDER_ALIASES: dict[str, Literal["M", "F"] | None] = {
    "": None,
    **dict.fromkeys(_MALE.split(), "M"),
    **dict.fromkeys(_FEMALE.split(), "F"),
    **dict.fromkeys(_UNKNOWN.split(), None),
}
"""Raw spellings (case-folded) -> gender.

Digits follow GB/T 2261.1: 0 unknown, 1 male, 2 female, 9 not stated.
"""


def parse_gender(raw: str) -> Literal["M", "F"] | None:
    """``raw`` as "M", "F", or None when the source says it is unknown or leaves it empty."""
    hint = "Write gender as M or F (男/女); leave it empty when unknown."
    text = prepare(raw, what="gender", hint=hint).casefold()
    if text not in GENDER_ALIASES:
        raise CleanseError(f"The gender {show(text)} is not one we read.", hint=hint, what="gender")
    return GENDER_ALIASES[text]
