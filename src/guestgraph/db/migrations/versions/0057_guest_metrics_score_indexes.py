"""indexes of the RFM score columns over the scored guests: `ix_guest_metrics_last_departure`,
`ix_guest_metrics_stays` and `ix_guest_metrics_monetary` on guest_metrics, each WHERE stays > 0. An
incremental refresh rescoring the group in place finds each quintile threshold (the value at a rank) by
walking one of them instead of ranking every scored guest with a window and a sort (issue 8).

Revision ID: 0057
Revises: 0056
Create Date: 2026-11-25 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0057"
down_revision: str | None = "0056"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCORED = sa.text("stays > 0")
COLUMNS = ("last_departure", "stays", "monetary")


def upgrade() -> None:
    for column in COLUMNS:
        op.create_index(
            f"ix_guest_metrics_{column}",
            "guest_metrics",
            [column],
            sqlite_where=SCORED,
            postgresql_where=SCORED,
        )


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f"ix_guest_metrics_{column}", table_name="guest_metrics")
