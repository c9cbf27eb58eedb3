"""Errors of backup and restore: each says what, where and how to fix."""

from __future__ import annotations

from guestgraph.errors import GuestgraphError


class BackupError(GuestgraphError):
    """A backup could not be written or read."""

    code = "backup_error"


class BackupRefused(BackupError):
    """The backup file is damaged, truncated, tampered with or encrypted under another key;
    nothing was restored."""

    status = 422
    code = "backup_refused"


class RestoreTargetNotEmpty(BackupError):
    """The database to restore into already holds tables."""

    status = 409
    code = "restore_target_not_empty"


class RestoreMismatch(BackupError):
    """The restored database does not match what the backup header promises."""

    code = "restore_mismatch"
