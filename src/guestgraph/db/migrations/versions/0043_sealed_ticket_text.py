"""sealed ticket text: what is written on a service ticket (its description, the texts of its history:
comments, notes, file names) becomes ciphertext under the ticket's own data key, like an inbox
conversation's messages (CR-01). A ticket need not be about a guest, so the key is the ticket's; erasing
the guest or expiring the ticket shreds it.

Every existing ticket gets a key and its texts are sealed in place with the installation's keys (see
0015), a batch of tickets at a time. Downgrading drops the sealed texts (it cannot restore plaintext).

Revision ID: 0043
Revises: 0042
Create Date: 2026-11-25 11:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 900  # tickets at a time (their ids go into one IN list)


def upgrade() -> None:
    with op.batch_alter_table("service_ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_ref", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("description_enc", sa.Text(), nullable=True))
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_enc", sa.Text(), nullable=True))
    _seal_existing_texts()
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.drop_column("text")
    with op.batch_alter_table("service_ticket", schema=None) as batch_op:
        batch_op.drop_column("description")


def _seal_existing_texts() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT 1 FROM service_ticket LIMIT 1")).first() is None:
        return
    from guestgraph.config import load_settings
    from guestgraph.crypto import Vault

    vault = Vault.from_settings(load_settings())
    try:
        after = 0
        while tickets := conn.execute(
            sa.text("SELECT id, description FROM service_ticket WHERE id > :after ORDER BY id LIMIT :n"),
            {"after": after, "n": BATCH},
        ).all():
            keys = dict(zip((t.id for t in tickets), vault.new_guest_keys(len(tickets)), strict=True))
            conn.execute(
                sa.text("UPDATE service_ticket SET key_ref = :ref, description_enc = :enc WHERE id = :tid"),
                [
                    {
                        "tid": t.id,
                        "ref": keys[t.id],
                        "enc": _seal(
                            vault,
                            keys[t.id],
                            "service_ticket",
                            "description",
                            f"ticket:{t.id}",
                            t.description,
                        ),
                    }
                    for t in tickets
                ],
            )
            events = conn.execute(
                sa.text(
                    "SELECT id, ticket_id, text FROM ticket_event WHERE ticket_id IN :ids AND text IS NOT NULL"
                ).bindparams(sa.bindparam("ids", expanding=True)),
                {"ids": list(keys)},
            ).all()
            if events:
                conn.execute(
                    sa.text("UPDATE ticket_event SET text_enc = :enc WHERE id = :eid"),
                    [
                        {
                            "eid": e.id,
                            "enc": _seal(
                                vault,
                                keys[e.ticket_id],
                                "ticket_event",
                                "text",
                                f"ticket_event:{e.id}",
                                e.text,
                            ),
                        }
                        for e in events
                    ],
                )
            after = tickets[-1].id
    finally:
        vault.close()


def _seal(vault: Any, key_ref: str, table: str, column: str, row: str, value: str | None) -> str | None:
    from guestgraph.crypto import FieldContext

    # Frozen here (not guestgraph.pii): the AAD row names as they are at this revision.
    return vault.encrypt(key_ref, FieldContext(vault.tenant, table, column, row), value) if value else None


def downgrade() -> None:
    with op.batch_alter_table("service_ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.drop_column("description_enc")
        batch_op.drop_column("key_ref")
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))
        batch_op.drop_column("text_enc")
