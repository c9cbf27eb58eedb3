"""hotel pms feed: a hotel whose stays come from a PMS feed does not operate stays at the front desk
(the PMS is the record of check-ins and charges); hotels without a PMS do. Existing hotels that have
received a PMS record are marked as fed.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-23 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hotel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pms_feed", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        sa.text(
            "UPDATE hotel SET pms_feed = :yes WHERE id IN ("
            " SELECT r.hotel_id FROM source_record r JOIN source_system s ON s.id = r.source_system_id"
            " WHERE s.kind = 'pms' AND r.hotel_id IS NOT NULL)"
        ).bindparams(yes=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("hotel", schema=None) as batch_op:
        batch_op.drop_column("pms_feed")
