"""The guest change feed: rectifications, merges, unmerges, splits and erasures, in order, for downstream
systems (PMS, loyalty, CRM) to stay in step with the golden record. Names fields, never values.

Revision ID: 0035
Revises: 0030
Create Date: 2026-11-23 22:09:37.806575
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guest_change",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("guest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("guest_public_id", sa.String(length=20), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "rectified",
                "merged",
                "unmerged",
                "split",
                "erased",
                name="change_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("other_public_id", sa.String(length=20), nullable=True),
        sa.Column("source_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("changed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["staff_user.id"],
            name=op.f("fk_guest_change_changed_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["guest_id"], ["guest.id"], name=op.f("fk_guest_change_guest_id_guest"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["privacy_request.id"],
            name=op.f("fk_guest_change_request_id_privacy_request"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_guest_change_source_record_id_source_record"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_change")),
    )
    with op.batch_alter_table("guest_change", schema=None) as batch_op:
        batch_op.create_index("ix_guest_change_guest", ["guest_id"], unique=False)

    op.create_table(
        "guest_change_hotel",
        sa.Column("change_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hotel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["guest_change.id"],
            name=op.f("fk_guest_change_hotel_change_id_guest_change"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotel.id"], name=op.f("fk_guest_change_hotel_hotel_id_hotel"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("change_id", "hotel_id", name=op.f("pk_guest_change_hotel")),
    )
    with op.batch_alter_table("guest_change_hotel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guest_change_hotel_hotel_id"), ["hotel_id"], unique=False)


def downgrade() -> None:
    op.drop_table("guest_change_hotel")
    with op.batch_alter_table("guest_change", schema=None) as batch_op:
        batch_op.drop_index("ix_guest_change_guest")

    op.drop_table("guest_change")
