"""guest metrics tags segments

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 07:11:32.337493
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "segment",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "definition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=7), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment")),
    )
    op.create_table(
        "guest_stage_history",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("guest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("stage", sa.String(length=12), nullable=False),
        sa.Column("previous_stage", sa.String(length=12), nullable=True),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["guest_id"], ["guest.id"], name=op.f("fk_guest_stage_history_guest_id_guest"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_stage_history")),
    )
    with op.batch_alter_table("guest_stage_history", schema=None) as batch_op:
        batch_op.create_index("ix_guest_stage_history_guest", ["guest_id", "left_on"], unique=False)
        batch_op.create_index("ix_guest_stage_history_stage", ["stage", "entered_on"], unique=False)

    op.create_table(
        "guest_tag",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("guest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=6), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("added_by", sa.String(length=100), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["guest_id"], ["guest.id"], name=op.f("fk_guest_tag_guest_id_guest"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_tag")),
    )
    with op.batch_alter_table("guest_tag", schema=None) as batch_op:
        batch_op.create_index("ix_guest_tag_guest", ["guest_id", "retired_at"], unique=False)
        batch_op.create_index("ix_guest_tag_tag", ["tag", "retired_at"], unique=False)

    op.create_table(
        "segment_member",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("segment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("guest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["guest_id"], ["guest.id"], name=op.f("fk_segment_member_guest_id_guest"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segment.id"],
            name=op.f("fk_segment_member_segment_id_segment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_member")),
    )
    with op.batch_alter_table("segment_member", schema=None) as batch_op:
        batch_op.create_index(
            "ix_segment_member_segment", ["segment_id", "left_at", "guest_id"], unique=False
        )

    op.create_table(
        "guest_metrics",
        sa.Column("guest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("home_hotel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("bookings", sa.Integer(), nullable=False),
        sa.Column("stays", sa.Integer(), nullable=False),
        sa.Column("nights", sa.Integer(), nullable=False),
        sa.Column("first_arrival", sa.Date(), nullable=True),
        sa.Column("last_arrival", sa.Date(), nullable=True),
        sa.Column("previous_arrival", sa.Date(), nullable=True),
        sa.Column("last_departure", sa.Date(), nullable=True),
        sa.Column("days_since", sa.Integer(), nullable=True),
        sa.Column("usual_interval_days", sa.Integer(), nullable=True),
        sa.Column("longest_stay", sa.Integer(), nullable=False),
        sa.Column("weekday_share", sa.Float(), nullable=True),
        sa.Column("child_stays", sa.Integer(), nullable=False),
        sa.Column("corporate_stays", sa.Integer(), nullable=False),
        sa.Column("ota_stays", sa.Integer(), nullable=False),
        sa.Column("direct_stays", sa.Integer(), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("room_revenue", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("fnb_spend", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("spa_spend", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("other_spend", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("monetary", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("r_score", sa.SmallInteger(), nullable=True),
        sa.Column("f_score", sa.SmallInteger(), nullable=True),
        sa.Column("m_score", sa.SmallInteger(), nullable=True),
        sa.Column("rfm_group", sa.String(length=20), nullable=True),
        sa.Column("stage", sa.String(length=12), nullable=False),
        sa.Column("churn_warning", sa.Boolean(), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guest_id"], ["guest.id"], name=op.f("fk_guest_metrics_guest_id_guest"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["home_hotel_id"],
            ["hotel.id"],
            name=op.f("fk_guest_metrics_home_hotel_id_hotel"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("guest_id", name=op.f("pk_guest_metrics")),
    )
    with op.batch_alter_table("guest_metrics", schema=None) as batch_op:
        batch_op.create_index("ix_guest_metrics_rfm", ["rfm_group"], unique=False)
        batch_op.create_index("ix_guest_metrics_stage", ["stage"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("guest_metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_guest_metrics_stage")
        batch_op.drop_index("ix_guest_metrics_rfm")

    op.drop_table("guest_metrics")
    with op.batch_alter_table("segment_member", schema=None) as batch_op:
        batch_op.drop_index("ix_segment_member_segment")

    op.drop_table("segment_member")
    with op.batch_alter_table("guest_tag", schema=None) as batch_op:
        batch_op.drop_index("ix_guest_tag_tag")
        batch_op.drop_index("ix_guest_tag_guest")

    op.drop_table("guest_tag")
    with op.batch_alter_table("guest_stage_history", schema=None) as batch_op:
        batch_op.drop_index("ix_guest_stage_history_stage")
        batch_op.drop_index("ix_guest_stage_history_guest")

    op.drop_table("guest_stage_history")
    op.drop_table("segment")
