"""campaigns: scheduled sending, the attribution window, delivery receipts (delivered / bounced /
failed) and unsubscribes per message

Revision ID: 0033
Revises: 0037
Create Date: 2026-11-23 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attribution_days", sa.Integer(), server_default="14", nullable=False))
    with op.batch_alter_table("campaign_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "delivery",
                sa.Enum(
                    "delivered", "bounced", "failed", name="delivery_state", native_enum=False,
                    create_constraint=True,
                ),
                nullable=True,
            )
        )  # fmt: skip
        batch_op.add_column(sa.Column("delivery_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("delivery_detail", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("bounced_bidx", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_message", schema=None) as batch_op:
        batch_op.drop_column("bounced_bidx")
        batch_op.drop_column("delivery_detail")
        batch_op.drop_column("delivery_at")
        batch_op.drop_constraint(batch_op.f("ck_campaign_message_delivery_state"), type_="check")
        batch_op.drop_column("delivery")
        batch_op.drop_column("unsubscribed_at")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("attribution_days")
        batch_op.drop_column("scheduled_at")
