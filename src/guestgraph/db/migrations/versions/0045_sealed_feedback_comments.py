"""sealed feedback comments: what guests write (a ticket rating's comment, a survey's comment, an OTA
review's text) becomes ciphertext (CR-01): under the guest's data key when the row has a guest (erasure
shreds it with the guest), else, for a review nobody was matched to, under a key of the review's own.
The row names its key (`key_ref`), as an interaction does.

Existing comments are sealed in place with the installation's keys (see 0015), a batch at a time; a
guest without a key gets one. Scores are untouched. Downgrading drops the sealed comments (it cannot
restore plaintext).

Revision ID: 0045
Revises: 0044
Create Date: 2026-11-25 15:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0045"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
# table -> the AAD row prefix, frozen here (not guestgraph.pii): the names as they are at this revision
TABLES = {"ticket_rating": "ticket_rating", "survey": "survey", "ota_review": "ota_review"}


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("key_ref", sa.String(length=32), nullable=True))
            batch_op.add_column(sa.Column("comment_enc", sa.Text(), nullable=True))
    _seal_existing_comments()
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("comment")


def _seal_existing_comments() -> None:
    conn = op.get_bind()
    if not any(_has_comments(conn, table) for table in TABLES):
        return
    from guestgraph.config import load_settings
    from guestgraph.crypto import Vault

    vault = Vault.from_settings(load_settings())
    try:
        for table in TABLES:
            _give_guests_keys(conn, vault, table)
            _seal_table(conn, vault, table)
    finally:
        vault.close()


def _rows(table: str) -> sa.TableClause:
    return sa.table(table, sa.column("id"), sa.column("guest_id"), sa.column("comment"), sa.column("key_ref"),
                    sa.column("comment_enc"))  # fmt: skip


GUEST = sa.table("guest", sa.column("id"), sa.column("key_ref"))


def _has_comments(conn: sa.Connection, table: str) -> bool:
    t = _rows(table)
    return conn.execute(sa.select(t.c.id).where(t.c.comment != "").limit(1)).first() is not None


def _give_guests_keys(conn: sa.Connection, vault: Any, table: str) -> None:
    t = _rows(table)
    keyless = list(
        conn.scalars(
            sa.select(GUEST.c.id)
            .distinct()
            .join(t, t.c.guest_id == GUEST.c.id)
            .where(GUEST.c.key_ref.is_(None), t.c.comment != "")
            .order_by(GUEST.c.id)
        )
    )
    for start in range(0, len(keyless), BATCH):
        chunk = keyless[start : start + BATCH]
        refs = vault.new_guest_keys(len(chunk))
        conn.execute(
            sa.text("UPDATE guest SET key_ref = :ref WHERE id = :gid"),
            [{"ref": r, "gid": g} for g, r in zip(chunk, refs, strict=True)],
        )


def _seal_table(conn: sa.Connection, vault: Any, table: str) -> None:
    from guestgraph.crypto import FieldContext

    t = _rows(table)
    page = (
        sa.select(t.c.id, t.c.comment, GUEST.c.key_ref)
        .join(GUEST, GUEST.c.id == t.c.guest_id, isouter=True)
        .where(t.c.id > sa.bindparam("after"), t.c.comment != "")
        .order_by(t.c.id)
        .limit(BATCH)
    )
    write = (
        sa.update(t)
        .where(t.c.id == sa.bindparam("rid"))
        .values(key_ref=sa.bindparam("ref"), comment_enc=sa.bindparam("enc"))
    )
    after = 0
    while rows := conn.execute(page, {"after": after}).all():
        keyless = sum(r.key_ref is None for r in rows)
        own = iter(vault.new_guest_keys(keyless) if keyless else [])
        refs = {r.id: r.key_ref or next(own) for r in rows}  # a review nobody was matched to: its own key
        vault.preload(refs.values())
        values = []
        for r in rows:
            where = FieldContext(vault.tenant, table, "comment", f"{TABLES[table]}:{r.id}")
            values.append(
                {"rid": r.id, "ref": refs[r.id], "enc": vault.encrypt(refs[r.id], where, r.comment)}
            )
        conn.execute(write, values)
        after = rows[-1].id


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("comment", sa.Text(), nullable=True))
            batch_op.drop_column("comment_enc")
            batch_op.drop_column("key_ref")
