"""`stay.rollup_day`: the arrival day the dashboard's day roll-ups count a stay under. A newer version of a
booking (or a front-desk change) that moves its arrival left the old day counted until the next full
refresh; the incremental refresh now rebuilds the day a changed stay was counted under with its new one
(issue 8). Empty until the next refresh, which rebuilds every day (the last run's marks predate 0053).

Revision ID: 0053
Revises: 0052
Create Date: 2026-11-24 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0053"
down_revision: str | None = "0052"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stay") as batch:
        batch.add_column(sa.Column("rollup_day", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stay") as batch:
        batch.drop_column("rollup_day")
