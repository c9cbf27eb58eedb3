"""The backup file format (version 1): a plain, authenticated header, then the payload encrypted in
AES-256-GCM chunks (constant memory) and a final, authenticated manifest.

    b"GGBACKUP" | u32 header length | header JSON (sorted keys)
    then per chunk: u32 ciphertext length | ciphertext (plaintext <= chunk_size, + 16-byte tag)

Each chunk is sealed under a per-file key (HKDF-SHA256 of the backup key, salted with the file id)
with nonce = chunk index, and AAD = SHA-256(magic, header) | index | last-flag. The last chunk is
the manifest {chunks, bytes, sha256}; anything after it, a missing manifest, a reordered, altered or
dropped chunk, or an edited header is refused.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from guestgraph.ops._errors import BackupRefused
from guestgraph.ops._key import key_id

MAGIC = b"GGBACKUP"
FORMAT = "guestgraph-backup"
VERSION = 1
CHUNK_SIZE = 1 << 20
MAX_HEADER = 1 << 20
TAG = 16
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BackupHeader:
    """What a backup holds, readable without the key and authenticated by it."""

    engine: str  # "sqlite" or "postgresql"
    payload: str  # "sqlite-database" or "pg_dump-custom"
    schema_revision: str | None
    created_at: str  # ISO 8601, UTC
    app_version: str
    row_counts: dict[str, int]
    key_id: str
    file_id: str  # 16 random bytes, hex: salts the per-file key
    payload_bytes: int
    chunk_size: int = CHUNK_SIZE
    cipher: str = "aes-256-gcm"
    kdf: str = "hkdf-sha256"
    format: str = FORMAT
    version: int = VERSION
    extra: dict[str, str] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode("utf-8")


def _file_key(key: bytes, header: BackupHeader) -> AESGCM:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=bytes.fromhex(header.file_id),
        info=b"guestgraph-backup-v1",
    )
    return AESGCM(hkdf.derive(key))


def _aad(header_digest: bytes, index: int, last: bool) -> bytes:
    return header_digest + struct.pack(">QB", index, int(last))


def _nonce(index: int) -> bytes:
    return struct.pack(">IQ", 0, index)


def write_encrypted(
    out: BinaryIO, payload: BinaryIO, header: BackupHeader, key: bytes, progress: Progress | None = None
) -> None:
    """Write header, encrypted payload chunks and manifest to `out`, streaming."""
    head = header.to_bytes()
    out.write(MAGIC + struct.pack(">I", len(head)) + head)
    digest = hashlib.sha256(MAGIC + head).digest()
    aead, sha, index, done = _file_key(key, header), hashlib.sha256(), 0, 0
    while chunk := payload.read(header.chunk_size):
        sha.update(chunk)
        _write_chunk(out, aead.encrypt(_nonce(index), chunk, _aad(digest, index, False)))
        index, done = index + 1, done + len(chunk)
        if progress:
            progress(done, header.payload_bytes)
    manifest = json.dumps({"chunks": index, "bytes": done, "sha256": sha.hexdigest()}).encode()
    _write_chunk(out, aead.encrypt(_nonce(index), manifest, _aad(digest, index, True)))


def _write_chunk(out: BinaryIO, sealed: bytes) -> None:
    out.write(struct.pack(">I", len(sealed)) + sealed)


def read_header(src: BinaryIO, where: str) -> tuple[BackupHeader, bytes]:
    """The header and its digest (the AAD prefix); refuses a file that is not a guestgraph backup."""
    if src.read(len(MAGIC)) != MAGIC:
        raise BackupRefused(
            f"{where} is not a guestgraph backup (no GGBACKUP signature).",
            hint="Pass a file written by `guestgraph backup`.",
        )
    size = _read_u32(src, where)
    head = src.read(size) if size <= MAX_HEADER else b""
    try:
        fields = json.loads(head)
        header = BackupHeader(**fields)
    except (ValueError, TypeError) as e:
        raise BackupRefused(f"The header of {where} is damaged.", hint=_DAMAGED) from e
    if header.format != FORMAT or header.version != VERSION:
        raise BackupRefused(
            f"{where} is format {header.format} v{header.version}; this guestgraph reads v{VERSION}.",
            hint="Restore it with the guestgraph version that wrote it.",
        )
    return header, hashlib.sha256(MAGIC + head).digest()


_DAMAGED = "The file was altered, truncated or damaged in transit: use another copy of the backup."


def decrypt_to(
    src: BinaryIO, out: BinaryIO, key: bytes, where: str, progress: Progress | None = None
) -> BackupHeader:
    """Verify and decrypt the whole file into `out`; raise BackupRefused on any damage. The caller
    must discard `out` unless this returns."""
    header, digest = read_header(src, where)
    if key_id(key) != header.key_id:
        raise BackupRefused(
            f"{where} was encrypted under another backup key (key id {header.key_id}; "
            f"the configured key is {key_id(key)}).",
            hint="Set GUESTGRAPH_BACKUP_KEY or GUESTGRAPH_BACKUP_KEY_FILE to the key in use when "
            "the backup was made.",
        )
    aead, sha, index, done = _file_key(key, header), hashlib.sha256(), 0, 0
    while True:
        sealed = _read_chunk(src, where, header)
        try:
            plain = aead.decrypt(_nonce(index), sealed, _aad(digest, index, False))
        except InvalidTag:
            manifest = _open_manifest(aead, sealed, digest, index, where)
            break
        sha.update(plain)
        out.write(plain)
        index, done = index + 1, done + len(plain)
        if progress:
            progress(done, header.payload_bytes)
    if src.read(1):
        raise BackupRefused(f"{where} has data after its manifest.", hint=_DAMAGED)
    if manifest != {"chunks": index, "bytes": done, "sha256": sha.hexdigest()}:
        raise BackupRefused(f"The manifest of {where} does not match its content.", hint=_DAMAGED)
    return header


def _open_manifest(aead: AESGCM, sealed: bytes, digest: bytes, index: int, where: str) -> object:
    try:
        return json.loads(aead.decrypt(_nonce(index), sealed, _aad(digest, index, True)))
    except InvalidTag as e:
        raise BackupRefused(
            f"{where} failed authentication at chunk {index}: it was altered or damaged.", hint=_DAMAGED
        ) from e


def _read_chunk(src: BinaryIO, where: str, header: BackupHeader) -> bytes:
    size = _read_u32(src, where)
    if size > header.chunk_size + TAG:
        raise BackupRefused(f"{where} has a damaged chunk length.", hint=_DAMAGED)
    sealed = src.read(size)
    if len(sealed) != size:
        raise BackupRefused(f"{where} is truncated (it ends inside a chunk).", hint=_DAMAGED)
    return sealed


def _read_u32(src: BinaryIO, where: str) -> int:
    raw = src.read(4)
    if len(raw) != 4:
        raise BackupRefused(f"{where} is truncated (its manifest is missing).", hint=_DAMAGED)
    value: int = struct.unpack(">I", raw)[0]
    return value
