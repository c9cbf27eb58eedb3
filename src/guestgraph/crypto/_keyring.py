"""The long-lived secrets: versioned key-encryption keys (KEKs) and the blind-index key.

Each comes from a setting (base64, for a secret manager that fills the environment) or from a key
file readable by this user only (mode 0600). At the default path under `data_dir/keys/` a missing
file is generated; a file named explicitly must exist. A group/world-readable key file, a key of
the wrong size, or a low-entropy placeholder (outside env=dev) stops start-up with the fix.

Format of both the setting and the file: one entry per line (or comma-separated), `version:base64`;
a single entry may omit `version:` and is version 1. The highest version is current.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from guestgraph.config import Settings
from guestgraph.errors import ConfigurationError

KEY_BYTES = 32
MIN_DISTINCT_BYTES = 16  # a random 32-byte key has ~30; "changeme…" or 0x00×32 have a handful
GENERATE = "python -c 'import base64,os; print(\"1:\" + base64.b64encode(os.urandom(32)).decode())'"
_ENTRY = re.compile(r"(?:(\d{1,6}):)?([A-Za-z0-9+/=_-]+)")


@dataclass(frozen=True)
class KeyRing:
    """Versioned 256-bit keys; `current` wraps (or indexes) new data, older ones only unwrap."""

    name: str
    keys: dict[int, bytes] = field(repr=False)

    @property
    def current(self) -> int:
        return max(self.keys)


def load_kek_ring(settings: Settings) -> KeyRing:
    return _load("KEK", settings.kek, settings.kek_file, settings.data_dir / "keys" / "kek", settings)


def load_index_ring(settings: Settings) -> KeyRing:
    return _load(
        "blind-index key",
        settings.blind_index_key,
        settings.blind_index_key_file,
        settings.data_dir / "keys" / "index_key",
        settings,
    )


def _load(
    name: str, value: SecretStr | None, path: Path | None, default_path: Path, settings: Settings
) -> KeyRing:
    if value is not None and path is not None:
        raise ConfigurationError(
            f"The {name} is set both in the environment and as a key file ({path}).",
            hint="Keep one source of truth: unset the variable or the file setting.",
        )
    if value is not None:
        text, where = value.get_secret_value(), "the environment setting"
    else:
        where_path = path or default_path
        text, where = _read_key_file(where_path, generate=path is None), str(where_path)
    ring = KeyRing(name, _parse(text, name, where))
    if settings.env != "dev":
        for version, key in ring.keys.items():
            _refuse_placeholder(key, name, version, where)
    return ring


def _read_key_file(path: Path, *, generate: bool) -> str:
    try:
        if not path.exists() and generate:
            return _generate(path)
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise ConfigurationError(
                f"The key file {path} is readable by other users (mode {mode:o}).",
                hint=f"Run: chmod 600 {path}",
            )
        return path.read_text(encoding="ascii")
    except FileNotFoundError as e:
        raise ConfigurationError(
            f"The key file {path} does not exist.",
            hint="Point the setting at the file that holds the keys, or unset it to use data_dir/keys/.",
        ) from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigurationError(
            f"Could not read the key file {path}: {e}",
            hint="The file must be ASCII lines `version:base64`, owned by this user with mode 0600.",
        ) from e


def _generate(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = "1:" + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii") + "\n"
    # Written whole under a private name, then linked into place: a second process starting at the
    # same moment either links first (and this one reads its key) or finds the complete file.
    staging = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(staging, path)
    except FileExistsError:
        return path.read_text(encoding="ascii")
    finally:
        staging.unlink(missing_ok=True)
    return text


def _parse(text: str, name: str, where: str) -> dict[int, bytes]:
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    entries = [e for line in lines for e in re.split(r"[,\s]+", line) if e]
    keys: dict[int, bytes] = {}
    for entry in entries:
        match = _ENTRY.fullmatch(entry)
        if match is None or (match[1] is None and len(entries) > 1):
            raise ConfigurationError(
                f"The {name} in {where} has an entry that is not `version:base64`.",
                hint="Write one key per line as `1:<base64 of 32 random bytes>`.",
            )
        version = int(match[1] or 1)
        if version < 1 or version in keys:
            raise ConfigurationError(f"The {name} in {where} repeats or misnumbers version {version}.")
        keys[version] = _decode(match[2], name, version, where)
    if not keys:
        raise ConfigurationError(
            f"The {name} in {where} is empty.",
            hint=f"Generate one: {GENERATE}",
        )
    return keys


def _decode(b64: str, name: str, version: int, where: str) -> bytes:
    try:
        key = base64.b64decode(b64.replace("-", "+").replace("_", "/") + "=" * (-len(b64) % 4))
    except (binascii.Error, ValueError) as e:
        raise ConfigurationError(f"The {name} version {version} in {where} is not base64.") from e
    if len(key) != KEY_BYTES:
        raise ConfigurationError(
            f"The {name} version {version} in {where} is {len(key)} bytes; it must be {KEY_BYTES}.",
            hint=f"Generate one: {GENERATE}",
        )
    return key


def _refuse_placeholder(key: bytes, name: str, version: int, where: str) -> None:
    if len(set(key)) < MIN_DISTINCT_BYTES:
        raise ConfigurationError(
            f"The {name} version {version} in {where} is a placeholder (too few distinct bytes); "
            "placeholder keys are accepted only with GUESTGRAPH_ENV=dev.",
            hint=f"Generate a random key: {GENERATE}",
        )
