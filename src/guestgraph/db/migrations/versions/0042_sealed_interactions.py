"""sealed interactions: the text of a guest's interactions and notes (what staff type about a call, a
complaint: it may hold a phone number or a health remark) becomes ciphertext under the guest's data
key, like preferences in 0041 (CR-01); erasure then shreds it with the guest.

Existing texts are sealed in place with the installation's keys (see 0015), a batch at a time; a guest
without a key gets one. Downgrading drops the sealed texts (it cannot restore plaintext).

Revision ID: 0042
Revises: 0041
Create Date: 2026-11-25 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_ref", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("text_enc", sa.Text(), nullable=True))
    _seal_existing_texts()
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_column("text")


def _seal_existing_texts() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT 1 FROM interaction LIMIT 1")).first() is None:
        return
    from guestgraph.config import load_settings
    from guestgraph.crypto import FieldContext, Vault

    vault = Vault.from_settings(load_settings())
    try:
        keyless = list(
            conn.scalars(
                sa.text(
                    "SELECT DISTINCT g.id FROM guest g JOIN interaction i ON i.guest_id = g.id "
                    "WHERE g.key_ref IS NULL ORDER BY g.id"
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
                "SELECT i.id, i.text, g.key_ref FROM interaction i JOIN guest g ON g.id = i.guest_id "
                "WHERE i.id > :after ORDER BY i.id LIMIT :n"
            ),
            {"after": after, "n": BATCH},
        ).all():
            vault.preload(r.key_ref for r in rows)
            values = []
            for r in rows:
                # Frozen here (not guestgraph.pii): the AAD row name as it is at this revision.
                where = FieldContext(vault.tenant, "interaction", "text", f"interaction:{r.id}")
                sealed = vault.encrypt(r.key_ref, where, r.text) if r.text else None
                values.append({"iid": r.id, "ref": r.key_ref, "enc": sealed})
            conn.execute(
                sa.text("UPDATE interaction SET key_ref = :ref, text_enc = :enc WHERE id = :iid"), values
            )
            after = rows[-1].id
    finally:
        vault.close()


def downgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=False, server_default=""))
        batch_op.drop_column("text_enc")
        batch_op.drop_column("key_ref")
