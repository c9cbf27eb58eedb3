"""sealed preferences: a preference's value (an allergy, a diet: health data) becomes ciphertext under
its guest's data key, like the guest's phone and ID (CR-01); erasure then shreds it with the guest.

Existing values are sealed in place with the installation's keys (see 0015); a guest without a key gets
one. Downgrading drops the sealed values (it cannot restore plaintext).

Revision ID: 0041
Revises: 0040
Create Date: 2026-11-24 02:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("preference", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_ref", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("value_enc", sa.Text(), nullable=True))
    _seal_existing_values()
    with op.batch_alter_table("preference", schema=None) as batch_op:
        batch_op.drop_column("value")


def _seal_existing_values() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT p.id, p.guest_id, p.value, g.key_ref FROM preference p "
            "JOIN guest g ON g.id = p.guest_id ORDER BY p.id"
        )
    ).all()
    if not rows:
        return
    from guestgraph.config import load_settings
    from guestgraph.crypto import FieldContext, Vault

    vault = Vault.from_settings(load_settings())
    try:
        keys = {r.guest_id: r.key_ref for r in rows if r.key_ref}
        keyless = sorted({r.guest_id for r in rows} - set(keys))
        if keyless:
            for guest_id, ref in zip(keyless, vault.new_guest_keys(len(keyless)), strict=True):
                keys[guest_id] = ref
            conn.execute(
                sa.text("UPDATE guest SET key_ref = :ref WHERE id = :gid"),
                [{"ref": keys[g], "gid": g} for g in keyless],
            )
        for start in range(0, len(rows), BATCH):
            values = []
            for r in rows[start : start + BATCH]:
                # Frozen here (not guestgraph.pii): the AAD row name as it is at this revision.
                where = FieldContext(vault.tenant, "preference", "value", f"preference:{r.id}")
                sealed = vault.encrypt(keys[r.guest_id], where, r.value) if r.value else None
                values.append({"pid": r.id, "ref": keys[r.guest_id], "enc": sealed})
            conn.execute(
                sa.text("UPDATE preference SET key_ref = :ref, value_enc = :enc WHERE id = :pid"), values
            )
    finally:
        vault.close()


def downgrade() -> None:
    with op.batch_alter_table("preference", schema=None) as batch_op:
        batch_op.add_column(sa.Column("value", sa.String(length=500), nullable=False, server_default=""))
        batch_op.drop_column("value_enc")
        batch_op.drop_column("key_ref")
