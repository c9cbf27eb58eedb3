"""front desk read indexes (issue 6): a confirmation number alone (the unique key leads with the
hotel) and a Han name as written, so neither search scans every stay or every mention; and the guests
merged into a guest, which every profile lists.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-23 15:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stay", schema=None) as batch_op:
        batch_op.create_index("ix_stay_confirmation_number", ["confirmation_number"], unique=False)
    with op.batch_alter_table("guest_mention", schema=None) as batch_op:
        batch_op.create_index("ix_guest_mention_name_simplified", ["name_simplified"], unique=False)
    with op.batch_alter_table("guest", schema=None) as batch_op:
        batch_op.create_index("ix_guest_merged_into_id", ["merged_into_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("guest", schema=None) as batch_op:
        batch_op.drop_index("ix_guest_merged_into_id")
    with op.batch_alter_table("guest_mention", schema=None) as batch_op:
        batch_op.drop_index("ix_guest_mention_name_simplified")
    with op.batch_alter_table("stay", schema=None) as batch_op:
        batch_op.drop_index("ix_stay_confirmation_number")
