"""identity mentions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 04:56:17.493839
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "guest_mention",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("source_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_index", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("source_system_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hotel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("trust_rank", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=100), nullable=True),
        sa.Column("given_name", sa.String(length=100), nullable=True),
        sa.Column("name_simplified", sa.String(length=200), nullable=True),
        sa.Column("name_pinyin", sa.String(length=200), nullable=True),
        sa.Column("name_key", sa.String(length=200), nullable=True),
        sa.Column("surname_only", sa.Boolean(), nullable=False),
        sa.Column("salutation", sa.String(length=20), nullable=True),
        sa.Column("gender", sa.String(length=1), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("nationality", sa.String(length=2), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("id_type", sa.String(length=30), nullable=True),
        sa.Column("id_number", sa.String(length=64), nullable=True),
        sa.Column("loyalty_number", sa.String(length=40), nullable=True),
        sa.Column("loyalty_tier", sa.String(length=40), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("stay_ref", sa.String(length=120), nullable=True),
        sa.Column("channel_ref", sa.String(length=120), nullable=True),
        sa.Column("room_night", sa.String(length=80), nullable=True),
        sa.Column("stay_span", sa.String(length=60), nullable=True),
        sa.Column("guest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("link_rule", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["guest_id"], ["guest.id"], name=op.f("fk_guest_mention_guest_id_guest"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotel.id"], name=op.f("fk_guest_mention_hotel_id_hotel"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_guest_mention_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_system_id"],
            ["source_system.id"],
            name=op.f("fk_guest_mention_source_system_id_source_system"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_mention")),
    )
    with op.batch_alter_table("guest_mention", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guest_mention_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_guest_id"), ["guest_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_id_number"), ["id_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_loyalty_number"), ["loyalty_number"], unique=False)
        batch_op.create_index("ix_guest_mention_name_birth", ["name_key", "birth_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_stay_ref"), ["stay_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_channel_ref"), ["channel_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_room_night"), ["room_night"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_stay_span"), ["stay_span"], unique=False)
        batch_op.create_index("ix_guest_mention_record", ["source_record_id", "person_index"], unique=True)


def downgrade() -> None:

    with op.batch_alter_table("guest_mention", schema=None) as batch_op:
        batch_op.drop_index("ix_guest_mention_record")
        batch_op.drop_index(batch_op.f("ix_guest_mention_phone"))
        batch_op.drop_index(batch_op.f("ix_guest_mention_name_key"))
        batch_op.drop_index("ix_guest_mention_name_birth")
        batch_op.drop_index(batch_op.f("ix_guest_mention_loyalty_number"))
        batch_op.drop_index(batch_op.f("ix_guest_mention_id_number"))
        batch_op.drop_index(batch_op.f("ix_guest_mention_guest_id"))
        batch_op.drop_index(batch_op.f("ix_guest_mention_email"))

    op.drop_table("guest_mention")
