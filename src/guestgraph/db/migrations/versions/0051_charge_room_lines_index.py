"""partial index of the stays that carry room folio lines: `ix_charge_room_stay` on charge (stay_id)
where outlet = 'room'. The analytics refresh counts a stay's room amount only when no room line was
posted for it, and found those stays by reading every folio line (12M at 1M guests: a parallel
sequential scan on PostgreSQL, a walk of `ix_charge_stay` with a table lookup per line on SQLite);
the partial index holds only the room lines (issue 8).

Revision ID: 0051
Revises: 0050
Create Date: 2026-11-24 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0051"
down_revision: str | None = "0050"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROOM = sa.text("outlet = 'room'")


def upgrade() -> None:
    op.create_index("ix_charge_room_stay", "charge", ["stay_id"], sqlite_where=ROOM, postgresql_where=ROOM)


def downgrade() -> None:
    op.drop_index("ix_charge_room_stay", table_name="charge")
