"""`charge.awaited_confirmation_number`: a folio line imported before its stay (the POS file before the
PMS file, an OTA push after the POS line) kept no trace of the stay it named, so it never got one and its
spend never counted for the stay or its guest (issues 4 and 8). It now keeps the confirmation number until
the import that brings the stay posts it there (a partial index finds the few waiting lines). Lines stored
before 0054 have nothing to match: empty for them.

Revision ID: 0054
Revises: 0053
Create Date: 2026-11-24 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0054"
down_revision: str | None = "0053"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "awaited_confirmation_number IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("charge") as batch:
        batch.add_column(sa.Column("awaited_confirmation_number", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_charge_awaited_stay",
        "charge",
        ["awaited_confirmation_number"],
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )


def downgrade() -> None:
    op.drop_index("ix_charge_awaited_stay", table_name="charge")
    with op.batch_alter_table("charge") as batch:
        batch.drop_column("awaited_confirmation_number")
