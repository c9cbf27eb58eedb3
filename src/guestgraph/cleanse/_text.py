"""Shared first step of every parser: type check, size limit, NFKC, control characters."""

from __future__ import annotations

import re
import unicodedata

from guestgraph.cleanse._errors import CleanseError

MAX_LENGTH = 500
"""No raw value we standardise is longer; anything longer is a mapping error, rejected at once."""

_SHOWN = 60
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Invisible characters that copy-paste and Excel leave behind: soft hyphen, zero-width
# space/joiners, direction marks and embeddings, word joiner, byte-order mark.
_INVISIBLE = dict.fromkeys(
    [0xAD, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x206A)]
    + [0xFEFF]
)
_SPACES = re.compile(r"\s+")


def mask(value: str) -> str:
    """Every character but the last four replaced by '*' (all of them when there are four or fewer)."""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def show(value: str, *, secret: bool = False) -> str:
    """``value`` quoted for an error message: masked when secret, shortened when long."""
    text = mask(value) if secret else value
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 1] + "…"
    return repr(text)


def prepare(raw: object, *, what: str, hint: str, secret: bool = False) -> str:
    """``raw`` as NFKC text without surrounding whitespace, or CleanseError.

    NFKC turns full-width digits, letters and punctuation (１３８, ＋, （）, the ideographic space)
    into their ASCII forms. Invisible formatting characters are dropped; other control characters
    are refused because they mean the field was read with the wrong encoding or delimiter.
    """
    if not isinstance(raw, str):
        raise CleanseError(
            f"A {what} must be text, not {type(raw).__name__}.", hint="Pass the field as a string.", what=what
        )
    if len(raw) > MAX_LENGTH:
        raise CleanseError(
            f"The {what} is {len(raw):,} characters long; no {what} is longer than {MAX_LENGTH}.",
            hint="Check the column mapping: this field probably holds another column or a whole file.",
            what=what,
        )
    text = raw if raw.isascii() else unicodedata.normalize("NFKC", raw.translate(_INVISIBLE))
    bad = _CONTROL.search(text)
    if bad:
        raise CleanseError(
            f"The {what} {show(text, secret=secret)} contains the control character "
            f"U+{ord(bad.group()):04X} at position {bad.start() + 1}.",
            hint="Re-export the file as UTF-8 text and check the delimiter; " + hint,
            what=what,
        )
    return text.strip()


def collapse(text: str) -> str:
    """Runs of whitespace as one space."""
    return _SPACES.sub(" ", text)


def require(text: str, *, what: str, hint: str) -> str:
    """``text`` unless empty; an empty value is an error for parsers that must return something."""
    if not text:
        raise CleanseError(f"The {what} is empty.", hint=hint, what=what)
    return text
