"""`Vault`: the one object the product uses for field encryption, blind indexes and guest keys."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from guestgraph.config import Settings
from guestgraph.crypto._aead import DataKey, FieldCipher, FieldContext, open_sealed, parse, seal, seal_row
from guestgraph.crypto._blind import BlindIndexer, IndexHash, IndexKind
from guestgraph.crypto._cache import KeyCache
from guestgraph.crypto._errors import FieldTampered, KeyShredded, UnknownKey
from guestgraph.crypto._journal import ErasureLedger, ShredJournal
from guestgraph.crypto._keyring import KeyRing, load_index_ring, load_kek_ring
from guestgraph.crypto._store import KeyStore, WrappedKey
from guestgraph.errors import ConfigurationError

DEK_BYTES = 32
DEK_VERSION = 1


# The base64url characters in ASCII order: digits written with them sort as their numbers do.
_SORTED_DIGITS = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def new_key_ref() -> str:
    """A new key ref: 20 URL-safe characters, unrelated to the guest's identity (see `new_key_refs`)."""
    return new_key_refs(1)[0]


def new_key_refs(count: int) -> list[str]:
    """`count` new key refs: `k`, 7 characters of the time in milliseconds (until the year 2109),
    written so that later refs sort after earlier ones, then 12 random characters (72 bits, from one
    read of the system's randomness: 9 random bytes are exactly 12 base64url characters). The key
    store's primary key then grows at its end, as a log does, instead of at random places all over an
    index larger than its cache (a bulk import of a million records writes a million keys). The time
    says no more than the rows' own timestamps; the refs are identifiers, not secrets."""
    ms, prefix = time.time_ns() // 1_000_000, []
    for _ in range(7):
        ms, digit = divmod(ms, 64)
        prefix.append(_SORTED_DIGITS[digit])
    head = "k" + "".join(reversed(prefix))
    text = base64.urlsafe_b64encode(secrets.token_bytes(9 * count)).decode("ascii")
    return [head + text[i : i + 12] for i in range(0, 12 * count, 12)]


@dataclass(frozen=True, slots=True)
class KekRotation:
    """What `rotate_kek` did: keys re-wrapped, seconds taken, and the KEK versions still in use."""

    rewrapped: int
    seconds: float
    kek_versions_in_use: dict[int, int]


class Vault:
    """Encrypts and decrypts guest fields under per-guest data keys (DEKs), wrapped by versioned
    KEKs in a key store apart from the data; computes blind indexes; shreds keys on erasure.

    Thread-safe; build one per process with `Vault.from_settings(settings)` and `close()` it."""

    def __init__(
        self,
        *,
        store: KeyStore,
        keks: KeyRing,
        index_key: KeyRing,
        journal: ShredJournal,
        erasures: ErasureLedger | None = None,
        cipher: FieldCipher = "aes-256-gcm",
        index_hash: IndexHash = "hmac-sha256",
        cache_size: int = 10_000,
        cache_seconds: float = 300.0,
        tenant: str = "default",
    ) -> None:
        if set(keks.keys.values()) & set(index_key.keys.values()):
            raise ConfigurationError(
                "The blind-index key is the same as a KEK.",
                hint="Give the blind index its own random key (GUESTGRAPH_BLIND_INDEX_KEY).",
            )
        self.store, self.keks, self.journal, self.cipher = store, keks, journal, cipher
        # the erased guests, kept apart from the data like the shred journal (default: next to it)
        self.erasures = erasures or ErasureLedger(journal.path.with_name("erased.journal"))
        self.tenant = tenant  # part of every value's AAD (FieldContext.tenant)
        self.cache = KeyCache(cache_size, cache_seconds)
        # The keys the last `new_guest_keys` made, which its caller seals with next: found without
        # the LRU's lock and bookkeeping, for no longer than a cache entry lives.
        self._fresh: dict[str, DataKey] = {}
        self._fresh_at = 0.0
        self._indexer = BlindIndexer(index_key.keys[index_key.current], index_hash)
        store.verify_keks(keks.keys)
        self.reapply_tombstones()

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        """Load the keys (refusing unsafe ones), open the key store and re-apply the shred journal."""
        keks, index_key = load_kek_ring(settings), load_index_ring(settings)
        store = KeyStore(settings.resolved_keystore_url)
        try:
            return cls(
                store=store,
                keks=keks,
                index_key=index_key,
                journal=ShredJournal(settings.resolved_shred_journal),
                erasures=ErasureLedger(settings.resolved_erasure_ledger),
                cipher=settings.field_cipher,
                index_hash=settings.blind_index_hash,
                cache_size=settings.dek_cache_size,
                cache_seconds=settings.dek_cache_seconds,
                tenant=settings.tenant,
            )
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        self._fresh = {}
        self.cache.clear()
        self.store.close()

    # Guest keys

    def new_guest_key(self) -> str:
        """Create a guest's DEK; returns its key ref (store it on the guest row)."""
        return self.new_guest_keys(1)[0]

    def new_guest_keys(self, count: int) -> list[str]:
        """Create `count` DEKs in one batch (for bulk imports)."""
        kek_version = self.keks.current
        kek = self.keks.keys[kek_version]
        refs = new_key_refs(count)
        secret = secrets.token_bytes(DEK_BYTES * count)
        plain = [
            DataKey(ref, DEK_VERSION, secret[i * DEK_BYTES : (i + 1) * DEK_BYTES])
            for i, ref in enumerate(refs)
        ]
        self.store.add([WrappedKey(k.ref, k.version, kek_version, aes_key_wrap(kek, k.raw)) for k in plain])
        if self.cache.size:  # the new guests' fields are encrypted next: no key-store read
            recent = plain[-self.cache.size :]
            self.cache.put_many(recent)
            self._fresh, self._fresh_at = {k.ref: k for k in recent}, time.monotonic()
        return refs

    def preload(self, key_refs: Iterable[str]) -> None:
        """Unwrap many guests' keys with one key-store query (a page of search results), so the
        decrypts that follow hit the cache. Unknown or shredded refs are skipped here and reported
        by `decrypt`."""
        missing = [ref for ref in set(key_refs) if self.cache.get(ref) is None]
        if not missing:  # every key cached: no key-store connection at all
            return
        for wrapped in self.store.get_many(missing[: self.cache.size]):
            self.cache.put(DataKey(wrapped.key_ref, wrapped.version, self._unwrap(wrapped)))

    def shred(self, key_ref: str) -> None:
        """Destroy a guest's DEK (crypto-shredding): journal first, then the key store, then the
        cache. Every value encrypted under it is unreadable from then on, in any backup."""
        self.shred_many([key_ref])

    def shred_many(self, key_refs: Iterable[str]) -> int:
        """Destroy many DEKs at once: one journal append, one set-based key-store delete, then the
        cache (same order and guarantee as `shred`). Returns how many distinct keys were named."""
        refs = sorted(set(key_refs))
        if refs:
            self.journal.append(refs)
            self.store.shred(refs)
            self._fresh = {}
            self.cache.shredded(refs)
        return len(refs)

    def reapply_tombstones(self) -> int:
        """Make the key store agree with the shred journal (both ways): destroy every key the
        journal lists, and journal every tombstone the store has. Run after any key-store restore;
        `from_settings` runs it at start-up. Returns the number of keys destroyed."""
        journaled = self.journal.read()
        stored = self.store.tombstones()
        self.journal.append(sorted(stored - journaled))
        revived = journaled - stored  # keys a restored key store brought back
        destroyed = self.store.shred(revived) + self.store.purge_tombstoned()
        self._fresh = {}
        self.cache.shredded(revived)
        self.cache.clear()
        return destroyed

    # Fields

    def encrypt(self, key_ref: str, ctx: FieldContext, value: str) -> str:
        """`value` sealed for its place `ctx` under the guest's DEK, as compact ASCII."""
        return seal(self._data_key(key_ref), ctx, value, self.cipher)

    def encrypt_row(
        self, key_ref: str, table: str, row_id: str | int, values: Mapping[str, str | bytes]
    ) -> dict[str, str]:
        """Several columns of one row sealed under the guest's DEK (`encrypt` of each, with this
        vault's tenant): the same stored values, with the key looked up once."""
        return seal_row(self._data_key(key_ref), self.tenant, table, row_id, values, self.cipher)

    def decrypt(self, key_ref: str, ctx: FieldContext, stored: str) -> str:
        """The plaintext of `stored`; `FieldTampered` if it was altered or belongs elsewhere,
        `KeyShredded` if the guest was erased, `UnknownKey` if the key is not in this key store."""
        envelope = parse(stored, ctx)
        if envelope.key_ref != key_ref:
            raise FieldTampered(f"{ctx.where()}: the value is sealed under another guest's key")
        key = self._data_key(key_ref)
        if envelope.key_version != key.version:
            raise UnknownKey(
                f"{ctx.where()}: data key {key_ref} version {envelope.key_version} does not exist "
                f"(the key store has version {key.version}).",
                hint="The value was written by another installation or key store; restore the matching one.",
            )
        return open_sealed(key, ctx, envelope)

    def blind_index(self, kind: IndexKind, value: str, *, default_region: str = "CN") -> str:
        """HMAC of the normalised value under the dedicated index key (64 hex characters)."""
        return self._indexer.index(kind, value, default_region=default_region)

    # KEK rotation

    def rotate_kek(self, *, batch_size: int = 1000) -> KekRotation:
        """Re-wrap every DEK under the current (highest) KEK, in set-based batches, while readers
        keep working: each row changes atomically and every KEK in the ring still unwraps. Every
        process must have the new KEK in its ring before this starts (see docs/architecture.md)."""
        started, current, after, done = time.perf_counter(), self.keks.current, "", 0
        while batch := self.store.pending_rewrap(current, after, batch_size):
            new = [
                WrappedKey(k.key_ref, k.version, current, aes_key_wrap(self.keks.keys[current], dek))
                for k, dek in ((k, self._unwrap(k)) for k in batch)
            ]
            done += self.store.rewrap(batch, new)
            after = batch[-1].key_ref
        return KekRotation(done, time.perf_counter() - started, self.store.kek_versions_in_use())

    def kek_versions_in_use(self) -> dict[int, int]:
        return self.store.kek_versions_in_use()

    def kek_versions_of(self, key_refs: Iterable[str]) -> dict[str, int]:
        """The KEK version wrapping each of `key_refs` the key store holds (absent: not held)."""
        return {k.key_ref: k.kek_version for k in self.store.get_many(sorted(set(key_refs)))}

    def key_refs_wrapped_by(self, kek_version: int, limit: int) -> list[str]:
        """Up to `limit` key refs wrapped by KEK `kek_version` (for sampling, e.g. a restore's check)."""
        return self.store.key_refs_wrapped_by(kek_version, limit)

    # Internals

    def _data_key(self, key_ref: str) -> DataKey:
        fresh = self._fresh.get(key_ref)
        if fresh is not None and time.monotonic() - self._fresh_at <= self.cache.max_age:
            return fresh
        cached = self.cache.get(key_ref)
        if cached is not None:
            return cached
        wrapped = self.store.get(key_ref)
        if wrapped is None:
            if self.store.is_shredded(key_ref):
                raise KeyShredded(
                    f"The data key {key_ref} was shredded when its guest was erased.",
                    hint="The guest's encrypted fields are gone for good; treat them as absent.",
                )
            raise UnknownKey(
                f"The data key {key_ref} is not in the key store.",
                hint="The value was written with another key store; check GUESTGRAPH_KEYSTORE_URL.",
            )
        key = DataKey(key_ref, wrapped.version, self._unwrap(wrapped))
        self.cache.put(key)
        return key

    def _unwrap(self, wrapped: WrappedKey) -> bytes:
        kek = self.keks.keys.get(wrapped.kek_version)
        if kek is None:
            raise UnknownKey(
                f"The data key {wrapped.key_ref} is wrapped by KEK version {wrapped.kek_version}, "
                f"which is not configured (have {sorted(self.keks.keys)}).",
                hint="Add that KEK version to GUESTGRAPH_KEK or the key file until `rotate_kek` has run.",
            )
        try:
            return aes_key_unwrap(kek, wrapped.wrapped)
        except InvalidUnwrap as e:
            raise FieldTampered(
                f"key store: wrapped data key {wrapped.key_ref} (KEK version {wrapped.kek_version})",
                hint="The wrapped key was altered in the key store; restore the key store from a copy.",
            ) from e
