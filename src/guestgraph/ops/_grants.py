"""The database role the app runs as (checklist LG-03, first bullet): on PostgreSQL the schema owner runs
the migrations, and the web app and workers connect as a role that may read and write guest data but may
only INSERT and SELECT the audit log: no UPDATE, DELETE or TRUNCATE on `audit_event`, whatever the
triggers. Pruning the audit log (`guestgraph audit prune`) runs as the owner. SQLite has no roles: there
the triggers alone refuse UPDATE and DELETE on the audit log."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine, text

from guestgraph.errors import InvalidInput

APPEND_ONLY = ("audit_event",)  # the app role may INSERT and SELECT these, nothing more
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class RoleGrants:
    role: str
    statements: list[str]


def _checked(role: str) -> str:
    if not _ROLE.match(role):
        raise InvalidInput(
            f"{role!r} is not a usable role name.",
            hint="Use lower-case letters, digits and underscores, starting with a letter: guestgraph_app.",
        )
    return role


def app_role_statements(role: str) -> list[str]:
    """The SQL that creates (if needed) and grants the app role; each statement is idempotent."""
    r = _checked(role)
    tables = "SELECT, INSERT, UPDATE, DELETE"
    # `r` matched ^[a-z_][a-z0-9_]{0,62}$ above; role names cannot be bound as parameters
    exists = f"SELECT FROM pg_roles WHERE rolname = '{r}'"  # nosec B608
    statements = [
        f"DO $$ BEGIN IF NOT EXISTS ({exists}) THEN CREATE ROLE {r} LOGIN; END IF; END $$",
        f"DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO {r}', current_database()); END $$",
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT {tables} ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {tables} ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {r}",
        f"REVOKE ALL ON alembic_version FROM {r}",
        f"GRANT SELECT ON alembic_version TO {r}",
    ]
    for table in APPEND_ONLY:
        statements += [
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {r}",
            f"GRANT SELECT, INSERT ON {table} TO {r}",
        ]
    return statements


def grant_app_role(engine: Engine, role: str, *, password: str | None = None) -> RoleGrants:
    """Create or bring up to date the app's role on the migrated PostgreSQL database `engine` owns."""
    if engine.dialect.name != "postgresql":
        raise InvalidInput(
            "SQLite has no database roles: the audit log is guarded by its triggers alone.",
            hint="Run this against the PostgreSQL database the app uses in production.",
        )
    statements = app_role_statements(role)
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))
        if password:  # a utility statement takes no bind parameters: quote the literal with the driver
            from psycopg.sql import Literal

            literal = Literal(password).as_string(conn.connection.driver_connection)
            conn.exec_driver_sql(f"ALTER ROLE {role} WITH LOGIN PASSWORD {literal}")
    return RoleGrants(role, statements)
