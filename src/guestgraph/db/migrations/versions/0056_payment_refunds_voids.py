"""`payment`: refunds and voids (issues 4 and 6). A refund is a payment below zero with the clerk's
`reason`; a payment posted in error is voided, never deleted: a newer version of its front-desk record
sets `voided_at` and `void_reason`, and balances leave it out.

Revision ID: 0056
Revises: 0058
Create Date: 2026-11-25 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0056"
down_revision: str | None = "0058"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("void_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment") as batch:
        batch.drop_column("void_reason")
        batch.drop_column("voided_at")
        batch.drop_column("reason")
