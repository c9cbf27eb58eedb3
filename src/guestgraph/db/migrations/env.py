"""Alembic environment: the URL comes from the config that guestgraph builds (see db/_migrate.py)."""

from __future__ import annotations

from typing import Literal

from alembic import context
from sqlalchemy import Connection

from guestgraph.db._engine import make_engine
from guestgraph.db.models import Base
from guestgraph.db.models._base import UtcDateTime

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
        compare_type=True,
        render_item=_render_item,
    )


def _render_item(type_: str, obj: object, autogen_context: object) -> str | Literal[False]:
    """Write our UtcDateTime decorator as the plain TIMESTAMP WITH TIME ZONE it stores."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _url_from_settings() -> str:
    # Only when alembic is run by hand from the repository (alembic.ini): use guestgraph's settings.
    from guestgraph.config import load_settings

    return load_settings().resolved_database_url


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or _url_from_settings()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # Batch migrations rebuild a table (copy, DROP, rename); with foreign keys on, the DROP
                # would fire ON DELETE actions on the rows that point at it (deleting a guest's
                # preferences, unlinking its records). Off for the migration, checked after it.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
                # All of it in one transaction, DDL included (SQLite's DDL is transactional, but the
                # driver starts a transaction only before INSERT/UPDATE/DELETE): a migration that
                # fails half-way, say a data migration that cannot find the key store, leaves the
                # database as it was, and can be run again once the cause is fixed.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:  # rolled back with the rest when the connection closes
                    raise RuntimeError(f"The migration left rows pointing at nothing: {broken[:5]}")
                connection.commit()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or _url_from_settings(), target_metadata=target_metadata
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
