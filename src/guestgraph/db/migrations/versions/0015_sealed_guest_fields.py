"""sealed guest fields: phones, e-mails, ID numbers and birth dates of guests and mentions, and the
payloads of source records, become ciphertext under data keys, with keyed blind indexes (CR-01).

Existing rows are sealed in place with the installation's keys (the same settings `guestgraph
migrate` runs with: data_dir/keys or GUESTGRAPH_KEK / GUESTGRAPH_BLIND_INDEX_KEY); an empty database
needs no keys here. Downgrading drops the sealed values (it cannot restore plaintext).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23 11:25:33.606504
"""

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("guest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_ref", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("phone_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("phone_bidx", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("phone_tail_bidx", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("email_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("email_bidx", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("id_number_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("id_number_bidx", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("birth_date_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("birth_month", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("birth_day", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_guest_email_bidx"), ["email_bidx"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_id_number_bidx"), ["id_number_bidx"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_phone_bidx"), ["phone_bidx"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_phone_tail_bidx"), ["phone_tail_bidx"], unique=False)

    with op.batch_alter_table("guest_mention", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_ref", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("phone_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("phone_bidx", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("email_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("email_bidx", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("id_number_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("id_number_bidx", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("birth_date_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("birth_bidx", sa.String(length=64), nullable=True))
        batch_op.drop_index(batch_op.f("ix_guest_mention_name_birth"))
        batch_op.create_index("ix_guest_mention_name_birth", ["name_key", "birth_bidx"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_email_bidx"), ["email_bidx"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_id_number_bidx"), ["id_number_bidx"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_phone_bidx"), ["phone_bidx"], unique=False)

    with op.batch_alter_table("source_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_ref", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("raw_sealed", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("standardised_sealed", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("has_consent_flags", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    _seal_existing_rows()

    with op.batch_alter_table("guest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guest_email"))
        batch_op.drop_index(batch_op.f("ix_guest_phone"))
        batch_op.drop_column("email")
        batch_op.drop_column("id_document_number")
        batch_op.drop_column("phone")
        batch_op.drop_column("birth_date")

    with op.batch_alter_table("guest_mention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guest_mention_email"))
        batch_op.drop_index(batch_op.f("ix_guest_mention_id_number"))
        batch_op.drop_index(batch_op.f("ix_guest_mention_phone"))
        batch_op.drop_column("email")
        batch_op.drop_column("id_number")
        batch_op.drop_column("phone")
        batch_op.drop_column("birth_date")

    with op.batch_alter_table("source_record", schema=None) as batch_op:
        batch_op.drop_column("raw_payload")
        batch_op.drop_column("standardised")


BATCH = 1000


def _seal_existing_rows() -> None:
    """Seal the rows an earlier version stored in the clear (batches; keys from the settings)."""
    conn = op.get_bind()
    if not conn.execute(sa.text("SELECT 1 FROM source_record UNION ALL SELECT 1 FROM guest LIMIT 1")).first():
        return
    from guestgraph import pii
    from guestgraph.config import load_settings
    from guestgraph.crypto import Vault

    vault = Vault.from_settings(load_settings())
    try:
        _seal_records(conn, vault, pii)
        _seal_mentions(conn, vault, pii)
        _seal_guests(conn, vault, pii)
    finally:
        vault.close()


def _batches(conn: sa.Connection, query: str) -> list[Any]:
    rows = conn.execute(sa.text(query)).all()
    return [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]


def _day(value: object) -> "date | None":
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _seal_records(conn: sa.Connection, vault: object, pii: object) -> None:
    query = (
        "SELECT id, source_system_id, external_id, version_key, raw_payload, standardised FROM source_record"
    )
    for rows in _batches(conn, query):
        values = []
        for r, key_ref in zip(rows, vault.new_guest_keys(len(rows)), strict=True):  # type: ignore[attr-defined]
            doc = r.standardised if isinstance(r.standardised, dict) else json.loads(r.standardised or "{}")
            row = pii.record_row(r.source_system_id, r.external_id, r.version_key)  # type: ignore[attr-defined]
            sealed = pii.seal_record(vault, key_ref, row, r.raw_payload or "", doc)  # type: ignore[attr-defined]
            flags = '"consent_' in json.dumps(doc)
            values.append({"rid": r.id, "key_ref": key_ref, "flags": flags, **sealed})
        conn.execute(
            sa.text(
                "UPDATE source_record SET key_ref = :key_ref, raw_sealed = :raw_sealed, "
                "standardised_sealed = :standardised_sealed, has_consent_flags = :flags WHERE id = :rid"
            ),
            values,
        )


def _seal_mentions(conn: sa.Connection, vault: object, pii: object) -> None:
    query = (
        "SELECT m.id, m.source_record_id, m.person_index, m.phone, m.email, m.id_number, m.birth_date, "
        "r.key_ref FROM guest_mention m JOIN source_record r ON r.id = m.source_record_id"
    )
    for rows in _batches(conn, query):
        values = []
        for r in rows:
            person = pii.Sensitive(r.phone, r.email, r.id_number, _day(r.birth_date))  # type: ignore[attr-defined]
            row = pii.mention_row(r.source_record_id, r.person_index)  # type: ignore[attr-defined]
            values.append({"mid": r.id, **pii.seal_person(vault, r.key_ref, "guest_mention", row, person)})  # type: ignore[attr-defined]
        conn.execute(
            sa.text(
                "UPDATE guest_mention SET key_ref = :key_ref, phone_enc = :phone_enc, phone_bidx = :phone_bidx, "
                "email_enc = :email_enc, email_bidx = :email_bidx, id_number_enc = :id_number_enc, "
                "id_number_bidx = :id_number_bidx, birth_date_enc = :birth_date_enc, birth_bidx = :birth_bidx "
                "WHERE id = :mid"
            ),
            values,
        )


def _seal_guests(conn: sa.Connection, vault: object, pii: object) -> None:
    query = "SELECT id, public_id, phone, email, id_document_number, birth_date FROM guest"
    for rows in _batches(conn, query):
        values = []
        for r, key_ref in zip(rows, vault.new_guest_keys(len(rows)), strict=True):  # type: ignore[attr-defined]
            person = pii.Sensitive(r.phone, r.email, r.id_document_number, _day(r.birth_date))  # type: ignore[attr-defined]
            values.append({"gid": r.id, **pii.seal_person(vault, key_ref, "guest", r.public_id, person)})  # type: ignore[attr-defined]
        conn.execute(
            sa.text(
                "UPDATE guest SET key_ref = :key_ref, phone_enc = :phone_enc, phone_bidx = :phone_bidx, "
                "email_enc = :email_enc, email_bidx = :email_bidx, id_number_enc = :id_number_enc, "
                "id_number_bidx = :id_number_bidx, birth_date_enc = :birth_date_enc, "
                "phone_tail_bidx = :phone_tail_bidx, birth_month = :birth_month, birth_day = :birth_day "
                "WHERE id = :gid"
            ),
            values,
        )


def downgrade() -> None:
    with op.batch_alter_table("source_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("standardised", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("raw_payload", sa.Text(), server_default="", nullable=False))
        batch_op.drop_column("has_consent_flags")
        batch_op.drop_column("standardised_sealed")
        batch_op.drop_column("raw_sealed")
        batch_op.drop_column("key_ref")

    with op.batch_alter_table("guest_mention", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.DATE(), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.VARCHAR(length=32), nullable=True))
        batch_op.add_column(sa.Column("id_number", sa.VARCHAR(length=64), nullable=True))
        batch_op.add_column(sa.Column("email", sa.VARCHAR(length=254), nullable=True))
        batch_op.drop_index(batch_op.f("ix_guest_mention_phone_bidx"))
        batch_op.drop_index(batch_op.f("ix_guest_mention_id_number_bidx"))
        batch_op.drop_index(batch_op.f("ix_guest_mention_email_bidx"))
        batch_op.drop_index("ix_guest_mention_name_birth")
        batch_op.create_index(
            batch_op.f("ix_guest_mention_name_birth"), ["name_key", "birth_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_guest_mention_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_id_number"), ["id_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_mention_email"), ["email"], unique=False)
        batch_op.drop_column("birth_bidx")
        batch_op.drop_column("birth_date_enc")
        batch_op.drop_column("id_number_bidx")
        batch_op.drop_column("id_number_enc")
        batch_op.drop_column("email_bidx")
        batch_op.drop_column("email_enc")
        batch_op.drop_column("phone_bidx")
        batch_op.drop_column("phone_enc")
        batch_op.drop_column("key_ref")

    with op.batch_alter_table("guest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.DATE(), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.VARCHAR(length=32), nullable=True))
        batch_op.add_column(sa.Column("id_document_number", sa.VARCHAR(length=64), nullable=True))
        batch_op.add_column(sa.Column("email", sa.VARCHAR(length=254), nullable=True))
        batch_op.drop_index(batch_op.f("ix_guest_phone_tail_bidx"))
        batch_op.drop_index(batch_op.f("ix_guest_phone_bidx"))
        batch_op.drop_index(batch_op.f("ix_guest_id_number_bidx"))
        batch_op.drop_index(batch_op.f("ix_guest_email_bidx"))
        batch_op.create_index(batch_op.f("ix_guest_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_guest_email"), ["email"], unique=False)
        batch_op.drop_column("birth_day")
        batch_op.drop_column("birth_month")
        batch_op.drop_column("birth_date_enc")
        batch_op.drop_column("id_number_bidx")
        batch_op.drop_column("id_number_enc")
        batch_op.drop_column("email_bidx")
        batch_op.drop_column("email_enc")
        batch_op.drop_column("phone_tail_bidx")
        batch_op.drop_column("phone_bidx")
        batch_op.drop_column("phone_enc")
        batch_op.drop_column("key_ref")
