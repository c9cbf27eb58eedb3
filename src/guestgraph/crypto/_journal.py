"""The shred journal: an append-only file of shredded key refs that no restore rolls back.

A key store restored from a copy taken before an erasure still holds the erased guest's wrapped
key. Each shred is first appended here (and fsynced), then applied to the key store; `Vault` re-applies
the whole journal at start-up and on `reapply_tombstones()`, so the guest stays shredded. The file
holds only random key refs and times, never personal data. Keep it out of every restore: back it up
by copying forward only (a newer copy is always a superset).
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from guestgraph.errors import ConfigurationError


class ShredJournal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, key_refs: list[str]) -> None:
        if not key_refs:
            return
        at = datetime.now(UTC).isoformat(timespec="seconds")
        data = "".join(f"{ref}\t{at}\n" for ref in key_refs).encode("ascii")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with self._lock:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                try:
                    os.write(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except OSError as e:
            raise ConfigurationError(
                f"Could not append to the shred journal {self.path}: {e.strerror}",
                hint="Make the folder writable by this user, or point GUESTGRAPH_SHRED_JOURNAL elsewhere.",
            ) from e

    def read(self) -> set[str]:
        try:
            text = self.path.read_text(encoding="ascii")
        except FileNotFoundError:
            return set()
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigurationError(
                f"Could not read the shred journal {self.path}: {e}",
                hint="The file must be ASCII lines `key_ref<TAB>time`; restore it from its forward copy.",
            ) from e
        return {line.split("\t", 1)[0] for line in text.splitlines() if line.strip()}
