"""Ordering versions of one external record: source version number, then source timestamp, else content."""

from __future__ import annotations

import hashlib
from datetime import UTC

from guestgraph import cleanse
from guestgraph.cleanse import CleanseError
from guestgraph.ingest._inbound import InboundRecord


def content_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def version_key(record: InboundRecord, digest: str) -> str:
    """A string that sorts older before newer for 'v' and 't' keys; 'h' keys only identify content."""
    if record.source_version is not None:
        return f"v{record.source_version:020d}"
    if record.source_updated_at:
        try:
            moment = cleanse.parse_datetime(record.source_updated_at, assume_tz=UTC)
            return "t" + moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")
        except CleanseError:
            pass
    return "h" + digest[:40]


def is_newer(candidate: str, current: str) -> bool:
    """Whether `candidate` should replace `current` as the version in force."""
    if candidate[0] == current[0] and candidate[0] in "vt":
        return candidate > current
    return True  # content-identified versions: the later arrival wins
