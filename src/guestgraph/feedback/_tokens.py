"""Survey links: a random secret in the URL, only its SHA-256 hash in the database, so a copy of
the database (or a backup) cannot be used to answer in a guest's name."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 24  # 192 bits: not guessable, and rate-limited on top


def new_token() -> tuple[str, str]:
    """A fresh (token, hash) pair."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_token(token: str) -> bool:
    return 20 <= len(token) <= 64 and all(c.isascii() and (c.isalnum() or c in "-_") for c in token)
