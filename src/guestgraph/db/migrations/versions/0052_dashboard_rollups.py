"""dashboard roll-ups: `dashboard_day` (counted stays per hotel, arrival day and channel),
`dashboard_outlet_day` (their folio lines by outlet) and `dashboard_distribution` (active guests by
stage, RFM group and churn warning per hotel, region and the group), written by the analytics refresh
so that the management dashboard reads counts instead of every stay (issue 8); and `ix_stay_arrival_status`
for the distinct guests of a period in group or region scope; `ix_stay_source_record`, `ix_stay_updated_at`
and `ix_charge_source_record` for what an incremental refresh looks for (the stays and folio lines
re-imported or updated since the last one, read by every incremental run and by the import's replacement
of folio lines). The tables stay empty until the next refresh; the dashboard computes from the stays
until then.

Revision ID: 0052
Revises: 0051
Create Date: 2026-11-24 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0052"
down_revision: str | None = "0051"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = sa.Numeric(14, 2)


def _day_table(name: str, *measures: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("hotel_id", BIG_ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=True),
        *measures,
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotel.id"], name=op.f(f"fk_{name}_hotel_id_hotel"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_day", name, ["day", "hotel_id"])


def upgrade() -> None:
    _day_table(
        "dashboard_day",
        sa.Column("stays", sa.Integer(), nullable=False),
        sa.Column("nights", sa.Integer(), nullable=False),
        sa.Column("room_amount", MONEY, nullable=False),
    )
    _day_table(
        "dashboard_outlet_day",
        sa.Column("outlet", sa.String(length=10), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
    )
    op.create_table(
        "dashboard_distribution",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("level", sa.String(length=6), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=12), nullable=False),
        sa.Column("rfm_group", sa.String(length=20), nullable=True),
        sa.Column("churn_warning", sa.Boolean(), nullable=False),
        sa.Column("guests", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_distribution")),
    )
    op.create_index("ix_dashboard_distribution_unit", "dashboard_distribution", ["level", "unit_id"])
    op.create_index("ix_stay_arrival_status", "stay", ["arrival", "status", "hotel_id"])
    op.create_index("ix_stay_source_record", "stay", ["source_record_id"])
    op.create_index("ix_stay_updated_at", "stay", ["updated_at"])
    op.create_index("ix_charge_source_record", "charge", ["source_record_id"])


def downgrade() -> None:
    op.drop_index("ix_charge_source_record", table_name="charge")
    op.drop_index("ix_stay_updated_at", table_name="stay")
    op.drop_index("ix_stay_source_record", table_name="stay")
    op.drop_index("ix_stay_arrival_status", table_name="stay")
    op.drop_table("dashboard_distribution")
    op.drop_table("dashboard_outlet_day")
    op.drop_table("dashboard_day")
