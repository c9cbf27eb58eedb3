"""sealed prompt details: a service prompt's reason detail copies the matched allergy, do-not-rent or
complaint text (up to 200 characters) from sealed preferences and notes; it becomes ciphertext under the
guest's data key like the texts it quotes (0041, 0042; CR-01), and erasure shreds it with the guest.
The row names its key (`key_ref`); the AAD row is the prompt's natural key, `service_prompt:<stay>:<rule>`.

Existing details are sealed in place with the installation's keys (see 0015), a batch at a time; a guest
without a key gets one. Downgrading drops the sealed details (it cannot restore plaintext); generating
the prompts again fills them for the open ones.

Revision ID: 0049
Revises: 0048
Create Date: 2026-11-25 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0049"
down_revision: str | None = "0048"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("service_prompt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_ref", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("reason_detail_enc", sa.Text(), nullable=True))
    _seal_existing_details()
    with op.batch_alter_table("service_prompt", schema=None) as batch_op:
        batch_op.drop_column("reason_detail")


def _seal_existing_details() -> None:
    conn = op.get_bind()
    held = sa.text("SELECT 1 FROM service_prompt WHERE reason_detail <> '' LIMIT 1")
    if conn.execute(held).first() is None:
        return
    from guestgraph.config import load_settings
    from guestgraph.crypto import FieldContext, Vault

    vault = Vault.from_settings(load_settings())
    try:
        keyless = list(
            conn.scalars(
                sa.text(
                    "SELECT DISTINCT g.id FROM guest g JOIN service_prompt p ON p.guest_id = g.id "
                    "WHERE g.key_ref IS NULL AND p.reason_detail <> '' ORDER BY g.id"
                )
            )
        )
        for start in range(0, len(keyless), BATCH):
            chunk = keyless[start : start + BATCH]
            conn.execute(
                sa.text("UPDATE guest SET key_ref = :ref WHERE id = :gid"),
                [{"ref": r, "gid": g} for g, r in zip(chunk, vault.new_guest_keys(len(chunk)), strict=True)],
            )
        after = 0
        while rows := conn.execute(
            sa.text(
                "SELECT p.id, p.stay_id, p.rule_id, p.reason_detail, g.key_ref "
                "FROM service_prompt p JOIN guest g ON g.id = p.guest_id "
                "WHERE p.id > :after AND p.reason_detail <> '' ORDER BY p.id LIMIT :n"
            ),
            {"after": after, "n": BATCH},
        ).all():
            vault.preload(r.key_ref for r in rows)
            values = []
            for r in rows:
                # Frozen here (not guestgraph.pii): the AAD row name as it is at this revision.
                where = FieldContext(
                    vault.tenant, "service_prompt", "reason_detail", f"service_prompt:{r.stay_id}:{r.rule_id}"
                )
                enc = vault.encrypt(r.key_ref, where, r.reason_detail)
                values.append({"pid": r.id, "ref": r.key_ref, "enc": enc})
            conn.execute(
                sa.text("UPDATE service_prompt SET key_ref = :ref, reason_detail_enc = :enc WHERE id = :pid"),
                values,
            )
            after = rows[-1].id
    finally:
        vault.close()


def downgrade() -> None:
    with op.batch_alter_table("service_prompt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_detail", sa.String(length=200), nullable=True))
        batch_op.drop_column("reason_detail_enc")
        batch_op.drop_column("key_ref")
