"""Operations (issue 7, OP-02): online, encrypted, verified backups and restores.

    result = create_backup(settings, Path("nightly.ggbk"), now=datetime.now(UTC))
    restored = restore_backup(settings, Path("nightly.ggbk"), into="sqlite:///fresh.db")

The crypto key store, shred journal and erasure ledger are never in a backup (CR-04); a restore
re-applies the current tombstones and erases again every guest erased since the backup. See the
"Backups" section of docs/architecture.md.
"""

from guestgraph.ops._backup import (
    BackupResult,
    RestoreResult,
    create_backup,
    reapply_erasures,
    restore_backup,
    vault_configured,
)
from guestgraph.ops._errors import BackupError, BackupRefused, RestoreMismatch, RestoreTargetNotEmpty
from guestgraph.ops._format import BackupHeader
from guestgraph.ops._grants import APPEND_ONLY, RoleGrants, app_role_statements, grant_app_role
from guestgraph.ops._key import backup_key_path, load_backup_key
from guestgraph.ops._schedule import backup_dir, list_backups, rotate_backups, run_scheduled_backup

__all__ = [
    "APPEND_ONLY",
    "RoleGrants",
    "app_role_statements",
    "grant_app_role",
    "BackupError",
    "BackupHeader",
    "BackupRefused",
    "BackupResult",
    "RestoreMismatch",
    "RestoreResult",
    "RestoreTargetNotEmpty",
    "backup_dir",
    "backup_key_path",
    "create_backup",
    "list_backups",
    "load_backup_key",
    "reapply_erasures",
    "restore_backup",
    "rotate_backups",
    "run_scheduled_backup",
    "vault_configured",
]
