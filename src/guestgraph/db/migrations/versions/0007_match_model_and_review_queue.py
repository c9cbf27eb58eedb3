"""match model and review queue

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 06:43:59.730372
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_model",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_model")),
        sa.UniqueConstraint("version", name=op.f("uq_match_model_version")),
    )
    op.create_table(
        "match_review",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("left_key", sa.String(length=240), nullable=False),
        sa.Column("right_key", sa.String(length=240), nullable=False),
        sa.Column("left_guest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("right_guest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("match_weight", sa.Double(), nullable=False),
        sa.Column("match_probability", sa.Double(), nullable=False),
        sa.Column(
            "contributions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["left_guest_id"],
            ["guest.id"],
            name=op.f("fk_match_review_left_guest_id_guest"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["right_guest_id"],
            ["guest.id"],
            name=op.f("fk_match_review_right_guest_id_guest"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_review")),
        sa.UniqueConstraint("left_key", "right_key", name=op.f("uq_match_review_left_key_right_key")),
    )
    with op.batch_alter_table("match_review", schema=None) as batch_op:
        batch_op.create_index("ix_match_review_status_weight", ["status", "match_weight"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("match_review", schema=None) as batch_op:
        batch_op.drop_index("ix_match_review_status_weight")

    op.drop_table("match_review")
    op.drop_table("match_model")
