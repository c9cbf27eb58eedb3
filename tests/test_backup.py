"""OP-02: online, encrypted, verified backups and restores on both engines (and CR-04 on restore)."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from guestgraph import ops
from guestgraph.config import Settings
from guestgraph.crypto import FieldContext, KeyShredded, Vault
from guestgraph.db import make_engine, make_session_factory
from guestgraph.db.models import Guest
from guestgraph.errors import ConfigurationError
from tests.conftest import make_settings
from tests.crypto_helpers import ctx, random_key
from tests.factories import hotel, make_guest, make_stay
from tests.ingest_helpers import write_pms_cn as write_pms

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
CHECKED = ("guest", "stay", "stay_guest", "hotel")


def backend(url: str) -> str:
    return make_url(url).get_backend_name()


def key_b64() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")


def settings_for(tmp_path: Path, db_url: str, **overrides: object) -> Settings:
    overrides.setdefault("backup_key", key_b64())
    return make_settings(tmp_path, db_url, **overrides)


def seed(session: Session, guests: int = 40) -> None:
    hotel_code = session.execute(text("SELECT code FROM hotel ORDER BY id")).scalars().first()
    assert hotel_code is not None
    for i in range(guests):
        g = make_guest(session, full_name=f"测试{i}", email=f"bk{i}@example.com")
        if i % 2 == 0:
            make_stay(session, hotel_code, g)
    session.commit()


def table_checksum(url: str, table: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            pk = inspect(conn).get_pk_constraint(table)["constrained_columns"]
            order = ", ".join(pk) or "1"
            rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}")).all()  # noqa: S608
    finally:
        engine.dispose()
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()


def guest_ids(url: str) -> set[int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(select(Guest.id)).scalars())
    finally:
        engine.dispose()


def is_empty(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


def copy_run_key_store(dest: Path) -> None:
    """A copy of the run's key store (the one sealing every test's guests), WAL content included."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    run = make_url(os.environ["GUESTGRAPH_KEYSTORE_URL"]).database or ""
    with sqlite3.connect(run) as src, sqlite3.connect(dest) as copy:
        src.backup(copy)


@pytest.fixture
def backup_file(demo_group: Session, db_url: str, tmp_path: Path) -> tuple[Settings, Path]:
    seed(demo_group)
    settings = settings_for(tmp_path, db_url)
    result = ops.create_backup(settings, tmp_path / "b.ggbk", now=NOW)
    return settings, result.path


def test_round_trip_while_the_app_keeps_writing(
    demo_group: Session, db_url: str, engine: Engine, scratch_db: Callable[[str], str], tmp_path: Path
) -> None:
    seed(demo_group, guests=200)
    before = guest_ids(db_url)
    stop, inserted = threading.Event(), [0]

    def writer() -> None:
        factory = make_session_factory(engine)
        while not stop.is_set():
            with factory() as s:
                make_guest(s, full_name="并发")
                s.commit()
            inserted[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while inserted[0] < 5:
            threading.Event().wait(0.01)
        settings = settings_for(tmp_path, db_url)
        progress: list[tuple[int, int]] = []
        result = ops.create_backup(
            settings, tmp_path / "live.ggbk", now=NOW, progress=lambda d, t: progress.append((d, t))
        )
    finally:
        stop.set()
        thread.join()
    after = guest_ids(db_url)
    assert inserted[0] > 5 and progress and progress[-1][0] == progress[-1][1]
    assert oct(result.path.stat().st_mode & 0o777) == "0o600"
    header = result.header
    assert header.engine == backend(db_url) and header.schema_revision is not None
    assert len(before) <= header.row_counts["guest"] <= len(after)

    target = scratch_db(backend(db_url))
    restored = ops.restore_backup(settings, result.path, into=target)
    assert restored.row_counts == header.row_counts  # also checked inside restore_backup
    assert restored.schema_is_head and restored.shredded_keys is not None  # the vault's journal re-applied
    assert restored.audit.startswith("verified")
    assert restored.samples.startswith("passed: opened") and "KEK versions 1" in restored.samples
    # a consistent moment: the restored guests are exactly the oldest N of the source
    copied = guest_ids(target)
    assert before <= copied <= after and copied == set(sorted(after)[: len(copied)])
    for table in ("stay", "stay_guest", "hotel"):  # not written during the backup
        assert table_checksum(target, table) == table_checksum(db_url, table)
    if backend(db_url) == "sqlite":
        with sqlite3.connect(make_url(target).database or "") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_round_trip_content_matches_when_quiet(
    backup_file: tuple[Settings, Path], db_url: str, scratch_db: Callable[[str], str]
) -> None:
    settings, path = backup_file
    target = scratch_db(backend(db_url))
    ops.restore_backup(settings, path, into=target)
    for table in CHECKED:
        assert table_checksum(target, table) == table_checksum(db_url, table)
    plain = path.read_bytes()
    assert "测试".encode() not in plain and b"bk1@example.com" not in plain  # encrypted


@pytest.mark.parametrize("where", ["header", "first chunk", "middle", "last byte"])
def test_a_flipped_byte_is_refused_and_nothing_restored(
    backup_file: tuple[Settings, Path], db_url: str, scratch_db: Callable[[str], str], where: str
) -> None:
    settings, path = backup_file
    data = bytearray(path.read_bytes())
    offset = {"header": 30, "first chunk": 2000, "middle": len(data) // 2, "last byte": len(data) - 1}
    data[offset[where]] ^= 0x01
    path.write_bytes(bytes(data))
    target = scratch_db(backend(db_url))
    with pytest.raises(ops.BackupRefused) as err:
        ops.restore_backup(settings, path, into=target)
    assert err.value.hint and "another copy" in err.value.hint or "header" in err.value.message
    assert is_empty(target)


@pytest.mark.parametrize("keep", [-1, -17, 0.5, 100])
def test_a_truncated_file_is_refused_and_nothing_restored(
    backup_file: tuple[Settings, Path], db_url: str, scratch_db: Callable[[str], str], keep: float
) -> None:
    settings, path = backup_file
    data = path.read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else (keep if keep > 0 else len(data) + keep)
    path.write_bytes(data[:cut])
    target = scratch_db(backend(db_url))
    with pytest.raises(ops.BackupRefused):
        ops.restore_backup(settings, path, into=target)
    assert is_empty(target)


def chunk_ends(data: bytes) -> list[int]:
    """Offsets where the header and each sealed chunk end (the file's structure, read plainly)."""
    offset = 8 + 4 + int.from_bytes(data[8:12], "big")
    ends = [offset]
    while offset < len(data):
        offset += 4 + int.from_bytes(data[offset : offset + 4], "big")
        ends.append(offset)
    return ends


def test_a_file_cut_at_a_chunk_boundary_is_refused(
    backup_file: tuple[Settings, Path], db_url: str, scratch_db: Callable[[str], str]
) -> None:
    """Dropping whole chunks (above all the manifest) leaves every remaining chunk authentic."""
    settings, path = backup_file
    data = path.read_bytes()
    ends = chunk_ends(data)
    assert ends[-1] == len(data) and len(ends) >= 3  # header, data chunk(s), manifest
    target = scratch_db(backend(db_url))
    for cut in ends[:-1]:
        path.write_bytes(data[:cut])
        with pytest.raises(ops.BackupRefused, match="manifest is missing"):
            ops.restore_backup(settings, path, into=target)
    assert is_empty(target)


def test_extra_bytes_after_the_manifest_are_refused(
    backup_file: tuple[Settings, Path], db_url: str, scratch_db: Callable[[str], str]
) -> None:
    settings, path = backup_file
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ops.BackupRefused, match="after its manifest"):
        ops.restore_backup(settings, path, into=scratch_db(backend(db_url)))


def test_the_wrong_key_is_refused_with_a_clear_message(
    backup_file: tuple[Settings, Path], db_url: str, scratch_db: Callable[[str], str]
) -> None:
    settings, path = backup_file
    other = settings.model_copy(update={"backup_key": SecretStr(key_b64())})
    target = scratch_db(backend(db_url))
    with pytest.raises(ops.BackupRefused, match="another backup key"):
        ops.restore_backup(other, path, into=target)
    assert is_empty(target)


@pytest.mark.parametrize("store", ["empty key store", "KEK of the data not configured"])
def test_a_key_store_that_cannot_open_the_data_is_refused_and_the_target_emptied(
    backup_file: tuple[Settings, Path],
    db_url: str,
    scratch_db: Callable[[str], str],
    tmp_path: Path,
    store: str,
) -> None:
    """The key store is never in a backup: restored with one that lacks the data's keys (a fresh one),
    or cannot unwrap them (its KEK version 1 not configured), the sampled guests' fields do not open,
    so the restore is refused with a message naming the guest and the key store, and leaves the target
    empty; the same target then takes the restore with the right key store."""
    settings, path = backup_file
    own = tmp_path / "other-keys"
    own.mkdir()
    keystore = own / "keystore.db"  # missing keys: a fresh key store
    if store == "KEK of the data not configured":
        copy_run_key_store(keystore)
    other = settings.model_copy(
        update={
            "keystore_url": f"sqlite:///{keystore}",
            "shred_journal": own / "shredded.journal",
            "kek": SecretStr(random_key(2)) if store != "empty key store" else settings.kek,
        }
    )
    target = scratch_db(backend(db_url))
    with pytest.raises(ops.RestoreMismatch) as err:
        ops.restore_backup(other, path, into=target)
    message = err.value.message
    assert "sealed fields do not open with the key store" in message and str(keystore) in message
    assert ("not in the key store" if store == "empty key store" else "KEK version 1") in message
    assert "emptied again" in message and err.value.hint and "GUESTGRAPH_KEYSTORE_URL" in err.value.hint
    assert is_empty(target)
    restored = ops.restore_backup(settings, path, into=target)  # the target takes a restore again
    assert restored.samples.startswith("passed: opened") and restored.audit.startswith("verified")


def test_a_backup_whose_audit_chain_is_broken_is_refused_unless_accepted(
    demo_group: Session, db_url: str, engine: Engine, scratch_db: Callable[[str], str], tmp_path: Path
) -> None:
    """An audit row edited in the live database (triggers off, as the database owner could) travels in
    the backup; the restore finds the broken chain and refuses, leaving the target empty; with
    `accept_broken_audit` (`--accept-broken-audit`) it restores and reports the chain BROKEN."""
    from tests.audit_helpers import add_events, rows, triggers_off

    seed(demo_group, guests=5)
    seqs = add_events(demo_group, 4)
    with triggers_off(engine) as conn:  # an address edited in an event, its hash left as it was
        payload = next(p for s, p, _h in rows(conn) if s == seqs[1]).replace(b"10.0.0.7", b"10.0.0.8")
        conn.execute(text("UPDATE audit_event SET payload = :p WHERE seq = :s"), {"p": payload, "s": seqs[1]})
    settings = settings_for(tmp_path, db_url)
    path = ops.create_backup(settings, tmp_path / "b.ggbk", now=NOW).path
    target = scratch_db(backend(db_url))
    with pytest.raises(ops.RestoreMismatch) as err:
        ops.restore_backup(settings, path, into=target)
    assert (
        "audit log does not verify" in err.value.message and f"first bad seq: {seqs[1]}" in err.value.message
    )
    assert "emptied again" in err.value.message
    assert err.value.hint and "--accept-broken-audit" in err.value.hint
    assert is_empty(target)
    restored = ops.restore_backup(settings, path, into=target, accept_broken_audit=True)
    assert restored.audit.startswith("BROKEN") and f"first bad seq: {seqs[1]}" in restored.audit
    assert restored.samples.startswith("passed: opened")
    assert table_checksum(target, "audit_event") == table_checksum(db_url, "audit_event")  # kept as evidence


def test_a_non_empty_target_is_refused(backup_file: tuple[Settings, Path], db_url: str) -> None:
    settings, path = backup_file
    with pytest.raises(ops.RestoreTargetNotEmpty) as err:
        ops.restore_backup(settings, path, into=db_url)
    assert err.value.hint and "--force" in err.value.hint


def test_force_replaces_a_non_empty_target(
    backup_file: tuple[Settings, Path], db_url: str, scratch_db: Callable[[str], str]
) -> None:
    settings, path = backup_file
    target = scratch_db(backend(db_url))
    ops.restore_backup(settings, path, into=target)
    ops.restore_backup(settings, path, into=target, force=True)
    assert table_checksum(target, "guest") == table_checksum(db_url, "guest")


def test_the_key_file_is_created_private_and_a_readable_one_refused(tmp_path: Path, db_url: str) -> None:
    settings = make_settings(tmp_path, db_url)
    with pytest.raises(ConfigurationError, match="No backup key"):
        ops.load_backup_key(settings)
    key = ops.load_backup_key(settings, create=True)
    path = ops.backup_key_path(settings)
    assert len(key) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert ops.load_backup_key(settings) == key
    path.chmod(0o644)
    with pytest.raises(ConfigurationError) as err:
        ops.load_backup_key(settings)
    assert err.value.hint == f"Run: chmod 600 {path}"


def test_scheduled_backups_run_when_due_and_keep_the_newest(
    demo_group: Session, db_url: str, tmp_path: Path
) -> None:
    off = settings_for(tmp_path, db_url)
    assert ops.run_scheduled_backup(off, NOW) is None
    settings = off.model_copy(update={"backup_every_hours": 6, "backup_keep": 3})
    made = []
    for hours in (0, 2, 6, 12, 18, 24):
        result = ops.run_scheduled_backup(settings, NOW + timedelta(hours=hours))
        made.append(result.path.name if result else None)
    assert made[1] is None and all(made[i] for i in (0, 2, 3, 4, 5))
    kept = [p.name for _t, p in ops.list_backups(ops.backup_dir(settings))]
    assert kept == made[3:]


def test_no_backup_when_the_key_store_shares_the_data_database(
    demo_group: Session, db_url: str, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, db_url, keystore_url=db_url)
    with pytest.raises(ops.BackupError, match="key store is in the data database"):
        ops.create_backup(settings, tmp_path / "x.ggbk", now=NOW)
    assert not (tmp_path / "x.ggbk").exists()


def test_restore_reapplies_crypto_shredding(
    backup_file: tuple[Settings, Path], db_url: str, scratch_db: Callable[[str], str], tmp_path: Path
) -> None:
    """CR-04: the key store is not in the backup; even when an old key store comes back with the
    data, the shred journal re-applied by restore keeps an erased guest's key destroyed."""
    settings, path = backup_file
    own = tmp_path / "vault"
    copy_run_key_store(own / "keys" / "keystore.db")  # the backup's guests' keys, so its samples open
    with sqlite3.connect(own / "keys" / "keystore.db") as conn:
        (before,) = conn.execute("SELECT count(*) FROM shred_tombstone").fetchone()  # the run's erasures
    settings = settings.model_copy(
        update={
            "data_dir": own,
            "keystore_url": None,  # this test's own key store and journal, not the run's
            "shred_journal": None,
        }
    )
    vault = Vault.from_settings(settings)
    erased, kept = vault.new_guest_key(), vault.new_guest_key()
    sealed = vault.encrypt(kept, ctx(row="K"), "13800000000")
    gone = vault.encrypt(erased, ctx(row="E"), "13900000000")
    vault.close()
    keystore = make_url(settings.resolved_keystore_url).database or ""
    shutil.copy(keystore, f"{keystore}.old")
    vault = Vault.from_settings(settings)
    vault.shred(erased)
    vault.close()
    shutil.copy(f"{keystore}.old", keystore)  # the key store as of the backup's time

    restored = ops.restore_backup(settings, path, into=scratch_db(backend(db_url)))
    assert restored.shredded_keys == before + 1
    vault = Vault.from_settings(settings)
    try:
        with pytest.raises(KeyShredded):
            vault.decrypt(erased, ctx(row="E"), gone)
        assert vault.decrypt(kept, ctx(row="K"), sealed) == "13800000000"
    finally:
        vault.close()


def test_cli_backup_and_restore(
    demo_group: Session,
    db_url: str,
    scratch_db: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from guestgraph.cli import app

    seed(demo_group, guests=5)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GUESTGRAPH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GUESTGRAPH_DATABASE_URL", db_url)
    monkeypatch.setenv("GUESTGRAPH_ENV", "test")
    runner = CliRunner()
    out = tmp_path / "cli.ggbk"
    done = runner.invoke(app, ["backup", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "Wrote" in done.output and (tmp_path / "keys" / "backup_key").exists()
    refused = runner.invoke(app, ["restore", str(out)])  # the configured database is not empty
    assert refused.exit_code == 2 and "--force" in refused.output
    target = scratch_db(backend(db_url))
    done = runner.invoke(app, ["restore", str(out), "--into", target])
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert "row counts and schema revision match" in said and "Sample decryption: passed: opened" in said


def test_a_guest_erased_after_a_backup_stays_unreadable_in_its_restore(
    demo_group: Session, db_url: str, scratch_db: Callable[[str], str], tmp_path: Path
) -> None:
    """CR-04 end to end: backup B holds guest G sealed; G is erased; B restored into a fresh database
    with the current key store: G's key stays shredded (B's copy of G's phone does not open), G is
    erased again, while the other guests open."""
    from guestgraph import pii, privacy

    erased = make_guest(demo_group, full_name="备份前", phone="+8613911112222", email="before@example.com")
    kept = make_guest(demo_group, full_name="留下", phone="+8613933334444", email="kept@example.com")
    demo_group.commit()
    key_ref, phone_in_b = erased.key_ref, erased.phone_enc
    settings = settings_for(tmp_path, db_url)
    path = ops.create_backup(settings, tmp_path / "b.ggbk", now=NOW).path
    outcome = privacy.erase_guest(demo_group, guest_id=erased.id, now=NOW)
    demo_group.commit()
    assert outcome.counts["keys_shredded"] >= 1

    target = scratch_db(backend(db_url))
    restored = ops.restore_backup(settings, path, into=target)
    assert restored.shredded_keys is not None and restored.shredded_keys >= 1
    assert restored.erasures_reapplied == 1
    engine = pii.open_engine(settings.model_copy(update={"database_url": target}))
    try:
        with Session(engine) as s:
            vault = pii.vault_of(s)
            assert key_ref and phone_in_b
            with pytest.raises(KeyShredded):  # B's ciphertext of G's phone: its key did not come back
                vault.decrypt(
                    key_ref, FieldContext(vault.tenant, "guest", "phone", erased.public_id), phone_in_b
                )
            rows = {g.public_id: g for g in s.scalars(select(Guest))}
            old = rows[erased.public_id]
            assert old.status.value == "erased" and old.phone_enc is None and old.full_name is None
            opened = pii.open_guests(vault, rows.values())
            assert opened[rows[kept.public_id].id].phone == "+8613933334444"
    finally:
        pii.vault_of(engine).close()
        engine.dispose()


def test_a_restore_erases_again_every_guest_erased_since_the_backup(
    demo_group: Session, db_url: str, engine: Engine, scratch_db: Callable[[str], str], tmp_path: Path
) -> None:
    """CR-04 for what is not sealed: backup B holds guest G (imported from a PMS export, resolved, with
    a city, a folio line and a steward's note naming G); G is erased; B is restored. Without the
    erasure ledger the restore would bring back G's name, pinyin, mention names, loyalty number, city,
    stay links and free text in the clear, and a discarded record the erasure wiped (found by G's ID
    number) with its steward's note; the restore erases G again and wipes that record again (as the
    system, audited), so a full dump of the restored database holds none of them, the stays are kept
    anonymised and the other guest is untouched."""
    from guestgraph import identity, ingest, pii, privacy
    from guestgraph.access import DataScope
    from guestgraph.db.models import (
        AuditEventRow,
        Charge,
        GuestMention,
        GuestStatus,
        RecordStatus,
        SourceRecord,
        Stay,
        StayGuest,
    )
    from tests.ingest_helpers import factory, good_row
    from tests.test_privacy_erasure import EMAIL, ID_NUMBER, NAME, dump

    loyalty, city, note, folio = "LY88776655", "Canary Bay", "核对过 Zhuge 本人", "Minibar Zhuge Qingyun"
    canary = {"姓名": NAME, "证件号码": ID_NUMBER, "手机": "13987654321", "邮箱": EMAIL}
    rows = [
        good_row("C-1", **canary),
        good_row("C-2", **canary, 到店日期="2026/10/05", 离店日期="2026/10/07"),
        good_row("", **canary),  # no confirmation number: quarantined, never linked to the guest
    ]
    path = write_pms(tmp_path / "SHA01_stays.csv", [*rows, good_row("K-1")])
    ingest.import_file(factory(engine), path, source="pms")
    identity.resolve_all(factory(engine))
    demo_group.expire_all()
    held = select(SourceRecord.id).where(SourceRecord.status == RecordStatus.QUARANTINED)
    discarded = "Zhuge Qingyun booked twice, duplicate"
    ingest.discard(
        demo_group, scope=DataScope.group(), record_ids=list(demo_group.scalars(held)), reason=discarded
    )
    guest = demo_group.scalars(select(Guest).where(Guest.full_name == NAME)).one()
    guest.city, guest.loyalty_number = city, loyalty  # as a loyalty feed would set them
    for mention in demo_group.scalars(select(GuestMention).where(GuestMention.guest_id == guest.id)):
        mention.loyalty_number = loyalty
    record = demo_group.scalars(select(SourceRecord).where(SourceRecord.guest_id == guest.id)).first()
    assert record is not None
    record.steward_note = note
    stay_id = demo_group.scalars(select(StayGuest.stay_id).where(StayGuest.guest_id == guest.id)).first()
    sha01 = hotel(demo_group, "SHA01").id
    demo_group.add(Charge(hotel_id=sha01, stay_id=stay_id, guest_id=guest.id, outlet="minibar",
                          description=folio, amount=Decimal("35.00"), currency="CNY"))  # fmt: skip
    demo_group.commit()
    public_id, needles = guest.public_id, {NAME, "zhuge", "qingyun", loyalty, city, note, folio, discarded}
    assert {n for n in needles if n.lower() in dump(db_url).lower()} == needles  # the grep sees them
    stays = demo_group.scalar(select(func.count()).select_from(Stay))
    settings = settings_for(tmp_path, db_url)
    path = ops.create_backup(settings, tmp_path / "b.ggbk", now=NOW).path
    privacy.erase_guest(demo_group, guest_id=guest.id, now=NOW)
    demo_group.commit()

    target = scratch_db(backend(db_url))
    restored = ops.restore_backup(settings, path, into=target, now=NOW)
    assert restored.erasures_reapplied == 1 and restored.audit.startswith("verified")
    assert restored.records_rewiped == 1  # the discarded record, found at erasure by G's ID number
    left = dump(target).lower()
    assert {n for n in needles if n.lower() in left} == set()
    check = make_engine(target)
    try:
        with Session(check) as s:
            back = s.scalars(select(Guest).where(Guest.public_id == public_id)).one()
            assert (
                back.status == GuestStatus.ERASED and back.full_name is None and back.loyalty_number is None
            )
            assert s.scalar(select(func.count()).where(StayGuest.guest_id == back.id)) == 0
            assert s.scalar(select(func.count()).select_from(Stay)) == stays  # kept, anonymised
            assert s.scalar(select(func.count()).where(Guest.full_name == "王小明")) == 1  # the control
            ids = ["SHA01:C-1", "SHA01:C-2"]  # the confirmation numbers: tombstones only (PR-03)
            tombs = [pii.tombstone(pii.vault_of(engine), i) for i in ids]
            under = SourceRecord.external_id.in_(ids + tombs)
            assert sorted(s.scalars(select(SourceRecord.external_id).where(under))) == sorted(tombs)
            events = s.execute(
                select(AuditEventRow.guest_public_id, AuditEventRow.actor_username).where(
                    AuditEventRow.action == "guest.erase_reapplied"
                )
            ).all()
            assert [tuple(e) for e in events] == [(public_id, "system"), (None, "system")]
    finally:
        check.dispose()
    again = ops.restore_backup(settings, path, into=target, force=True, now=NOW)  # idempotent per restore
    assert again.erasures_reapplied == 1


def test_migrate_erases_again_what_a_restore_of_an_older_schema_left(
    demo_group: Session, db_url: str, tmp_path: Path
) -> None:
    """A backup of an older schema cannot be erased in by this version's code before it is migrated, so
    its restore reports no re-applied erasures and `guestgraph migrate` re-applies them: a guest the
    erasure ledger names, unerased in the database, is erased by the migration run (as the system)."""
    from guestgraph import bootstrap, pii

    back, other = make_guest(demo_group, full_name="回来了"), make_guest(demo_group, full_name="一直在")
    demo_group.commit()
    pii.vault_of(demo_group).erasures.append([back.public_id])  # erased after the (older) backup
    settings = settings_for(tmp_path, db_url)
    first, second = bootstrap.migrate(settings), bootstrap.migrate(settings)
    assert first is not None and first.guests == 1
    assert second is not None and second.guests == 0  # nothing left to do
    demo_group.expire_all()
    assert demo_group.get_one(Guest, back.id).status.value == "erased"
    assert demo_group.get_one(Guest, back.id).full_name is None
    assert demo_group.get_one(Guest, other.id).full_name == "一直在"
