"""security alerts

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 07:59:41.825162
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "security_alert",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("actor_username", sa.String(length=80), nullable=True),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "facts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("acknowledged_by", sa.String(length=80), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_alert")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_security_alert_dedupe_key")),
    )
    with op.batch_alter_table("security_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_security_alert_raised_at"), ["raised_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("security_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_security_alert_raised_at"))

    op.drop_table("security_alert")
