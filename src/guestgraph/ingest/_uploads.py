"""Files uploaded through the web (`POST /imports`, review imports): written to a private scratch
folder under `data_dir/uploads`, read by their import, and deleted as soon as the import has finished,
whether it succeeded or failed. Their rows are in the database by then (sealed, in source records and
quarantine), so a PMS export with ID numbers does not stay on disk in the clear (checklist PR-03).

A crash can leave a folder behind; `sweep_uploads` deletes leftovers older than their retention period
(`import_upload`, one day by default): at start-up and in the retention job. The command line's
`guestgraph import PATH` reads the user's own files in place and never touches them."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session, sessionmaker

from guestgraph.ingest._files import FileImport, import_file
from guestgraph.ingest._rules import RuleSet
from guestgraph.ingest.readers._errors import ReaderError

UPLOADS = "uploads"
MAX_UPLOAD = 2 * 1024**3


def uploads_dir(data_dir: Path) -> Path:
    return data_dir / UPLOADS


def save_upload(data_dir: Path, filename: str, stream: BinaryIO, *, max_bytes: int = MAX_UPLOAD) -> Path:
    """Store an uploaded file in a new private folder (0700, the file 0600) under data_dir/uploads with
    a safe name; refuse what is too large. The caller deletes the folder (see `held_upload`)."""
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in Path(filename or "upload").name)
    folder = uploads_dir(data_dir) / uuid.uuid4().hex[:16]  # the file keeps its name (it may name the hotel)
    folder.mkdir(parents=True, mode=0o700)
    target = folder / (safe[-120:] or "upload")
    written = 0
    try:
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            while block := stream.read(1 << 20):
                written += len(block)
                if written > max_bytes:
                    raise ReaderError(
                        f"the upload is larger than {max_bytes // 1024**3} GB",
                        source=filename,
                        fix="Import it from the command line: guestgraph import PATH --source SYSTEM.",
                    )
                out.write(block)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target


@contextmanager
def held_upload(
    data_dir: Path, filename: str, stream: BinaryIO, *, max_bytes: int = MAX_UPLOAD
) -> Iterator[Path]:
    """The upload saved for as long as the `with` block reads it, then deleted with its folder, also
    when the block fails."""
    path = save_upload(data_dir, filename, stream, max_bytes=max_bytes)
    try:
        yield path
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


def import_upload(
    factory: sessionmaker[Session],
    data_dir: Path,
    filename: str,
    stream: BinaryIO,
    *,
    source: str,
    profile: str | None = None,
    hotel_code: str | None = None,
    rules: RuleSet | None = None,
) -> FileImport:
    """Import a file uploaded through the web; the file is deleted once the import has finished
    (success or failure: its rows are stored, sealed, by then)."""
    with held_upload(data_dir, filename, stream) as path:
        return import_file(factory, path, source=source, profile=profile, hotel_code=hotel_code, rules=rules)


def upload_leftovers(data_dir: Path, *, before: datetime) -> list[Path]:
    """Upload folders last written before `before`: left by an import that never finished (a crash).
    A folder still being read by a running import is younger than any retention period."""
    root = uploads_dir(data_dir)
    if not root.is_dir():
        return []
    cutoff = before.timestamp()
    return sorted(p for p in root.iterdir() if _last_written(p) < cutoff)


def sweep_uploads(data_dir: Path, *, before: datetime) -> int:
    """Delete the upload leftovers older than `before`; returns how many folders (or stray files) went."""
    gone = 0
    for path in upload_leftovers(data_dir, before=before):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        gone += not path.exists()
    return gone


def _last_written(path: Path) -> float:
    """The newest modification time of `path` and, for a folder, of what is directly in it."""
    try:
        times = [path.lstat().st_mtime]
        if path.is_dir() and not path.is_symlink():
            times += [child.lstat().st_mtime for child in path.iterdir()]
    except OSError:
        return float("inf")  # gone meanwhile, or unreadable: leave it
    return max(times)
