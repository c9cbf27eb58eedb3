"""Coupon codes: 10 characters a guest can read out and a clerk can type, unguessable, with a check
character that catches every single wrong character and every swap of two characters.

The alphabet has 31 symbols (digits and capitals without I, L, O, U, Z, which read as 1, 1, 0, V, 2);
31 is prime, so with distinct weights 1…10 the weighted sum mod 31 changes under any one substitution
and any transposition. Nine random symbols give 31⁹ ≈ 2.6·10¹³ codes (44 bits) from `secrets`.
Typing is forgiving: case, spaces and dashes are ignored, and O, I, L are read as 0, 1, 1.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXY"
LENGTH = 10
_BASE = len(ALPHABET)  # 31, prime
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": "", " ": "", "\u00a0": ""})


def _weighted(symbols: str) -> int:
    return sum((i + 1) * _VALUE[c] for i, c in enumerate(symbols)) % _BASE


def check_character(body: str) -> str:
    """The character that makes the weighted sum of body + it zero (mod 31)."""
    partial = _weighted(body)
    weight = len(body) + 1
    # weight·x ≡ −partial (mod 31): x = −partial · weight⁻¹
    return ALPHABET[(-partial * pow(weight, -1, _BASE)) % _BASE]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH - 1))
    return body + check_character(body)


def normalise(typed: str) -> str:
    """The code as stored, from what a person typed (case, spaces, dashes, O/I/L forgiven)."""
    return typed.strip().upper().translate(_READ_AS)


def is_valid(code: str) -> bool:
    """A stored-form code of the right length, alphabet and check character."""
    return len(code) == LENGTH and all(c in _VALUE for c in code) and _weighted(code) == 0


def display(code: str) -> str:
    """Grouped for reading aloud: ABCDE-FGHJK."""
    return f"{code[:5]}-{code[5:]}" if len(code) == LENGTH else code
