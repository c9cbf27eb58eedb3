"""Signed checkpoints outside the database: `{seq, hash, time}` signed with Ed25519, one JSON line each
in `audit_dir/checkpoints.jsonl`. The signing key lives in a 0600 PEM file, generated on first use."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from guestgraph.audit._event import format_time
from guestgraph.config import Settings
from guestgraph.errors import ConfigurationError

CHECKPOINTS_FILE = "checkpoints.jsonl"
PUBLIC_KEY_FILE = "signing_key.pub"
_DOMAIN = b"guestgraph-audit-checkpoint-v1\n"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: bytes
    time: str
    signature: bytes
    line: int  # 1-based line in the checkpoints file, for messages

    def message(self) -> bytes:
        return signed_message(self.seq, self.hash, self.time)


@dataclass(frozen=True)
class CheckpointFile:
    checkpoints: list[Checkpoint]
    bad_lines: list[str]  # "line N: why", for lines that do not parse or whose signature fails


def signed_message(seq: int, digest: bytes, time: str) -> bytes:
    body = json.dumps({"hash": digest.hex(), "seq": seq, "time": time}, sort_keys=True, separators=(",", ":"))
    return _DOMAIN + body.encode("ascii")


def load_or_create_key(settings: Settings) -> Ed25519PrivateKey:
    path = settings.resolved_audit_key_file
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
            return key
    except OSError as e:
        raise ConfigurationError(
            f"Could not create the audit signing key {path}: {e.strerror}",
            hint="Make GUESTGRAPH_DATA_DIR writable, or set GUESTGRAPH_AUDIT_SIGNING_KEY_FILE.",
        ) from e
    return _read_key(path)


def load_public_key(settings: Settings) -> Ed25519PublicKey | None:
    """The verification key, or None when no signing key was ever generated."""
    path = settings.resolved_audit_key_file
    return _read_key(path).public_key() if path.exists() else None


def _read_key(path: Path) -> Ed25519PrivateKey:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigurationError(
            f"The audit signing key {path} is readable by other users (mode {mode:o}).",
            hint=f"Run: chmod 600 {path}",
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as e:
        raise ConfigurationError(
            f"The audit signing key {path} cannot be read: {e}",
            hint="Restore it from your key backup; a new key cannot verify the old checkpoints.",
        ) from e
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"The audit signing key {path} is not an Ed25519 key.")
    return key


def append_checkpoint(settings: Settings, seq: int, digest: bytes, moment: datetime | None = None) -> str:
    """Sign `{seq, hash, time}` and append it as one line (a single O_APPEND write); return the time."""
    key = load_or_create_key(settings)
    time = format_time(moment or datetime.now(UTC))
    signature = key.sign(signed_message(seq, digest, time))
    line = json.dumps(
        {"seq": seq, "hash": digest.hex(), "time": time, "sig": base64.b64encode(signature).decode()},
        sort_keys=True,
        separators=(",", ":"),
    )
    folder = settings.resolved_audit_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_public_key(folder / PUBLIC_KEY_FILE, key.public_key())
        fd = os.open(folder / CHECKPOINTS_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, (line + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        raise ConfigurationError(
            f"Could not write the audit checkpoint to {folder}: {e.strerror}",
            hint="Make GUESTGRAPH_AUDIT_DIR writable by this user.",
        ) from e
    return time


def _write_public_key(path: Path, public: Ed25519PublicKey) -> None:
    """For verifiers elsewhere; never trusted by `verify`, which derives the key from the private one."""
    if not path.exists():
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        path.write_text(raw.hex() + "\n", encoding="ascii")


def read_checkpoints(settings: Settings, public: Ed25519PublicKey | None) -> CheckpointFile:
    path = settings.resolved_audit_dir / CHECKPOINTS_FILE
    good: list[Checkpoint] = []
    bad: list[str] = []
    if not path.exists():
        return CheckpointFile(good, bad)
    for number, text in enumerate(path.read_text(encoding="ascii", errors="replace").splitlines(), 1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
            digest, signature = bytes.fromhex(raw["hash"]), base64.b64decode(raw["sig"])
            cp = Checkpoint(int(raw["seq"]), digest, str(raw["time"]), signature, number)
        except (ValueError, KeyError, TypeError):
            bad.append(f"line {number}: not a checkpoint")
            continue
        if public is None:
            bad.append(f"line {number}: no signing key to check it with")
            continue
        try:
            public.verify(cp.signature, cp.message())
        except InvalidSignature:
            bad.append(f"line {number} (seq {cp.seq}): bad signature")
            continue
        good.append(cp)
    return CheckpointFile(good, bad)


def last_checkpoint_age_minutes(settings: Settings) -> float | None:
    path = settings.resolved_audit_dir / CHECKPOINTS_FILE
    try:
        return (datetime.now(UTC).timestamp() - path.stat().st_mtime) / 60
    except OSError:
        return None
