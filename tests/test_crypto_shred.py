"""CR-04: erasure destroys the guest's data key, and no restore brings it back."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, delete, func, insert, select

from guestgraph.crypto import KeyShredded, Vault
from guestgraph.crypto._store import data_key
from guestgraph.crypto._store import metadata as keystore_metadata
from guestgraph.db import make_engine
from tests.conftest import BACKENDS
from tests.crypto_helpers import copy_database, ctx, open_vault

data_metadata = MetaData()
sealed_field = Table(  # stands in for the guest table: a row id, its key ref, an encrypted phone
    "sealed_field",
    data_metadata,
    Column("row_id", String(20), primary_key=True),
    Column("key_ref", String(32), nullable=False),
    Column("phone", String(200), nullable=False),
)
PHONES = {"G-erased": "+8613900000001", "G-kept-1": "+8613900000002", "G-kept-2": "+8613900000003"}


@pytest.fixture(params=BACKENDS)
def fresh_db(request: pytest.FixtureRequest, scratch_db) -> Callable[[], str]:
    return lambda: scratch_db(request.param)


def read_guests(vault: Vault, data_url: str) -> dict[str, str]:
    """Every row's phone, or the name of the error decrypting it."""
    engine = make_engine(data_url)
    with engine.connect() as conn:
        rows = conn.execute(select(sealed_field)).all()
    engine.dispose()
    out: dict[str, str] = {}
    for row_id, key_ref, phone in rows:
        try:
            out[row_id] = vault.decrypt(key_ref, ctx(row=row_id), phone)
        except KeyShredded:
            out[row_id] = "shredded"
    return out


def test_shred_many_destroys_every_named_key_once_and_spares_the_rest(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    vault = open_vault(tmp_path, fresh_db())
    refs = [vault.new_guest_key() for _ in range(4)]
    stored = {ref: vault.encrypt(ref, ctx(), f"+861390000000{i}") for i, ref in enumerate(refs)}
    assert vault.shred_many([refs[0], refs[1], refs[0]]) == 2  # distinct keys, one journal append
    assert vault.shred_many([]) == 0
    assert vault.journal.read() == {refs[0], refs[1]}
    for ref in refs[:2]:
        with pytest.raises(KeyShredded):
            vault.decrypt(ref, ctx(), stored[ref])
    assert [vault.decrypt(ref, ctx(), stored[ref]) for ref in refs[2:]] == [
        "+8613900000002",
        "+8613900000003",
    ]


def test_shred_destroys_the_key_and_evicts_it_from_the_cache(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    vault = open_vault(tmp_path, fresh_db())
    ref = vault.new_guest_key()
    stored = vault.encrypt(ref, ctx(), "+8613900000001")
    assert vault.decrypt(ref, ctx(), stored) == "+8613900000001"  # now cached
    vault.shred(ref)
    with pytest.raises(KeyShredded, match=f"data key {ref} was shredded") as caught:
        vault.decrypt(ref, ctx(), stored)
    assert caught.value.status == 410
    with pytest.raises(KeyShredded):
        vault.encrypt(ref, ctx(), "+8613900000001")
    vault.shred(ref)  # idempotent
    assert vault.store.get(ref) is None and ref in vault.store.tombstones()
    assert vault.journal.read() == {ref}
    vault.close()


def test_another_process_sees_a_shred_once_its_cache_entry_expires(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    url = fresh_db()
    other = open_vault(tmp_path, url, dek_cache_seconds=0.3)
    here = open_vault(tmp_path, url)
    ref = here.new_guest_key()
    stored = here.encrypt(ref, ctx(), "x")
    assert other.decrypt(ref, ctx(), stored) == "x"  # cached in the other process
    here.shred(ref)
    assert other.decrypt(ref, ctx(), stored) == "x"  # stale for at most dek_cache_seconds
    time.sleep(0.35)
    with pytest.raises(KeyShredded):
        other.decrypt(ref, ctx(), stored)
    here.close()
    other.close()


def test_cr04_restores_of_an_old_backup_never_revive_an_erased_guest(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    data_url, keystore_url = fresh_db(), fresh_db()
    vault = open_vault(tmp_path, keystore_url)
    engine = make_engine(data_url)
    data_metadata.create_all(engine)
    refs = {row_id: vault.new_guest_key() for row_id in PHONES}
    with engine.begin() as conn:
        conn.execute(
            insert(sealed_field),
            [
                {"row_id": r, "key_ref": refs[r], "phone": vault.encrypt(refs[r], ctx(row=r), p)}
                for r, p in PHONES.items()
            ],
        )
    # 1. Backup B of the data, and (for the second restore) a copy of the key store at the same time.
    backup_b, keystore_at_b = fresh_db(), fresh_db()
    copy_database(data_metadata, data_url, backup_b)
    copy_database(keystore_metadata, keystore_url, keystore_at_b)
    # 2. Erase G: destroy the key (and delete the row, as the erasure does).
    vault.shred(refs["G-erased"])
    with engine.begin() as conn:
        conn.execute(delete(sealed_field).where(sealed_field.c.row_id == "G-erased"))
    engine.dispose()
    vault.close()
    expected = {"G-erased": "shredded", "G-kept-1": PHONES["G-kept-1"], "G-kept-2": PHONES["G-kept-2"]}

    # 3. Restore B into a fresh instance with the current key store: G's fields are undecryptable.
    restored = fresh_db()
    copy_database(data_metadata, backup_b, restored)
    current = open_vault(tmp_path, keystore_url)
    assert read_guests(current, restored) == expected
    current.close()

    # 4. Restore B together with the key store as of B: it still holds G's wrapped key...
    keystore_restored = fresh_db()
    copy_database(keystore_metadata, keystore_at_b, keystore_restored)
    ks_engine = make_engine(keystore_restored)
    with ks_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(data_key)).scalar_one() == 3
    # ...but opening it re-applies the shred journal, which no restore rolls back: G stays shredded.
    reopened = open_vault(tmp_path, keystore_restored)
    assert read_guests(reopened, restored) == expected
    with ks_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(data_key)).scalar_one() == 2
    ks_engine.dispose()
    reopened.close()


def test_cr04_without_the_journal_the_old_key_store_revives_the_guest(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    """Why the journal must be kept out of restores: lose it, and the classic mistake reappears."""
    keystore_url, keystore_at_b = fresh_db(), fresh_db()
    vault = open_vault(tmp_path, keystore_url)
    ref = vault.new_guest_key()
    stored = vault.encrypt(ref, ctx(), "+8613900000001")
    copy_database(keystore_metadata, keystore_url, keystore_at_b)
    vault.shred(ref)
    vault.close()
    journal_lost = open_vault(tmp_path, keystore_at_b, shred_journal=tmp_path / "empty.journal")
    assert journal_lost.decrypt(ref, ctx(), stored) == "+8613900000001"
    journal_lost.close()
    kept = open_vault(tmp_path, keystore_at_b)
    with pytest.raises(KeyShredded):
        kept.decrypt(ref, ctx(), stored)
    kept.close()


def test_tombstones_in_the_store_are_written_back_to_a_lost_journal(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    url = fresh_db()
    vault = open_vault(tmp_path, url)
    ref = vault.new_guest_key()
    vault.shred(ref)
    vault.close()
    (tmp_path / "keys" / "shredded.journal").unlink()
    again = open_vault(tmp_path, url)
    assert again.journal.read() == {ref}
    assert again.reapply_tombstones() == 0
    again.close()


def test_a_read_racing_a_shred_cannot_put_the_key_back_in_the_cache(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    from guestgraph.crypto._aead import DataKey

    vault = open_vault(tmp_path, fresh_db())
    ref = vault.new_guest_key()
    stored = vault.encrypt(ref, ctx(), "x")
    fetched_before_the_shred = vault.cache.get(ref)
    assert isinstance(fetched_before_the_shred, DataKey)
    vault.shred(ref)
    vault.cache.put(fetched_before_the_shred)  # what the racing reader does next
    with pytest.raises(KeyShredded):
        vault.decrypt(ref, ctx(), stored)
    vault.close()


def test_a_batch_key_shredded_elsewhere_is_gone_here_once_a_cache_entry_would_expire(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    url = fresh_db()
    here = open_vault(tmp_path, url, dek_cache_seconds=0.3)
    refs = here.new_guest_keys(3)  # sealed with next, without a key-store read
    stored = here.encrypt(refs[0], ctx(), "x")
    other = open_vault(tmp_path, url)
    other.shred(refs[0])
    time.sleep(0.35)
    with pytest.raises(KeyShredded):
        here.decrypt(refs[0], ctx(), stored)
    assert here.decrypt(refs[1], ctx(), here.encrypt(refs[1], ctx(), "y")) == "y"
    here.close()
    other.close()
