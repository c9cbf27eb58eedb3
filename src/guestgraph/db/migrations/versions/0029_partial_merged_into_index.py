"""guest.merged_into_id indexed partially (only the merged guests). A full index on a column that is
NULL for almost every guest gets statistics (after ANALYZE) saying it is useless, and SQLite then
scanned a million guests to list a profile's merged guests (profile p50 250 ms at 1M).

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-23 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = sa.text("merged_into_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("guest", schema=None) as batch_op:
        batch_op.drop_index("ix_guest_merged_into_id")
    op.create_index(
        "ix_guest_merged_into_id", "guest", ["merged_into_id"], sqlite_where=WHERE, postgresql_where=WHERE
    )


def downgrade() -> None:
    op.drop_index("ix_guest_merged_into_id", table_name="guest")
    with op.batch_alter_table("guest", schema=None) as batch_op:
        batch_op.create_index("ix_guest_merged_into_id", ["merged_into_id"], unique=False)
