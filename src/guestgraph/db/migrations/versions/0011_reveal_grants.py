"""reveal grants

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 07:25:42.027215
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reveal_grant",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("guest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("field", sa.String(length=30), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guest_id"], ["guest.id"], name=op.f("fk_reveal_grant_guest_id_guest"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_user.id"],
            name=op.f("fk_reveal_grant_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reveal_grant")),
    )
    with op.batch_alter_table("reveal_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reveal_grant_guest_id"), ["guest_id"], unique=False)
        batch_op.create_index("ix_reveal_grant_user_guest", ["user_id", "guest_id", "field"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reveal_grant", schema=None) as batch_op:
        batch_op.drop_index("ix_reveal_grant_user_guest")
        batch_op.drop_index(batch_op.f("ix_reveal_grant_guest_id"))

    op.drop_table("reveal_grant")
