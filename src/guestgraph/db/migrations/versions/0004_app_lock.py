"""app lock

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 06:04:27.797827
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "app_lock",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_app_lock")),
    )
    op.bulk_insert(table, [{"name": "resolve", "acquired_at": None}])


def downgrade() -> None:
    op.drop_table("app_lock")
