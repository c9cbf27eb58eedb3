"""`payment.awaited_confirmation_number`: a payment imported before its stay (a deposit in the PMS folio
export ahead of the reservation feed) was kept without a stay and never reached its folio, so the stay's
balance left it out (issue 4). It now keeps the confirmation number until the import that brings the stay
posts it there, as folio charges do since 0054 (a partial index finds the few waiting payments).
Payments stored between 0055 and this revision have nothing to match: empty for them.

Revision ID: 0058
Revises: 0055
Create Date: 2026-11-25 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0058"
down_revision: str | None = "0055"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "awaited_confirmation_number IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("payment") as batch:
        batch.add_column(sa.Column("awaited_confirmation_number", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_payment_awaited_stay",
        "payment",
        ["awaited_confirmation_number"],
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )


def downgrade() -> None:
    op.drop_index("ix_payment_awaited_stay", table_name="payment")
    with op.batch_alter_table("payment") as batch:
        batch.drop_column("awaited_confirmation_number")
