"""CR-02: KEKs from the environment or a 0600 key file, refused when unsafe; online KEK rotation."""

from __future__ import annotations

import base64
import os
import stat
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from guestgraph.crypto import FieldTampered, UnknownKey, Vault
from guestgraph.crypto._keyring import load_kek_ring
from guestgraph.errors import ConfigurationError
from tests.conftest import BACKENDS
from tests.crypto_helpers import crypto_settings, ctx, open_vault, random_key

PLACEHOLDER = "1:" + base64.b64encode(b"changeme" * 4).decode()


@pytest.fixture(params=BACKENDS)
def keystore_url(request: pytest.FixtureRequest, scratch_db) -> str:
    url: str = scratch_db(request.param)
    return url


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ks.db'}"


def test_key_files_are_generated_once_with_mode_0600(tmp_path: Path) -> None:
    vault = open_vault(tmp_path, sqlite_url(tmp_path))
    for name in ("kek", "index_key"):
        path = tmp_path / "keys" / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text().startswith("1:")
    first = (tmp_path / "keys" / "kek").read_text()
    ref = vault.new_guest_key()
    stored = vault.encrypt(ref, ctx(), "x")
    vault.close()
    again = open_vault(tmp_path, sqlite_url(tmp_path))
    assert (tmp_path / "keys" / "kek").read_text() == first
    assert again.decrypt(ref, ctx(), stored) == "x"
    again.close()


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_key_file_readable_by_others_aborts_with_the_fix(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "kek"
    path.write_text(random_key())
    os.chmod(path, mode)
    with pytest.raises(ConfigurationError, match=f"mode {mode:o}") as caught:
        open_vault(tmp_path, sqlite_url(tmp_path), kek_file=path)
    assert caught.value.hint == f"Run: chmod 600 {path}"


def test_a_named_key_file_that_is_missing_is_not_generated(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        open_vault(tmp_path, sqlite_url(tmp_path), kek_file=tmp_path / "typo")
    assert not (tmp_path / "typo").exists()


@pytest.mark.parametrize("env", ["test", "production"])
def test_a_placeholder_key_is_refused_outside_dev(tmp_path: Path, env: str) -> None:
    for field in ("kek", "blind_index_key"):
        settings = crypto_settings(tmp_path, sqlite_url(tmp_path), env=env, **{field: SecretStr(PLACEHOLDER)})
        with pytest.raises(ConfigurationError, match="placeholder") as caught:
            Vault.from_settings(settings)
        assert caught.value.hint and "os.urandom(32)" in caught.value.hint
    zero = "1:" + base64.b64encode(bytes(32)).decode()
    with pytest.raises(ConfigurationError, match="placeholder"):
        load_kek_ring(crypto_settings(tmp_path, sqlite_url(tmp_path), env=env, kek=SecretStr(zero)))


def test_a_placeholder_key_is_accepted_in_dev(tmp_path: Path) -> None:
    ring = load_kek_ring(
        crypto_settings(tmp_path, sqlite_url(tmp_path), env="dev", kek=SecretStr(PLACEHOLDER))
    )
    assert ring.keys == {1: b"changeme" * 4}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1:" + base64.b64encode(os.urandom(16)).decode(), "is 16 bytes; it must be 32"),
        ("1:no-base64!", "not `version:base64`"),
        (f"{random_key(1)},{random_key(1)[2:]}", "not `version:base64`"),
        (f"{random_key(2)},{random_key(2)}", "repeats or misnumbers version 2"),
        ("# nothing here", "is empty"),
    ],
    ids=["short", "not-base64", "one-bad-of-two", "repeated-version", "empty"],  # the same in every worker
)
def test_malformed_keys_are_refused(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_kek_ring(crypto_settings(tmp_path, sqlite_url(tmp_path), kek=SecretStr(value)))


def test_the_ring_holds_versions_and_the_highest_is_current(tmp_path: Path) -> None:
    text = f"# rotated 2026-11-23\n{random_key(1)}\n{random_key(3)}, {random_key(2)}\n"
    ring = load_kek_ring(crypto_settings(tmp_path, sqlite_url(tmp_path), kek=SecretStr(text)))
    assert sorted(ring.keys) == [1, 2, 3] and ring.current == 3


def test_env_and_file_together_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "kek"
    path.write_text(random_key())
    path.chmod(0o600)
    with pytest.raises(ConfigurationError, match="both in the environment and as a key file"):
        open_vault(tmp_path, sqlite_url(tmp_path), kek=SecretStr(random_key()), kek_file=path)


def test_index_key_equal_to_a_kek_is_refused(tmp_path: Path) -> None:
    key = SecretStr(random_key())
    with pytest.raises(ConfigurationError, match="blind-index key is the same as a KEK"):
        open_vault(tmp_path, sqlite_url(tmp_path), kek=key, blind_index_key=key)


def test_a_wrong_kek_for_the_key_store_is_refused_at_start(keystore_url: str, tmp_path: Path) -> None:
    open_vault(tmp_path, keystore_url, kek=SecretStr(random_key())).close()
    with pytest.raises(ConfigurationError, match="KEK version 1 is not the key this key store"):
        open_vault(tmp_path, keystore_url, kek=SecretStr(random_key()))


def test_rotation_with_a_concurrent_reader_then_the_old_kek_is_not_needed(
    keystore_url: str, tmp_path: Path
) -> None:
    old, new = random_key(1), random_key(2)
    writer = open_vault(tmp_path, keystore_url, kek=SecretStr(old))
    refs = writer.new_guest_keys(1200)
    stored = {ref: writer.encrypt(ref, ctx(row=ref), f"+86139{i:08d}") for i, ref in enumerate(refs)}
    writer.close()

    # Every process gets the ring {1, 2} first; the reader never caches, so it unwraps on every read.
    rotator = open_vault(tmp_path, keystore_url, kek=SecretStr(f"{old},{new}"))
    reader = open_vault(tmp_path, keystore_url, kek=SecretStr(f"{old},{new}"), dek_cache_size=0)
    failures: list[BaseException] = []
    reads = 0
    stop = threading.Event()

    def read_loop() -> None:
        nonlocal reads
        while not stop.is_set():
            for i, ref in enumerate(refs[::7]):
                try:
                    assert reader.decrypt(ref, ctx(row=ref), stored[ref]) == f"+86139{7 * i:08d}"
                except BaseException as e:  # noqa: BLE001 - every failure is counted
                    failures.append(e)
                reads += 1

    thread = threading.Thread(target=read_loop)
    thread.start()
    try:
        reads_before = reads
        result = rotator.rotate_kek(batch_size=100)
        reads_during = reads - reads_before
    finally:
        stop.set()
        thread.join()
    assert failures == []
    assert reads_during > 0  # the reader really ran while the keys were being re-wrapped
    assert result.rewrapped == 1200
    assert result.kek_versions_in_use == {2: 1200}
    assert rotator.rotate_kek().rewrapped == 0  # nothing left to do
    rotator.close()
    reader.close()

    # The old KEK is gone from the ring: everything still decrypts; new keys are wrapped by 2.
    after = open_vault(tmp_path, keystore_url, kek=SecretStr(new), dek_cache_size=0)
    assert all(after.decrypt(ref, ctx(row=ref), value) for ref, value in stored.items())
    after.new_guest_key()
    assert after.kek_versions_in_use() == {2: 1201}
    after.close()
    # ...and the old KEK alone no longer opens anything: it really is not used any more.
    only_old = open_vault(tmp_path, keystore_url, kek=SecretStr(old), dek_cache_size=0)
    with pytest.raises(UnknownKey, match="KEK version 2, which is not configured"):
        only_old.decrypt(refs[0], ctx(row=refs[0]), stored[refs[0]])
    only_old.close()


def test_an_altered_wrapped_key_is_tampering(keystore_url: str, tmp_path: Path) -> None:
    from sqlalchemy import update

    from guestgraph.crypto._store import data_key

    vault = open_vault(tmp_path, keystore_url, dek_cache_size=0)
    ref = vault.new_guest_key()
    stored = vault.encrypt(ref, ctx(), "x")
    with vault.store.engine.begin() as conn:
        conn.execute(update(data_key).where(data_key.c.key_ref == ref).values(wrapped=os.urandom(40)))
    with pytest.raises(FieldTampered, match=f"wrapped data key {ref}"):
        vault.decrypt(ref, ctx(), stored)
    vault.close()


def test_the_key_store_holds_no_plaintext_data_key(keystore_url: str, tmp_path: Path) -> None:
    from sqlalchemy import select

    from guestgraph.crypto._store import metadata

    vault = open_vault(tmp_path, keystore_url)
    ref = vault.new_guest_key()
    key = vault.cache.get(ref)
    assert key is not None and len(key.raw) == 32
    with vault.store.engine.connect() as conn:
        dump = b"".join(
            repr(tuple(row)).encode() + b"".join(v for v in row if isinstance(v, bytes))
            for table in metadata.sorted_tables
            for row in conn.execute(select(table))
        )
    assert ref.encode() in dump and key.raw not in dump and key.raw.hex().encode() not in dump
    vault.close()


def test_preload_unwraps_a_page_of_keys_in_one_query(keystore_url: str, tmp_path: Path) -> None:
    from sqlalchemy import delete

    from guestgraph.crypto._store import data_key

    writer = open_vault(tmp_path, keystore_url)
    refs = writer.new_guest_keys(60)
    stored = {ref: writer.encrypt(ref, ctx(row=ref), ref[::-1]) for ref in refs}
    writer.close()
    reader = open_vault(tmp_path, keystore_url)
    assert len(reader.cache) == 0
    reader.preload([*refs, "NoSuchKeyRef0000000"])
    assert len(reader.cache) == 60
    with reader.store.engine.begin() as conn:  # from now on only the cache can answer
        conn.execute(delete(data_key))
    assert all(reader.decrypt(ref, ctx(row=ref), stored[ref]) == ref[::-1] for ref in refs)
    reader.close()


def test_processes_opening_a_new_key_store_at_once_share_one_set_of_keys(tmp_path: Path) -> None:
    """Several workers started together on a fresh data dir (CI, `make run` plus a worker): each
    must open the key store, none may fail on a half-written key file or on "table exists"."""
    url, barrier = sqlite_url(tmp_path), threading.Barrier(6)
    vaults: list[Vault] = []
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            vaults.append(open_vault(tmp_path, url))
        except BaseException as e:  # noqa: BLE001 - reported below with the thread's error
            errors.append(e)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    key_ref = vaults[0].new_guest_key()
    sealed = vaults[0].encrypt(key_ref, ctx(), "+8613800138000")
    assert {vault.decrypt(key_ref, ctx(), sealed) for vault in vaults} == {"+8613800138000"}
    for vault in vaults:
        vault.close()
    assert not [p for p in (tmp_path / "keys").iterdir() if p.name.startswith(".")]
