"""Scrubbing before anything is stored: control characters, over-long values, payment cards."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_FIELD = 500
CARD_PATTERN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A lone UTF-16 surrogate is no character: JSON can escape one ("\\ud800") but no UTF-8 text, and so
# no database, can hold it.
SURROGATE = re.compile(r"[\ud800-\udfff]")
SPACES = re.compile(r"\s+")
CARD_REPLACEMENT = "[card removed]"
CARD_PREFIXES = frozenset(
    "23456"
)  # Mastercard 2-series, Amex/JCB/Diners, Visa, Mastercard, UnionPay/Discover
# Columns or keys that carry card data are dropped whole (CVV cannot be recognised by its digits).
CARD_KEYS = re.compile(
    r"cvv|cvc|cvn|card.?(no|num|number)|pan\b|信用卡|卡号|银行卡|安全码|有效期", re.IGNORECASE
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = ord(ch) - 48
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def may_hold_card(text: str) -> bool:
    return CARD_PATTERN.search(text) is not None


def strip_cards(text: str, *, keep: frozenset[str] = frozenset()) -> tuple[str, int]:
    """Replace every 13-19 digit run with a card prefix that passes the Luhn check.

    `keep` holds digit strings known to be something else in this record (booking or member
    numbers), which are never touched. Returns the text and how many numbers were removed.
    """
    found = 0

    def _replace(m: re.Match[str]) -> str:
        nonlocal found
        digits = re.sub(r"[ -]", "", m.group(0))
        if (
            13 <= len(digits) <= 19
            and digits[0] in CARD_PREFIXES
            and digits not in keep
            and luhn_ok(digits)
            and not _looks_like_id(digits)
        ):
            found += 1
            return CARD_REPLACEMENT
        return m.group(0)

    return CARD_PATTERN.sub(_replace, text), found


def _looks_like_id(digits: str) -> bool:
    # A CN resident ID is 18 characters starting with a region code and a 19xx/20xx birth year;
    # some pass Luhn by chance and must not be destroyed.
    return len(digits) == 18 and digits[6:8] in ("19", "20")


def clean_text(value: str) -> tuple[str, bool, bool]:
    """NFC, control characters removed, whitespace collapsed; returns (text, had_control, had_spaces)."""
    if (
        value.isprintable()
        and "  " not in value
        and value == value.strip()
        and (value.isascii() or unicodedata.is_normalized("NFC", value))
    ):
        return value, False, False  # the common case, without three regex passes
    text = unicodedata.normalize("NFC", value)
    no_control = CONTROL.sub("", text)
    collapsed = SPACES.sub(" ", no_control).strip()
    return collapsed, no_control != text, collapsed != no_control


@lru_cache(maxsize=4096)
def is_card_key(key: str) -> bool:
    return bool(CARD_KEYS.search(key))
