"""Field ciphertexts: AES-256-GCM or SM4-GCM with a random 96-bit nonce and row-bound AAD.

A stored value is compact ASCII, versioned and self-describing, so it fits a VARCHAR/TEXT column:

    g1.<alg>.<key ref>.<key version>.<base64url(nonce || ciphertext || tag)>

`g1` is the format version; `alg` is `a` (AES-256-GCM) or `s` (SM4-GCM); the key ref names the
guest's data key (DEK) in the key store. The AAD binds the value to where it belongs: tenant, table,
column, row id, and the header itself (format, algorithm, key ref, key version), so a bit flip or a
value moved to another guest, row or column fails the tag check and raises `FieldTampered`.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import pybase64
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from guestgraph.crypto._errors import FieldTampered

FieldCipher = Literal["aes-256-gcm", "sm4-gcm"]
FORMAT = "g1"
ALG_IDS: dict[FieldCipher, str] = {"aes-256-gcm": "a", "sm4-gcm": "s"}
NONCE_BYTES = 12
TAG_BYTES = 16
_URLSAFE = b"-_"  # base64url: the two characters that differ from base64


@dataclass(frozen=True, slots=True)
class FieldContext:
    """Where a value lives: it becomes the AAD, so a value only decrypts in its own place.

    `row_id` must be stable for the row's life (a public id or natural key, not a value that
    changes on merge or reload)."""

    tenant: str
    table: str
    column: str
    row_id: str | int

    def where(self) -> str:
        return f"{self.table}.{self.column} row {self.row_id} (tenant {self.tenant})"


@dataclass(slots=True)
class DataKey:
    """A guest's plaintext DEK (256 bits) with its ready-made cipher objects."""

    ref: str
    version: int
    raw: bytes = field(repr=False)
    _aes: AESGCM | None = field(default=None, repr=False)
    _sm4: bytes | None = field(default=None, repr=False)

    def aes(self) -> AESGCM:
        if self._aes is None:
            self._aes = AESGCM(self.raw)
        return self._aes

    def sm4_key(self) -> bytes:
        """SM4 takes 128-bit keys: derived from the DEK with HKDF, never the DEK's own bytes."""
        if self._sm4 is None:
            hkdf = HKDF(algorithm=hashes.SHA256(), length=16, salt=None, info=b"guestgraph/sm4-gcm/v1")
            self._sm4 = hkdf.derive(self.raw)
        return self._sm4


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed stored value."""

    alg: str
    key_ref: str
    key_version: int
    blob: bytes


def sm4_gcm_encrypt(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    """SM4-GCM (RFC 8998) through the generic `Cipher` API; returns ciphertext || tag."""
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    body = enc.update(data) + enc.finalize()
    return body + enc.tag


def sm4_gcm_decrypt(key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Inverse of `sm4_gcm_encrypt`; raises `InvalidTag` when the tag does not match."""
    if len(sealed) < TAG_BYTES:
        raise InvalidTag
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, sealed[-TAG_BYTES:])).decryptor()
    dec.authenticate_additional_data(aad)
    return dec.update(sealed[:-TAG_BYTES]) + dec.finalize()


def associated_data(ctx: FieldContext, alg: str, key_ref: str, key_version: int) -> bytes:
    """AAD = format ‖ alg ‖ tenant ‖ table ‖ column ‖ row id ‖ key ref ‖ key version, each part
    length-prefixed (`len:part,`) so that no two different contexts encode to the same bytes."""
    tail = _aad_tail(ctx.row_id, key_ref, key_version)
    return (_aad_prefix(alg, ctx.tenant, ctx.table, ctx.column) + tail).encode()


@lru_cache(maxsize=1024)
def _aad_prefix(alg: str, t: str, b: str, c: str) -> str:
    """The part of the AAD every value of one column shares (format, algorithm, tenant, table, column)."""
    return f"{FORMAT},{len(alg)}:{alg},{len(t)}:{t},{len(b)}:{b},{len(c)}:{c},"


def _aad_tail(row_id: str | int, key_ref: str, key_version: int) -> str:
    """The part of the AAD every column of one row shares (row id, key ref, key version)."""
    r, v = str(row_id), str(key_version)
    return f"{len(r)}:{r},{len(key_ref)}:{key_ref},{len(v)}:{v},"


def _header(key: DataKey, alg: str) -> str:
    """The stored value's prefix up to its payload: format, algorithm, key ref and key version."""
    return f"{FORMAT}.{alg}.{key.ref}.{key.version}."


def _payload(key: DataKey, alg: str, nonce: bytes, plaintext: str | bytes, aad: bytes) -> str:
    """base64url (no padding) of nonce ‖ ciphertext ‖ tag of `plaintext` (text, or its UTF-8 bytes)
    under `key` with `aad`."""
    data = plaintext if isinstance(plaintext, bytes) else plaintext.encode("utf-8")
    if alg == "a":
        sealed = key.aes().encrypt(nonce, data, aad)
    else:
        sealed = sm4_gcm_encrypt(key.sm4_key(), nonce, data, aad)
    # base64.urlsafe_b64encode(...).rstrip(b"=").decode() with SIMD: base64 was a fifth of what
    # sealing added to an import (docs/benchmarks.md)
    return pybase64.b64encode_as_string(nonce + sealed, altchars=_URLSAFE).rstrip("=")


def seal(key: DataKey, ctx: FieldContext, plaintext: str, cipher: FieldCipher) -> str:
    """Encrypt `plaintext` for `ctx` under `key`; returns the stored ASCII form."""
    alg = ALG_IDS[cipher]
    aad = associated_data(ctx, alg, key.ref, key.version)
    return _header(key, alg) + _payload(key, alg, os.urandom(NONCE_BYTES), plaintext, aad)


def seal_row(
    key: DataKey,
    tenant: str,
    table: str,
    row_id: str | int,
    values: Mapping[str, str | bytes],
    cipher: FieldCipher,
) -> dict[str, str]:
    """Several columns of one row sealed at once: `seal(key, FieldContext(tenant, table, column,
    row_id), value, cipher)` for each column and value, byte for byte the same format and AAD, with
    what the columns share (AAD tail, header, the nonces' randomness) worked out once. A value may be
    given as its UTF-8 bytes (a JSON document as orjson writes it: no decoding and encoding again)."""
    alg = ALG_IDS[cipher]
    tail, header = _aad_tail(row_id, key.ref, key.version), _header(key, alg)
    randomness = os.urandom(NONCE_BYTES * len(values))
    out: dict[str, str] = {}
    for n, (column, plaintext) in enumerate(values.items()):
        nonce = randomness[n * NONCE_BYTES : (n + 1) * NONCE_BYTES]
        aad = (_aad_prefix(alg, tenant, table, column) + tail).encode()
        out[column] = header + _payload(key, alg, nonce, plaintext, aad)
    return out


def parse(stored: str, ctx: FieldContext) -> Envelope:
    """Split a stored value into its parts; anything malformed is reported as tampering."""
    parts = stored.split(".")
    if len(parts) != 5 or parts[0] != FORMAT or parts[1] not in ALG_IDS.values():
        raise FieldTampered(
            f"{ctx.where()}: not a guestgraph ciphertext (format {parts[0][:8]!r})",
        )
    _, alg, key_ref, version, payload = parts
    try:
        blob = pybase64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        key_version = int(version)
    except (binascii.Error, ValueError) as e:
        raise FieldTampered(f"{ctx.where()}: the ciphertext is not valid base64") from e
    if len(blob) < NONCE_BYTES + TAG_BYTES or not key_ref:
        raise FieldTampered(f"{ctx.where()}: the ciphertext is truncated")
    return Envelope(alg, key_ref, key_version, blob)


def open_sealed(key: DataKey, ctx: FieldContext, env: Envelope) -> str:
    """Decrypt a parsed value with its DEK; a failed tag raises `FieldTampered` naming the place."""
    aad = associated_data(ctx, env.alg, env.key_ref, env.key_version)
    nonce, sealed = env.blob[:NONCE_BYTES], env.blob[NONCE_BYTES:]
    try:
        if env.alg == "a":
            data = key.aes().decrypt(nonce, sealed, aad)
        else:
            data = sm4_gcm_decrypt(key.sm4_key(), nonce, sealed, aad)
    except InvalidTag as e:
        raise FieldTampered(f"{ctx.where()}, key {env.key_ref}") from e
    return data.decode("utf-8")


def stored_length(plaintext_bytes: int, key_ref_length: int = 20) -> int:
    """Characters a stored value takes for a plaintext of `plaintext_bytes` UTF-8 bytes: size the
    column with it (an e-mail of 254 bytes needs 406 with a 20-character key ref, key version < 1000)."""
    blob = NONCE_BYTES + plaintext_bytes + TAG_BYTES
    return len("g1.a..999.") + key_ref_length + (blob * 4 + 2) // 3
