"""audit log: append-only hash-chained events and the control row

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 06:45:00

Self-contained: the table (its search columns generated from the payload), its indexes, the control row and the triggers that refuse UPDATE and DELETE
(PostgreSQL: a plpgsql function, also refusing TRUNCATE; SQLite: BEFORE triggers with RAISE(ABORT)).
A DELETE passes only for seq <= audit_control.prune_through, which `guestgraph audit prune` raises.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = b"\x00" * 32

PG_GUARD = """
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.seq <= COALESCE((SELECT prune_through FROM audit_control WHERE id = 1), 0) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING HINT = 'Only guestgraph audit prune deletes events, and only a prefix past retention.';
END
$$
"""

SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    WHEN OLD.seq > COALESCE((SELECT prune_through FROM audit_control WHERE id = 1), 0)
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused'); END""",
]


PG_FUNCTIONS = [
    # Immutable by construction: UTF-8 bytes to jsonb, and our fixed ISO format read as UTC.
    """CREATE FUNCTION audit_payload(payload bytea) RETURNS jsonb LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT convert_from(payload, 'UTF8')::jsonb $$""",
    """CREATE FUNCTION audit_time(value text) RETURNS timestamptz LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT rtrim(value, 'Z')::timestamp AT TIME ZONE 'UTC' $$""",
]
PG_GENERATED = {
    "occurred_at": "audit_time(audit_payload(payload) ->> 'time')",
    "actor_user_id": "(audit_payload(payload) ->> 'actor_user_id')::bigint",
    **{
        name: f"audit_payload(payload) ->> '{name}'"
        for name in ("action", "outcome", "category", "actor_username", "guest_public_id")
    },
}
SQLITE_GENERATED = {
    "occurred_at": "replace(replace(json_extract(CAST(payload AS TEXT), '$.time'), 'T', ' '), 'Z', '')",
    **{
        name: f"json_extract(CAST(payload AS TEXT), '$.{name}')"
        for name in ("action", "outcome", "category", "actor_user_id", "actor_username", "guest_public_id")
    },
}


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for statement in PG_FUNCTIONS:
            op.execute(statement)
    generated = PG_GENERATED if postgres else SQLITE_GENERATED

    def column(name: str, type_: Any, nullable: bool) -> sa.Column[Any]:
        return sa.Column(name, type_, sa.Computed(generated[name], persisted=True), nullable=nullable)

    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "audit_event",
        sa.Column("seq", big, autoincrement=False, nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        column("occurred_at", sa.DateTime(timezone=True), False),
        column("action", sa.String(length=64), False),
        column("outcome", sa.String(length=10), False),
        column("category", sa.String(length=10), False),
        column("actor_user_id", sa.BigInteger(), True),
        column("actor_username", sa.String(length=80), True),
        column("guest_public_id", sa.String(length=20), True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
    )
    for name, cols in [
        ("ix_audit_event_actor_user_id", ["actor_user_id", "seq"]),
        ("ix_audit_event_actor_username", ["actor_username", "seq"]),
        ("ix_audit_event_guest_public_id", ["guest_public_id", "seq"]),
        ("ix_audit_event_action", ["action", "seq"]),
        ("ix_audit_event_occurred_at", ["occurred_at"]),
    ]:
        op.create_index(name, "audit_event", cols, unique=False)
    control = op.create_table(
        "audit_control",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("prune_through", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_control")),
    )
    op.bulk_insert(control, [{"id": 1, "last_seq": 0, "last_hash": GENESIS, "prune_through": 0}])
    if postgres:
        op.execute(PG_GUARD)
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    op.drop_table("audit_control")
    op.drop_table("audit_event")  # drops its triggers with it
    if op.get_bind().dialect.name == "postgresql":
        for function in ("audit_event_append_only()", "audit_payload(bytea)", "audit_time(text)"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
