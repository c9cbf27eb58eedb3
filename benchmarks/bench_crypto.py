"""Cost of field encryption, blind indexes, data-key unwrapping and KEK rotation (guestgraph.crypto).

    python benchmarks/bench_crypto.py [--keys 100000] [--postgres postgresql+psycopg://…/db]

Single thread. Per-field figures are µs for one encrypt + decrypt round trip of a 32-byte value
through `Vault` (AAD, base64, header included) with the guest's data key cached. "Unwrap" reads the
wrapped key from the key store and unwraps it (AES-KW), as a cache miss does. Rotation re-wraps
`--keys` data keys from KEK 1 to KEK 2 in batches of 1,000. The key store is a fresh SQLite file
(and, with --postgres, the given empty PostgreSQL database too).
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap
from pydantic import SecretStr

from guestgraph.config import Settings
from guestgraph.crypto import FieldContext, Vault

VALUE = "guest.name.1234@example-mail.cn"[:32].ljust(32, "x")


def per_call_us(fn: Callable[[int], object], n: int) -> float:
    fn(0)
    started = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - started) / n * 1e6


def open_vault(data_dir: Path, url: str, keks: str, **kw: object) -> Vault:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, env="test", data_dir=data_dir, keystore_url=url, kek=SecretStr(keks), **kw
    )
    return Vault.from_settings(settings)


def field_figures(data_dir: Path, url: str, kek1: str, n: int) -> None:
    aead, nonce, aad = AESGCM(os.urandom(32)), os.urandom(12), b"x" * 60
    raw = per_call_us(lambda i: aead.decrypt(nonce, aead.encrypt(nonce, VALUE.encode(), aad), aad), n)
    print(f"  raw AESGCM encrypt+decrypt (baseline)   {raw:8.1f} µs")
    for cipher in ("aes-256-gcm", "sm4-gcm"):
        vault = open_vault(data_dir, url, kek1, field_cipher=cipher)
        print(f"  field encrypt+decrypt, {cipher:<12} {round_trip_us(vault, n):8.1f} µs")
        vault.close()


def round_trip_us(vault: Vault, n: int) -> float:
    ref = vault.new_guest_key()
    ctxs = [FieldContext("yunqi", "guest", "email", f"G{i:012d}") for i in range(1000)]

    def round_trip(i: int) -> str:
        ctx = ctxs[i % 1000]
        return vault.decrypt(ref, ctx, vault.encrypt(ref, ctx, VALUE))

    return per_call_us(round_trip, n)


def index_figures(data_dir: Path, url: str, kek1: str, n: int) -> None:
    vault = open_vault(data_dir, url, kek1)
    samples = {
        "phone": [f"138{i:08d}" for i in range(n)],
        "email": [f"Guest{i}@Example.CN" for i in range(n)],
        "id_number": [f"3101 0519 8001 01{i % 10000:04d}" for i in range(n)],
    }
    for kind, values in samples.items():
        us = per_call_us(lambda i, k=kind, v=values: vault.blind_index(k, v[i]), n)  # type: ignore[misc]
        print(f"  blind index (HMAC-SHA256), {kind:<10} {us:8.1f} µs (normalisation included)")
    vault.close()


def unwrap_figures(data_dir: Path, url: str, kek1: str, n: int) -> None:
    kek = base64.b64decode(kek1[2:])
    wrapped = aes_key_wrap(kek, os.urandom(32))
    us = per_call_us(lambda i: aes_key_unwrap(kek, wrapped), n)
    print(f"  AES-KW unwrap alone                  {us:8.1f} µs")
    for size, label in ((0, "no cache (key store read + unwrap)"), (10_000, "LRU cache hit")):
        vault = open_vault(data_dir, url, kek1, dek_cache_size=size)
        print(f"  decrypt, {label:<35} {decrypt_us(vault, n):8.1f} µs")
        vault.close()


def decrypt_us(vault: Vault, n: int) -> float:
    refs = vault.new_guest_keys(1000)
    ctx = FieldContext("yunqi", "guest", "phone", "G1")
    stored = [vault.encrypt(r, ctx, VALUE) for r in refs]
    return per_call_us(lambda i: vault.decrypt(refs[i % 1000], ctx, stored[i % 1000]), n)


def rotation_figure(data_dir: Path, url: str, kek1: str, kek2: str, keys: int) -> None:
    vault = open_vault(data_dir, url, kek1)
    started = time.perf_counter()
    for _ in range(keys // 10_000):
        vault.new_guest_keys(10_000)
    created = time.perf_counter() - started
    vault.close()
    rotator = open_vault(data_dir, url, f"{kek1},{kek2}")
    result = rotator.rotate_kek(batch_size=1000)
    rotator.close()
    print(f"  create {keys:,} DEKs (batches of 10,000)   {created:8.1f} s")
    print(
        f"  KEK rotation, {result.rewrapped:,} DEKs         {result.seconds:8.1f} s "
        f"({result.rewrapped / result.seconds:,.0f} keys/s); in use after: {result.kek_versions_in_use}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=100_000, help="DEKs re-wrapped by the rotation run")
    parser.add_argument("--calls", type=int, default=20_000, help="calls per per-field figure")
    parser.add_argument("--postgres", help="an empty PostgreSQL database for a second key-store run")
    args = parser.parse_args()
    print(f"guestgraph.crypto benchmark, {datetime.now():%Y-%m-%d %H:%M}")
    print(f"python {platform.python_version()} on {platform.machine()}, os.cpu_count()={os.cpu_count()}")
    print(f"command: python {' '.join(sys.argv)}")
    kek1 = "1:" + base64.b64encode(os.urandom(32)).decode()
    kek2 = "2:" + base64.b64encode(os.urandom(32)).decode()
    with tempfile.TemporaryDirectory() as tmp:
        stores = [("SQLite", f"sqlite:///{Path(tmp) / 'keystore.db'}")]
        if args.postgres:
            stores.append(("PostgreSQL", args.postgres))
        field_figures(Path(tmp), stores[0][1], kek1, args.calls)
        index_figures(Path(tmp), stores[0][1], kek1, args.calls)
        stores = [("SQLite", f"sqlite:///{Path(tmp) / 'rotation.db'}")] + stores[1:]
        for name, url in stores:
            print(f"key store: {name}")
            rotation_figure(Path(tmp) / name, url, kek1, kek2, args.keys)
            unwrap_figures(Path(tmp) / name, url, kek1, min(args.calls, 5000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
