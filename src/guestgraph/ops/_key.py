"""The backup key: 32 random bytes, from `backup_key` or a 0600 key file (generated on first backup)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from guestgraph.config import Settings
from guestgraph.errors import ConfigurationError

KEY_BYTES = 32


def backup_key_path(settings: Settings) -> Path:
    return settings.backup_key_file or settings.data_dir / "keys" / "backup_key"


def key_id(key: bytes) -> str:
    """A public fingerprint of the key, written in each header, so a wrong key is named as such."""
    return hmac.new(key, b"guestgraph-backup-key-id", hashlib.sha256).hexdigest()[:16]


def load_backup_key(settings: Settings, *, create: bool = False) -> bytes:
    """The backup key from `backup_key` (base64) or the key file; with `create`, a missing file is
    generated (mode 0600). A file other users can read is refused."""
    if settings.backup_key is not None:
        return _decode(settings.backup_key.get_secret_value(), "GUESTGRAPH_BACKUP_KEY")
    path = backup_key_path(settings)
    try:
        if path.exists():
            _check_private(path)
            return _decode(path.read_text(encoding="ascii"), str(path))
        if not create:
            raise ConfigurationError(
                f"No backup key: {path} does not exist and GUESTGRAPH_BACKUP_KEY is not set.",
                hint="Copy the backup key kept off this machine to that file (chmod 600), "
                "or set GUESTGRAPH_BACKUP_KEY.",
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(KEY_BYTES)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(base64.b64encode(key).decode("ascii") + "\n")
        return key
    except OSError as e:
        raise ConfigurationError(
            f"Could not read or create the backup key file {path}: {e.strerror}",
            hint="Make the folder writable by this user, or set GUESTGRAPH_BACKUP_KEY.",
        ) from e


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as e:
        raise ConfigurationError(
            f"The backup key in {where} is not base64.",
            hint='Use 32 random bytes, base64-encoded: python -c "import os,base64;'
            'print(base64.b64encode(os.urandom(32)).decode())"',
        ) from e
    if len(key) != KEY_BYTES:
        raise ConfigurationError(
            f"The backup key in {where} is {len(key)} bytes; AES-256 needs {KEY_BYTES}.",
            hint="Use 32 random bytes, base64-encoded.",
        )
    return key


def _check_private(path: Path) -> None:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigurationError(
            f"The backup key file {path} is readable by other users (mode {mode:o}).",
            hint=f"Run: chmod 600 {path}",
        )
