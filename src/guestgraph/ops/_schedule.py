"""Scheduled backups into `backup_dir`, keeping the `backup_keep` newest (called by cron, a systemd
timer or a worker through `run_scheduled_backup(settings, now)`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from guestgraph.config import Settings
from guestgraph.ops._backup import BackupResult, create_backup
from guestgraph.ops._format import Progress

PREFIX, SUFFIX, STAMP = "guestgraph-", ".ggbk", "%Y%m%dT%H%M%SZ"


def backup_dir(settings: Settings) -> Path:
    return settings.backup_dir or settings.data_dir / "backups"


def scheduled_name(now: datetime) -> str:
    return f"{PREFIX}{now.astimezone(UTC).strftime(STAMP)}{SUFFIX}"


def _taken_at(path: Path) -> datetime | None:
    try:
        return datetime.strptime(path.name[len(PREFIX) : -len(SUFFIX)], STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def list_backups(directory: Path) -> list[tuple[datetime, Path]]:
    """The scheduled backups in `directory`, oldest first (other files are ignored)."""
    found = [(_taken_at(p), p) for p in directory.glob(f"{PREFIX}*{SUFFIX}")]
    return sorted((t, p) for t, p in found if t is not None)


def rotate_backups(directory: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest scheduled backups; returns the deleted files."""
    backups = list_backups(directory)
    doomed = [p for _t, p in backups[: max(len(backups) - keep, 0)]]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def run_scheduled_backup(
    settings: Settings, now: datetime, *, progress: Progress | None = None
) -> BackupResult | None:
    """Back up when `backup_every_hours` is on and the newest scheduled backup is at least that old,
    then rotate. Returns None when nothing was due."""
    if settings.backup_every_hours <= 0:
        return None
    directory = backup_dir(settings)
    backups = list_backups(directory) if directory.exists() else []
    if backups and now - backups[-1][0] < timedelta(hours=settings.backup_every_hours):
        return None
    result = create_backup(settings, directory / scheduled_name(now), now=now, progress=progress)
    rotate_backups(directory, settings.backup_keep)
    return result
