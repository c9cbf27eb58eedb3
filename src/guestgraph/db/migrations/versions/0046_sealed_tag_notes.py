"""sealed tag notes: the note staff write when they put a tag on a guest (free text: it may give a phone
number or a health remark) becomes ciphertext under the guest's data key, like interactions in 0042
(CR-01); erasure then shreds it with the guest. The row names its key (`key_ref`).

Existing notes are sealed in place with the installation's keys (see 0015), a batch at a time; a guest
without a key gets one. Downgrading drops the sealed notes (it cannot restore plaintext).

Revision ID: 0046
Revises: 0045
Create Date: 2026-11-25 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0046"
down_revision: str | None = "0045"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("guest_tag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_ref", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("note_enc", sa.Text(), nullable=True))
    _seal_existing_notes()
    with op.batch_alter_table("guest_tag", schema=None) as batch_op:
        batch_op.drop_column("note")


def _seal_existing_notes() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT 1 FROM guest_tag WHERE note <> '' LIMIT 1")).first() is None:
        return
    from guestgraph.config import load_settings
    from guestgraph.crypto import FieldContext, Vault

    vault = Vault.from_settings(load_settings())
    try:
        keyless = list(
            conn.scalars(
                sa.text(
                    "SELECT DISTINCT g.id FROM guest g JOIN guest_tag t ON t.guest_id = g.id "
                    "WHERE g.key_ref IS NULL AND t.note <> '' ORDER BY g.id"
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
                "SELECT t.id, t.note, g.key_ref FROM guest_tag t JOIN guest g ON g.id = t.guest_id "
                "WHERE t.id > :after AND t.note <> '' ORDER BY t.id LIMIT :n"
            ),
            {"after": after, "n": BATCH},
        ).all():
            vault.preload(r.key_ref for r in rows)
            values = []
            for r in rows:
                # Frozen here (not guestgraph.pii): the AAD row name as it is at this revision.
                where = FieldContext(vault.tenant, "guest_tag", "note", f"guest_tag:{r.id}")
                values.append({"tid": r.id, "ref": r.key_ref, "enc": vault.encrypt(r.key_ref, where, r.note)})
            conn.execute(
                sa.text("UPDATE guest_tag SET key_ref = :ref, note_enc = :enc WHERE id = :tid"), values
            )
            after = rows[-1].id
    finally:
        vault.close()


def downgrade() -> None:
    with op.batch_alter_table("guest_tag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.String(length=200), nullable=True))
        batch_op.drop_column("note_enc")
        batch_op.drop_column("key_ref")
