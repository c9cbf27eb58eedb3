"""`payment`: money received against a stay's folio (issue 6), so that a stay's folio has a balance
(its charges less its payments). Its own table, not a charge row: analytics, RFM and dashboards read
`charge` as revenue and spend, and a payment is neither. Card numbers are never stored, only the last
four digits when sent.

Revision ID: 0055
Revises: 0054
Create Date: 2026-11-24 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0055"
down_revision: str | None = "0054"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
METHODS = ("cash", "card", "alipay", "wechat_pay", "bank_transfer", "city_ledger", "deposit")


def upgrade() -> None:
    op.create_table(
        "payment",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("hotel_id", BIG_ID, nullable=False),
        sa.Column("stay_id", BIG_ID, nullable=True),
        sa.Column(
            "method",
            sa.Enum(*METHODS, name="payment_method", native_enum=False, create_constraint=True, length=13),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("card_last4", sa.String(length=4), nullable=True),
        sa.Column("source_record_id", BIG_ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotel.id"], name=op.f("fk_payment_hotel_id_hotel"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["stay_id"], ["stay.id"], name=op.f("fk_payment_stay_id_stay"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_payment_source_record_id_source_record"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
    )
    op.create_index("ix_payment_stay", "payment", ["stay_id"])
    op.create_index("ix_payment_source_record", "payment", ["source_record_id"])


def downgrade() -> None:
    op.drop_index("ix_payment_source_record", table_name="payment")
    op.drop_index("ix_payment_stay", table_name="payment")
    op.drop_table("payment")
