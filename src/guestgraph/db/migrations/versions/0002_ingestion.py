"""ingestion

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 04:15:33.953501
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("source_system_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hotel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("profile", sa.String(length=60), nullable=True),
        sa.Column("filename", sa.String(length=500), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "completed",
                "failed",
                name="batch_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("accepted_with_warnings", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("superseded", sa.Integer(), nullable=False),
        sa.Column("checkpoint", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "rule_counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_import_batch_created_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotel.id"], name=op.f("fk_import_batch_hotel_id_hotel"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["source_system_id"],
            ["source_system.id"],
            name=op.f("fk_import_batch_source_system_id_source_system"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(
            "ix_import_batch_source_file", ["source_system_id", "file_sha256"], unique=False
        )

    op.create_table(
        "quality_alert",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("hotel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
            name=op.f("fk_quality_alert_batch_id_import_batch"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotel.id"], name=op.f("fk_quality_alert_hotel_id_hotel"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_alert")),
    )
    with op.batch_alter_table("quality_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_alert_hotel_id"), ["hotel_id"], unique=False)

    op.create_table(
        "quality_stat",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hotel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("source_system_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("valid", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Integer(), nullable=False),
        sa.Column("with_name", sa.Integer(), nullable=False),
        sa.Column("with_phone", sa.Integer(), nullable=False),
        sa.Column("with_email", sa.Integer(), nullable=False),
        sa.Column("with_document", sa.Integer(), nullable=False),
        sa.Column("with_birth_date", sa.Integer(), nullable=False),
        sa.Column("non_identifying_contact", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
            name=op.f("fk_quality_stat_batch_id_import_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotel.id"], name=op.f("fk_quality_stat_hotel_id_hotel"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_system_id"],
            ["source_system.id"],
            name=op.f("fk_quality_stat_source_system_id_source_system"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_stat")),
        sa.UniqueConstraint(
            "day",
            "hotel_id",
            "source_system_id",
            "batch_id",
            name=op.f("uq_quality_stat_day_hotel_id_source_system_id_batch_id"),
        ),
    )
    with op.batch_alter_table("quality_stat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_stat_hotel_id"), ["hotel_id"], unique=False)

    op.create_table(
        "record_issue",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("source_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column(
            "severity",
            sa.Enum("fix", "warn", "reject", name="severity", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("field", sa.String(length=60), nullable=True),
        sa.Column("person", sa.Integer(), nullable=True),
        sa.Column("raw_value", sa.String(length=500), nullable=True),
        sa.Column("fixed_value", sa.String(length=500), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_record_issue_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_issue")),
    )
    with op.batch_alter_table("record_issue", schema=None) as batch_op:
        batch_op.create_index("ix_record_issue_record", ["source_record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_issue_rule"), ["rule"], unique=False)

    with op.batch_alter_table("hotel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quality_threshold", sa.Double(), nullable=False, server_default="0.8"))

    with op.batch_alter_table("source_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version_key", sa.String(length=80), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("content_hash", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("is_current", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(
            sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("location", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("steward_note", sa.Text(), nullable=True))
        batch_op.drop_index(batch_op.f("ix_source_record_system_external"))
        batch_op.create_index("ix_source_record_batch", ["batch_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_source_record_source_system_id_external_id_version_key"),
            ["source_system_id", "external_id", "version_key"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_source_record_batch_id_import_batch"),
            "import_batch",
            ["batch_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("source_system", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_key_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("api_key_hint", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_system", schema=None) as batch_op:
        batch_op.drop_column("api_key_hint")
        batch_op.drop_column("api_key_hash")

    with op.batch_alter_table("source_record", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_source_record_batch_id_import_batch"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("uq_source_record_source_system_id_external_id_version_key"), type_="unique"
        )
        batch_op.drop_index("ix_source_record_batch")
        batch_op.create_index(
            batch_op.f("ix_source_record_system_external"), ["source_system_id", "external_id"], unique=False
        )
        batch_op.drop_column("steward_note")
        batch_op.drop_column("location")
        batch_op.drop_column("batch_id")
        batch_op.drop_column("is_current")
        batch_op.drop_column("content_hash")
        batch_op.drop_column("version_key")

    with op.batch_alter_table("hotel", schema=None) as batch_op:
        batch_op.drop_column("quality_threshold")

    with op.batch_alter_table("record_issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_issue_rule"))
        batch_op.drop_index("ix_record_issue_record")

    op.drop_table("record_issue")
    with op.batch_alter_table("quality_stat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_stat_hotel_id"))

    op.drop_table("quality_stat")
    with op.batch_alter_table("quality_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_alert_hotel_id"))

    op.drop_table("quality_alert")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index("ix_import_batch_source_file")

    op.drop_table("import_batch")
