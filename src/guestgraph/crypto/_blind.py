"""Blind indexes: a keyed MAC of a normalised value, so encrypted fields keep exact search.

The key is dedicated (never a KEK or a data key) and lives outside the database. Without it an
index cannot be computed, so the ~10⁹–10¹¹ phone and ID values cannot be brute-forced from a dump;
whoever holds it can, so it is guarded like a KEK. Normalisation makes one person's value give one
index however it was typed: E.164 phones, NFKC-lower-cased e-mails, ID numbers upper-cased without
spaces. The kind is part of the MAC input, so a phone and an ID with the same digits never collide.
Kind `external_id` is no search index: it is the tombstone an erased source record keeps instead of
the source's own ID of it (a confirmation or member number), exact as stored.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, get_args

from cryptography.hazmat.primitives import hashes, hmac

from guestgraph.cleanse import parse_phone
from guestgraph.errors import InvalidInput

IndexKind = Literal[
    "phone", "phone_tail", "email", "email_local", "id_number", "birth_date", "handle", "external_id"
]
IndexHash = Literal["hmac-sha256", "hmac-sm3"]
INDEX_KINDS: tuple[str, ...] = get_args(IndexKind)
E164 = re.compile(r"\+[1-9]\d{6,14}")


def normalise(kind: IndexKind, value: str, *, default_region: str = "CN") -> str:
    """The canonical form of `value` that the index is computed over."""
    if kind == "phone":
        if E164.fullmatch(value):  # already standardised (ingest stores E.164): no second parse
            return value
        return parse_phone(value, default_region=default_region).e164
    if kind == "external_id":  # a source's record ID: exact, as the record was stored under it
        return value
    text = unicodedata.normalize("NFKC", value)
    if kind == "phone_tail":  # the last four digits a clerk reads off a booking
        return "".join(ch for ch in text if ch.isdigit())[-4:]
    if kind == "email":
        return text.strip().lower()
    if kind == "email_local":  # the mailbox name: the same person at another provider
        return text.strip().lower().partition("@")[0]
    if kind == "handle":  # a messaging account (a WeChat openid): exact, case kept
        return text.strip()
    if kind in ("id_number", "birth_date"):
        return "".join(text.split()).upper()
    raise InvalidInput(f"Unknown blind index kind {kind!r}.", hint=f"Use one of: {', '.join(INDEX_KINDS)}.")


class BlindIndexer:
    """HMAC-SHA256 (or HMAC-SM3) under the index key; one prepared MAC copied per value."""

    def __init__(self, key: bytes, algorithm: IndexHash) -> None:
        digest = hashes.SHA256() if algorithm == "hmac-sha256" else hashes.SM3()
        self._base = hmac.HMAC(key, digest)

    def index(self, kind: IndexKind, value: str, *, default_region: str = "CN") -> str:
        """The index of `value` as 64 lowercase hex characters (fits VARCHAR(64))."""
        normal = normalise(kind, value, default_region=default_region)
        mac = self._base.copy()
        mac.update(kind.encode("ascii") + b"\x00" + normal.encode("utf-8"))
        return mac.finalize().hex()
