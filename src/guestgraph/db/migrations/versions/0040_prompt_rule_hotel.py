"""prompt rule hotel: a service prompt rule may belong to one hotel (NULL: every hotel of the group)

Revision ID: 0040
Revises: 0039
Create Date: 2026-11-25 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("prompt_rule", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hotel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_prompt_rule_hotel_id"), ["hotel_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_prompt_rule_hotel_id_hotel"), "hotel", ["hotel_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    with op.batch_alter_table("prompt_rule", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_prompt_rule_hotel_id_hotel"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_prompt_rule_hotel_id"))
        batch_op.drop_column("hotel_id")
