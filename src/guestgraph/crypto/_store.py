"""The key store: wrapped data keys and shred tombstones, in a database apart from the data.

It has its own SQLAlchemy URL (default: a SQLite file under data_dir/keys/), so a backup of the data
database never holds a data key, and restoring one never brings a shredded key back. Its schema is
created on open (three small tables, no Alembic history: it is not part of the data model).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from guestgraph.db import insert_rows, make_engine
from guestgraph.errors import ConfigurationError

BATCH = 500
metadata = MetaData()
data_key = Table(
    "data_key",
    metadata,
    Column("key_ref", String(32), primary_key=True),
    Column("version", Integer, nullable=False),  # version of the DEK itself (part of the AAD)
    Column("kek_version", Integer, nullable=False, index=True),
    Column("wrapped", LargeBinary(64), nullable=False),  # AES-KW (RFC 3394) of the 32-byte DEK
    Column("created_at", DateTime(timezone=True), nullable=False),
)
shred_tombstone = Table(
    "shred_tombstone",
    metadata,
    Column("key_ref", String(32), primary_key=True),
    Column("shredded_at", DateTime(timezone=True), nullable=False),
)
kek_check = Table(
    "kek_check",
    metadata,
    Column("kek_version", Integer, primary_key=True),
    Column("check_value", String(64), nullable=False),  # HMAC of a constant: detects a wrong KEK
)


@dataclass(frozen=True, slots=True)
class WrappedKey:
    key_ref: str
    version: int
    kek_version: int
    wrapped: bytes


def now() -> datetime:
    return datetime.now(UTC)


def kek_check_value(kek: bytes) -> str:
    return hmac.new(kek, b"guestgraph/kek-check/v1", hashlib.sha256).hexdigest()[:32]


def _create_tables(engine: Engine, attempts: int = 5) -> None:
    """Create the key tables if missing. Two processes opening a new key store at once both see
    no table and both issue CREATE TABLE; the loser's "already exists" is retried, and the retry
    finds the winner's tables."""
    for attempt in range(attempts):
        try:
            metadata.create_all(engine)
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


class KeyStore:
    """Set-based access to the key tables; every method is one short transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        _create_tables(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def verify_keks(self, keks: dict[int, bytes]) -> None:
        """Record each KEK's check value on first sight; refuse a KEK that differs from the one
        recorded for its version (a wrong key file would otherwise fail on every unwrap). A second
        process recording the same version at the same moment loses the insert and checks again."""
        try:
            self._verify_keks(keks)
        except IntegrityError:
            self._verify_keks(keks)

    def _verify_keks(self, keks: dict[int, bytes]) -> None:
        with self.engine.begin() as conn:
            known = dict(conn.execute(select(kek_check.c.kek_version, kek_check.c.check_value)).all())
            for version, kek in keks.items():
                value = kek_check_value(kek)
                if version not in known:
                    conn.execute(insert(kek_check).values(kek_version=version, check_value=value))
                elif not hmac.compare_digest(known[version], value):
                    raise ConfigurationError(
                        f"KEK version {version} is not the key this key store was written with.",
                        hint="Restore the right key file or GUESTGRAPH_KEK entry for that version; "
                        "keys wrapped by it cannot be read with another.",
                    )

    def add(self, keys: Sequence[WrappedKey]) -> None:
        created = now()
        rows = [
            {
                "key_ref": k.key_ref,
                "version": k.version,
                "kek_version": k.kek_version,
                "wrapped": k.wrapped,
                "created_at": created,
            }
            for k in keys
        ]
        with self.engine.begin() as conn:
            for start in range(0, len(rows), BATCH):
                insert_rows(conn, data_key, rows[start : start + BATCH])

    def get(self, key_ref: str) -> WrappedKey | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(data_key.c.version, data_key.c.kek_version, data_key.c.wrapped).where(
                    data_key.c.key_ref == key_ref
                )
            ).first()
        return None if row is None else WrappedKey(key_ref, row[0], row[1], bytes(row[2]))

    def get_many(self, key_refs: Sequence[str]) -> list[WrappedKey]:
        cols = (data_key.c.key_ref, data_key.c.version, data_key.c.kek_version, data_key.c.wrapped)
        out: list[WrappedKey] = []
        with self.engine.connect() as conn:
            for start in range(0, len(key_refs), BATCH):
                chunk = key_refs[start : start + BATCH]
                rows = conn.execute(select(*cols).where(data_key.c.key_ref.in_(chunk)))
                out += [WrappedKey(r[0], r[1], r[2], bytes(r[3])) for r in rows]
        return out

    def is_shredded(self, key_ref: str) -> bool:
        with self.engine.connect() as conn:
            stmt = select(shred_tombstone.c.key_ref).where(shred_tombstone.c.key_ref == key_ref)
            return conn.execute(stmt).first() is not None

    def shred(self, key_refs: Iterable[str]) -> int:
        """Delete the data keys and record tombstones (set-based); returns keys deleted."""
        refs = sorted(set(key_refs))
        deleted, at = 0, now()
        with self.engine.begin() as conn:
            for start in range(0, len(refs), BATCH):
                chunk = refs[start : start + BATCH]
                deleted += conn.execute(delete(data_key).where(data_key.c.key_ref.in_(chunk))).rowcount
                have = set(
                    conn.execute(
                        select(shred_tombstone.c.key_ref).where(shred_tombstone.c.key_ref.in_(chunk))
                    ).scalars()
                )
                new = [{"key_ref": ref, "shredded_at": at} for ref in chunk if ref not in have]
                if new:
                    conn.execute(insert(shred_tombstone), new)
        return deleted

    def purge_tombstoned(self) -> int:
        """Delete any data key that has a tombstone (one statement; normally deletes nothing)."""
        tombstoned = select(shred_tombstone.c.key_ref)
        with self.engine.begin() as conn:
            return conn.execute(delete(data_key).where(data_key.c.key_ref.in_(tombstoned))).rowcount

    def tombstones(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(select(shred_tombstone.c.key_ref)).scalars())

    def pending_rewrap(self, current: int, after: str, limit: int) -> list[WrappedKey]:
        """The next `limit` keys (by key_ref after `after`) not wrapped by KEK `current`."""
        stmt = (
            select(data_key.c.key_ref, data_key.c.version, data_key.c.kek_version, data_key.c.wrapped)
            .where(data_key.c.kek_version != current, data_key.c.key_ref > after)
            .order_by(data_key.c.key_ref)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [WrappedKey(r[0], r[1], r[2], bytes(r[3])) for r in conn.execute(stmt)]

    def rewrap(self, old: Sequence[WrappedKey], new: Sequence[WrappedKey]) -> int:
        """Replace wrapped keys in one statement per batch; a key shredded or rewrapped meanwhile is
        left alone (the WHERE names the old KEK version)."""
        stmt = (
            update(data_key)
            .where(data_key.c.key_ref == bindparam("b_ref"), data_key.c.kek_version == bindparam("b_old"))
            .values(kek_version=bindparam("b_new"), wrapped=bindparam("b_wrapped"))
        )
        params = [
            {"b_ref": n.key_ref, "b_old": o.kek_version, "b_new": n.kek_version, "b_wrapped": n.wrapped}
            for o, n in zip(old, new, strict=True)
        ]
        with self.engine.begin() as conn:
            return conn.execute(stmt, params).rowcount

    def key_refs_wrapped_by(self, kek_version: int, limit: int) -> list[str]:
        stmt = select(data_key.c.key_ref).where(data_key.c.kek_version == kek_version).limit(limit)
        with self.engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def kek_versions_in_use(self) -> dict[int, int]:
        stmt = select(data_key.c.kek_version, func.count()).group_by(data_key.c.kek_version)
        with self.engine.connect() as conn:
            return {int(v): int(n) for v, n in conn.execute(stmt).all()}
