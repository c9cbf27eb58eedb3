"""Staff passwords: argon2id (RFC 9106 low-memory profile, argon2-cffi defaults) and a policy without
composition rules: at least 8 characters, up to 128, not among the 3,000 most common passwords (the
zxcvbn list, also with a few digits or symbols added), not in the 30,000 of that list's breach corpus,
and not built on the product's or the user's own words (ASVS 6.2)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from guestgraph.access._errors import WeakPassword

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_RANK = 3000
PRODUCT_WORDS = ("guestgraph", "guest", "graph", "hotel", "酒店", "admin", "password")
_HASHER = PasswordHasher()
# Verified against when the user does not exist, so that a miss costs the same as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a real password: timing equaliser")
BUILT_ON_WORD = "The password is built on a word that is easy to guess (the product, a hotel or your name)."
_AFFIX = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$")


@cache
def _passwords() -> list[str]:
    """zxcvbn's ranked password list, loaded on the first check (≈ 12 MiB: a process that never
    checks a password, such as an import, does not hold it)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    passwords: list[str] = FREQUENCY_LISTS["passwords"]
    return passwords


@cache
def _common() -> frozenset[str]:
    return frozenset(_passwords()[:COMMON_RANK])


@cache
def _breached() -> frozenset[str]:
    """The 30,000 passwords of zxcvbn's list, taken from public breach corpora (xato's 10 million
    leaked passwords): an offline breached-password check. An online range query (Have I Been Pwned
    k-anonymity) would cover far more, but this deployment makes no call to the internet."""
    return frozenset(_passwords())


def check_password_policy(password: str, *, context: Iterable[str] = ()) -> None:
    """Raise WeakPassword, naming the rule and the fix, if `password` may not be used."""
    hint = "Use a passphrase of several unrelated words; length matters more than symbols."
    if len(password) < MIN_LENGTH:
        raise WeakPassword("The password is shorter than 8 characters.", hint=hint)
    if len(password) > MAX_LENGTH:
        raise WeakPassword("The password is longer than 128 characters.", hint=hint)
    lowered = password.lower()
    core = _AFFIX.sub(r"\1", lowered)
    if lowered in _common() or (core and core in _common()):
        raise WeakPassword("This password is among the most common ones and is guessed first.", hint=hint)
    if lowered in _breached():
        raise WeakPassword("This password appears in published lists of breached passwords.", hint=hint)
    words = [w.lower() for w in (*PRODUCT_WORDS, *context) if w and len(w) >= 4]
    for word in words:
        if word in lowered and len(lowered.replace(word, "")) < MIN_LENGTH:
            raise WeakPassword(BUILT_ON_WORD, hint=hint)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs_rehash). A missing hash still costs one verification."""
    try:
        if stored is None:
            _HASHER.verify(_DUMMY_HASH, password)
            return False, False
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False, False
    return True, _HASHER.check_needs_rehash(stored)
