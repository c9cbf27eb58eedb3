"""access change kinds: dual control (AC-06) covers more than role and scope changes. A new account,
a role's MFA exemption, an MFA reset, re-enabling an account and a new e-mail address now wait for a
second admin too. `kind` says which; `user_id` becomes optional (a role's exemption names no user, a
new account has none until its approval creates it). Existing rows are role and scope changes.

Downgrading drops the rows of the new kinds (the old schema cannot hold them).

Revision ID: 0048
Revises: 0047
Create Date: 2026-11-27 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0048"
down_revision: str | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("role_scope", "new_account", "mfa_exemption", "mfa_reset", "reenable", "email")


def _kind_type() -> sa.Enum:
    return sa.Enum(*KINDS, name="access_change_kind", native_enum=False, create_constraint=True)


def upgrade() -> None:
    with op.batch_alter_table("access_change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", _kind_type(), nullable=True))
    op.execute("UPDATE access_change SET kind = 'role_scope'")
    with op.batch_alter_table("access_change", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kind_type(), nullable=False)
        batch_op.alter_column(
            "user_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        )


def downgrade() -> None:
    op.execute("DELETE FROM access_change WHERE kind <> 'role_scope' OR user_id IS NULL")
    with op.batch_alter_table("access_change", schema=None) as batch_op:
        batch_op.alter_column(
            "user_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        )
        batch_op.drop_constraint(batch_op.f("ck_access_change_access_change_kind"), type_="check")
        batch_op.drop_column("kind")
