"""sealed ticket title: a service ticket's title becomes ciphertext under the ticket's own data key, like
its description in 0043 (CR-01). A complaint's first line becomes the title, so it may hold a health
remark ("花生过敏…") or a phone number; erasing the guest or expiring the ticket shreds the key.

Existing titles are sealed in place with the installation's keys (see 0015), a batch of tickets at a
time; a ticket without a key (none after 0043, but cheap to be sure) gets one. Downgrading drops the
sealed titles (it cannot restore plaintext) and leaves "" in their place.

Revision ID: 0044
Revises: 0043
Create Date: 2026-11-25 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("service_ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_enc", sa.Text(), nullable=True))
    _seal_existing_titles()
    with op.batch_alter_table("service_ticket", schema=None) as batch_op:
        batch_op.drop_column("title")


def _seal_existing_titles() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT 1 FROM service_ticket LIMIT 1")).first() is None:
        return
    from guestgraph.config import load_settings
    from guestgraph.crypto import FieldContext, Vault

    vault = Vault.from_settings(load_settings())
    try:
        after = 0
        while rows := conn.execute(
            sa.text("SELECT id, key_ref, title FROM service_ticket WHERE id > :after ORDER BY id LIMIT :n"),
            {"after": after, "n": BATCH},
        ).all():
            refs = {r.id: r.key_ref for r in rows}
            keyless = [i for i, ref in refs.items() if ref is None]
            if keyless:
                refs |= dict(zip(keyless, vault.new_guest_keys(len(keyless)), strict=True))
            vault.preload(refs.values())
            values = []
            for r in rows:
                # Frozen here (not guestgraph.pii): the AAD row name as it is at this revision.
                where = FieldContext(vault.tenant, "service_ticket", "title", f"ticket:{r.id}")
                sealed = vault.encrypt(refs[r.id], where, r.title) if r.title else None
                values.append({"tid": r.id, "ref": refs[r.id], "enc": sealed})
            conn.execute(
                sa.text("UPDATE service_ticket SET key_ref = :ref, title_enc = :enc WHERE id = :tid"), values
            )
            after = rows[-1].id
    finally:
        vault.close()


def downgrade() -> None:
    with op.batch_alter_table("service_ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(length=200), nullable=False, server_default=""))
        batch_op.drop_column("title_enc")
