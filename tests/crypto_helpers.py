"""Shared helpers for the crypto tests: settings with explicit keys, and key-store copies."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from sqlalchemy import MetaData, insert, select

from guestgraph.config import Settings
from guestgraph.crypto import FieldContext, Vault
from guestgraph.db import make_engine


def random_key(version: int = 1) -> str:
    return f"{version}:" + base64.b64encode(os.urandom(32)).decode("ascii")


def crypto_settings(data_dir: Path, keystore_url: str, **overrides: object) -> Settings:
    """Settings for a vault whose keys live in files under `data_dir/keys` (generated)."""
    overrides.setdefault("env", "test")
    for name in ("kek", "blind_index_key", "shred_journal"):  # these tests' own keys, not the run's
        overrides.setdefault(name, None)
    return Settings(_env_file=None, data_dir=data_dir, keystore_url=keystore_url, **overrides)  # type: ignore[call-arg]


def open_vault(data_dir: Path, keystore_url: str, **overrides: object) -> Vault:
    return Vault.from_settings(crypto_settings(data_dir, keystore_url, **overrides))


def ctx(row: str | int = "G0000000001", column: str = "phone", table: str = "guest") -> FieldContext:
    return FieldContext(tenant="yunqi", table=table, column=column, row_id=row)


def copy_database(metadata: MetaData, source_url: str, target_url: str) -> None:
    """Copy every row of `metadata`'s tables from one database to another: a backup taken at
    one moment and restored elsewhere (same shape on SQLite and PostgreSQL)."""
    src, dst = make_engine(source_url), make_engine(target_url)
    try:
        metadata.create_all(dst)
        with src.connect() as read, dst.begin() as write:
            for table in metadata.sorted_tables:
                rows = [dict(r._mapping) for r in read.execute(select(table))]
                if rows:
                    write.execute(insert(table), rows)
    finally:
        src.dispose()
        dst.dispose()
