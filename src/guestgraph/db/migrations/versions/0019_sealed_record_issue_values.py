"""sealed record issue values: the value a rule flagged, as sent and as fixed (a malformed phone, an ID
with a bad checksum), becomes ciphertext under its source record's data key, like the record itself.

Existing values are sealed in place with the installation's keys (see 0015); values of records whose
key is gone (erased) are dropped. Downgrading drops the sealed values.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-23 13:10:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("record_issue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_value_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("fixed_value_enc", sa.Text(), nullable=True))
    _seal_existing_values()
    with op.batch_alter_table("record_issue", schema=None) as batch_op:
        batch_op.drop_column("fixed_value")
        batch_op.drop_column("raw_value")


def _seal_existing_values() -> None:
    conn = op.get_bind()
    query = sa.text(
        "SELECT i.id, i.rule, i.field, i.person, i.raw_value, i.fixed_value, r.source_system_id, "
        "r.external_id, r.version_key, r.key_ref FROM record_issue i "
        "JOIN source_record r ON r.id = i.source_record_id "
        "WHERE r.key_ref IS NOT NULL AND (i.raw_value IS NOT NULL OR i.fixed_value IS NOT NULL)"
    )
    rows = conn.execute(query).all()
    if not rows:
        return
    from guestgraph.config import load_settings
    from guestgraph.crypto import FieldContext, Vault

    # Frozen here (not guestgraph.pii): the AAD row names and sealing as they were at this revision.
    def seal(vault: Vault, r: Any, column: str, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        record = f"{r.source_system_id}:{r.external_id}:{r.version_key}"
        person = "" if r.person is None else r.person
        row = f"{record}:{r.rule}:{r.field or ''}:{person}"
        return vault.encrypt(r.key_ref, FieldContext(vault.tenant, "record_issue", column, row), value)

    vault = Vault.from_settings(load_settings())
    try:
        for start in range(0, len(rows), BATCH):
            values = [
                {
                    "iid": r.id,
                    "raw": seal(vault, r, "raw_value", r.raw_value),
                    "fixed": seal(vault, r, "fixed_value", r.fixed_value),
                }
                for r in rows[start : start + BATCH]
            ]
            conn.execute(
                sa.text(
                    "UPDATE record_issue SET raw_value_enc = :raw, fixed_value_enc = :fixed WHERE id = :iid"
                ),
                values,
            )
    finally:
        vault.close()


def downgrade() -> None:
    with op.batch_alter_table("record_issue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_value", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("fixed_value", sa.String(length=500), nullable=True))
        batch_op.drop_column("fixed_value_enc")
        batch_op.drop_column("raw_value_enc")
