"""Append-only journals kept with the keys, outside every data backup, that no restore rolls back.

The shred journal lists shredded key refs. A key store restored from a copy taken before an erasure
still holds the erased guest's wrapped key. Each shred is first appended here (and fsynced), then applied
to the key store; `Vault` re-applies the whole journal at start-up and on `reapply_tombstones()`, so the
guest stays shredded. The file holds only random key refs and times, never personal data.

The erasure ledger lists the public IDs of erased guests (random IDs, not personal data in themselves).
Crypto-shredding makes a restored backup's sealed fields unreadable, but not its plaintext columns (name,
stays, free text): after a restore, the product's erasure runs again for each guest the ledger names
(`privacy.reapply_erasures`, CR-04).

Keep both out of every restore: back them up by copying forward only (a newer copy is always a superset).
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from guestgraph.errors import ConfigurationError


class _Journal:
    """Lines `entry<TAB>time`, appended and fsynced under a lock; read as the set of entries."""

    what = "journal"
    setting = ""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, entries: list[str]) -> None:
        if not entries:
            return
        at = datetime.now(UTC).isoformat(timespec="seconds")
        data = "".join(f"{entry}\t{at}\n" for entry in entries).encode("ascii")
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
                f"Could not append to the {self.what} {self.path}: {e.strerror}",
                hint=f"Make the folder writable by this user, or point {self.setting} elsewhere.",
            ) from e

    def read(self) -> set[str]:
        try:
            text = self.path.read_text(encoding="ascii")
        except FileNotFoundError:
            return set()
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigurationError(
                f"Could not read the {self.what} {self.path}: {e}",
                hint="The file must be ASCII lines `entry<TAB>time`; restore it from its forward copy.",
            ) from e
        return {line.split("\t", 1)[0] for line in text.splitlines() if line.strip()}


class ShredJournal(_Journal):
    """Shredded key refs (`ref<TAB>time`)."""

    what = "shred journal"
    setting = "GUESTGRAPH_SHRED_JOURNAL"


class ErasureLedger(_Journal):
    """Public IDs of erased guests (`public_id<TAB>time`)."""

    what = "erasure ledger"
    setting = "GUESTGRAPH_ERASURE_LEDGER"
