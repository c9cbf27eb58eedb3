"""A bounded, thread-safe LRU of unwrapped data keys with a time limit per entry.

Shredding evicts the key at once in this process; in other processes an entry lives at most
`max_age` seconds, after which the key store is read again (and the shred seen)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from guestgraph.crypto._aead import DataKey


class KeyCache:
    def __init__(self, size: int, max_age: float) -> None:
        self.size, self.max_age = size, max_age
        self._items: OrderedDict[str, tuple[float, DataKey]] = OrderedDict()
        self._shredded: set[str] = set()  # a read racing a shred must not re-cache the key
        self._lock = threading.Lock()

    def get(self, key_ref: str) -> DataKey | None:
        if self.size == 0:
            return None
        with self._lock:
            item = self._items.get(key_ref)
            if item is None:
                return None
            if time.monotonic() - item[0] > self.max_age:
                del self._items[key_ref]
                return None
            self._items.move_to_end(key_ref)
            return item[1]

    def put(self, key: DataKey) -> None:
        if self.size == 0:
            return
        with self._lock:
            if key.ref in self._shredded:
                return
            self._items[key.ref] = (time.monotonic(), key)
            self._items.move_to_end(key.ref)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def put_many(self, keys: list[DataKey]) -> None:
        """`put` for many keys under one lock (a bulk import's new keys)."""
        if self.size == 0:
            return
        at = time.monotonic()
        with self._lock:
            for key in keys:
                if key.ref not in self._shredded:
                    self._items[key.ref] = (at, key)
                    self._items.move_to_end(key.ref)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def shredded(self, key_refs: list[str] | set[str]) -> None:
        """Evict these keys for good: a concurrent reader that fetched one before the shred
        cannot put it back."""
        with self._lock:
            self._shredded.update(key_refs)
            for ref in key_refs:
                self._items.pop(ref, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
