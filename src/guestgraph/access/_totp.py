"""TOTP second factor (RFC 6238, 30 s step, ±1 step) with replay protection and sealed seeds.

Seeds come from a CSPRNG (pyotp.random_base32) and are stored sealed with AES-256-GCM under a key
derived from the deployment's secret key, bound to the user id, so a database dump holds no seed.
Recovery codes are random and stored as SHA-256 digests (high-entropy values: a fast hash is enough).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from datetime import datetime

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from guestgraph.errors import ConfigurationError

STEP_SECONDS = 30
ISSUER = "guestgraph"
RECOVERY_CODES = 10


def _seal_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"guestgraph totp seed v1")
    return hkdf.derive(secret_key.encode("utf-8"))


def new_seed() -> str:
    return pyotp.random_base32()


def seal_seed(seed: str, *, user_id: int, secret_key: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_seal_key(secret_key)).encrypt(nonce, seed.encode("ascii"), f"totp:{user_id}".encode())
    return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal_seed(stored: str, *, user_id: int, secret_key: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(stored.removeprefix("v1:"))
        return AESGCM(_seal_key(secret_key)).decrypt(raw[:12], raw[12:], f"totp:{user_id}".encode()).decode()
    except (InvalidTag, ValueError) as e:
        raise ConfigurationError(
            "A stored one-time-code seed cannot be opened: it was sealed with another secret key or altered.",
            hint="Restore the original GUESTGRAPH_SECRET_KEY, or have an admin reset the second factor.",
        ) from e


def provisioning_uri(seed: str, *, username: str) -> str:
    return pyotp.TOTP(seed).provisioning_uri(name=username, issuer_name=ISSUER)


def accepted_step(seed: str, code: str, *, now: datetime, last_step: int | None) -> int | None:
    """The time step `code` belongs to (now ±1 step), if it is valid and newer than `last_step`."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(seed)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def new_recovery_codes() -> tuple[list[str], list[str]]:
    """(codes to show once, digests to store)."""
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    return codes, [recovery_digest(c) for c in codes]


def recovery_digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().encode("ascii", "ignore")).hexdigest()
