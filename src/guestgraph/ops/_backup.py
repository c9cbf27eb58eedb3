"""`create_backup` and `restore_backup`: snapshot, encrypt, verify, load, check."""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from guestgraph import __version__
from guestgraph.config import Settings
from guestgraph.db import head_revision, make_engine, make_session_factory
from guestgraph.errors import GuestgraphError
from guestgraph.ops import _engines
from guestgraph.ops._errors import BackupError, RestoreMismatch
from guestgraph.ops._format import BackupHeader, Progress, decrypt_to, write_encrypted
from guestgraph.ops._key import key_id, load_backup_key
from guestgraph.ops._samples import check_samples

if TYPE_CHECKING:
    from guestgraph.privacy import Reapplied


@dataclass(frozen=True)
class BackupResult:
    path: Path
    header: BackupHeader
    size: int


@dataclass(frozen=True)
class RestoreResult:
    header: BackupHeader
    target_url: str
    row_counts: dict[str, int]
    schema_is_head: bool  # False: run `guestgraph migrate` on the restored database
    shredded_keys: int | None  # keys held shredded after re-applying the journal; None: no vault
    audit: str  # what the audit check found, or why it did not run
    # guests of the erasure ledger erased again in the restored database; None: no vault, or an older
    # schema (then `guestgraph migrate` re-applies them)
    erasures_reapplied: int | None = None
    records_rewiped: int | None = None  # records naming no guest whose key was shredded, wiped again
    samples: str = "not run"  # what opening sampled guests' sealed fields with the key store found


def create_backup(
    settings: Settings, out: Path, *, now: datetime, progress: Progress | None = None
) -> BackupResult:
    """Take an online, consistent snapshot of the configured database and write it to `out`,
    encrypted under the backup key (created on first use). Written to a temporary name, mode 0600,
    and renamed into place when complete."""
    _refuse_key_store_in_data(settings)
    key = load_backup_key(settings, create=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="guestgraph-backup-") as work:
        payload = Path(work) / "payload"
        snap = _engines.snapshot(settings.resolved_database_url, payload)
        if KEY_STORE_TABLES & set(snap.row_counts):
            raise BackupError(_KEY_STORE_MESSAGE, hint=_KEY_STORE_HINT)
        header = BackupHeader(
            engine=snap.engine,
            payload=snap.payload,
            schema_revision=snap.schema_revision,
            created_at=now.isoformat(),
            app_version=__version__,
            row_counts=snap.row_counts,
            key_id=key_id(key),
            file_id=secrets.token_hex(16),
            payload_bytes=payload.stat().st_size,
        )
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh, payload.open("rb") as src:
                write_encrypted(fh, src, header, key, progress)
            partial.replace(out)
        except OSError as e:
            partial.unlink(missing_ok=True)
            raise BackupError(f"Could not write the backup {out}: {e.strerror}") from e
    return BackupResult(out, header, out.stat().st_size)


KEY_STORE_TABLES = frozenset({"data_key", "shred_tombstone", "kek_check"})
_KEY_STORE_MESSAGE = (
    "The crypto key store is in the data database, so a backup would carry the guests' data keys "
    "and a restore could revive erased guests (CR-04); no backup was written."
)
_KEY_STORE_HINT = "Point GUESTGRAPH_KEYSTORE_URL at its own database (default: data_dir/keys/keystore.db)."


def _refuse_key_store_in_data(settings: Settings) -> None:
    if settings.resolved_keystore_url == settings.resolved_database_url:
        raise BackupError(_KEY_STORE_MESSAGE, hint=_KEY_STORE_HINT)


def restore_backup(
    settings: Settings,
    path: Path,
    *,
    into: str | None = None,
    force: bool = False,
    accept_broken_audit: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> RestoreResult:
    """Verify and decrypt the whole backup first (a damaged one restores nothing), load it into an
    empty database (`into`, default the configured one), then check row counts and schema revision
    against the header, the audit chain, and that sampled guests' sealed fields open with the key store
    in use; a failed check empties the target again and raises. Last, re-apply crypto-shredding and
    the erasures made since the backup (CR-04). A broken audit chain is refused unless
    `accept_broken_audit` (then restored, and `RestoreResult.audit` starts with "BROKEN")."""
    target = into or settings.resolved_database_url
    key = load_backup_key(settings)
    with tempfile.TemporaryDirectory(prefix="guestgraph-restore-") as work:
        payload = Path(work) / "payload"
        try:
            with path.open("rb") as src, payload.open("wb") as out:
                header = decrypt_to(src, out, key, str(path), progress)
        except OSError as e:
            raise BackupError(f"Could not read the backup {path}: {e.strerror}") from e
        if header.engine != _engines.engine_name(target):
            raise BackupError(
                f"{path} is a {header.engine} backup; the target is {_engines.engine_name(target)}.",
                hint="Restore into a database of the same engine (then move data with an export).",
            )
        if not force:
            _engines.check_empty(target)
        _engines.load(payload, target, force=force)
    target_settings = settings.model_copy(update={"database_url": target})
    try:
        revision, counts = _engines.database_counts(target)
        _check(header, revision, counts, target)
        at_head = revision == head_revision()
        audit_found = _verify_audit(target_settings, accept_broken=accept_broken_audit)
        samples = _check_samples(target_settings, at_head=at_head)
    except GuestgraphError as e:
        _engines.clear(target)
        raise RestoreMismatch(
            f"{e.message} The restore was refused and {target.split('@')[-1]} emptied again.", hint=e.hint
        ) from e
    shredded = _reapply_tombstones(target_settings)
    erasures = reapply_erasures(target_settings, now=now or datetime.now(UTC)) if at_head else None
    return RestoreResult(
        header=header,
        target_url=target,
        row_counts=counts,
        schema_is_head=at_head,
        shredded_keys=shredded,
        audit=audit_found,
        erasures_reapplied=erasures.guests if erasures is not None else None,
        records_rewiped=erasures.records if erasures is not None else None,
        samples=samples,
    )


def _check_samples(settings: Settings, *, at_head: bool) -> str:
    if not vault_configured(settings):
        return "not run: no vault configured"
    if not at_head:
        return "not run: the backup is of an older schema"
    return check_samples(settings).summary()


def _check(header: BackupHeader, revision: str | None, counts: dict[str, int], target: str) -> None:
    where = target.split("@")[-1]
    if revision != header.schema_revision:
        raise RestoreMismatch(
            f"The restored database {where} is at schema revision {revision}, the backup says "
            f"{header.schema_revision}.",
            hint="Drop the target and restore again into an empty database.",
        )
    differing = sorted(
        t for t in set(counts) | set(header.row_counts) if counts.get(t) != header.row_counts.get(t)
    )
    if differing:
        shown = ", ".join(f"{t}: {counts.get(t)} != {header.row_counts.get(t)}" for t in differing[:5])
        raise RestoreMismatch(
            f"The restored database {where} does not match the backup's row counts ({shown}).",
            hint="Drop the target and restore again into an empty database.",
        )


def vault_configured(settings: Settings) -> bool:
    """A crypto vault is in use when its keys are set or its key file exists."""
    default_kek = settings.data_dir / "keys" / "kek"
    return any((settings.kek, settings.kek_file, settings.keystore_url, default_kek.exists() or None))


def _reapply_tombstones(settings: Settings) -> int | None:
    """CR-04: the key store is not in the data backup, so after a restore the current key store
    and shred journal decide: every key shredded since the backup stays shredded. Returns how many
    keys the journal holds shredded."""
    if not vault_configured(settings):
        return None
    from guestgraph.crypto import Vault

    vault = Vault.from_settings(settings)  # opening re-applies the journal too; explicit below
    try:
        vault.reapply_tombstones()
        return len(vault.journal.read())
    finally:
        vault.close()


def reapply_erasures(settings: Settings, *, now: datetime) -> Reapplied | None:
    """CR-04: a backup taken before an erasure holds the guest's plaintext columns (name, mention names,
    loyalty number, stays, notes). Run the product's erasure again, as the system, for every guest of the
    erasure ledger (kept with the keys, never in a backup) that the database at `settings` holds unerased;
    one `guest.erase_reapplied` audit event each; and wipe again the records naming no guest whose key
    was shredded (quarantined ones an erasure wiped). Needs the current schema. Returns the counts; None
    without a vault (then nothing was ever erased through one)."""
    if not vault_configured(settings):
        return None
    from guestgraph import audit, pii, privacy

    engine = pii.open_engine(settings)
    try:
        with make_session_factory(engine)() as session, audit.acting_as(audit.Actor(username="system")):
            done = privacy.reapply_erasures(session, now=now)
            session.commit()
        return done
    finally:
        pii.vault_of(engine).close()
        engine.dispose()


def _verify_audit(settings: Settings, *, accept_broken: bool) -> str:
    """Run `audit verify` on the restored database: a broken chain is refused, unless accepted."""
    from guestgraph import audit

    engine = make_engine(settings.resolved_database_url)
    try:
        with make_session_factory(engine)() as session:
            report = audit.verify(session, settings=settings)
    finally:
        engine.dispose()
    if report.ok:
        return f"verified {report.events_checked} events"
    found = f"{report.problem} (first bad seq: {report.first_bad_seq})"
    if accept_broken:
        return f"BROKEN, restored as asked (--accept-broken-audit): {found}"
    raise RestoreMismatch(
        f"The restored audit log does not verify: {found}.",
        hint="Use an older backup and investigate this one's audit log; or, to restore it anyway and "
        "keep the broken log as evidence, pass --accept-broken-audit.",
    )
