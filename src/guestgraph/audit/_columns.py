"""The search columns of `audit_event` are copies of payload fields; this checks them set-based, in
SQL, so that an edited column (a time moved back to get an event pruned, an actor changed to hide
who did it) is caught although the chain covers only the payload."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

_SQLITE = """
SELECT min(seq) FROM (
    SELECT seq, occurred_at, action, outcome, category, actor_user_id, actor_username, guest_public_id,
           CAST(payload AS TEXT) AS j
    FROM audit_event WHERE seq >= :start
) WHERE json_extract(j, '$.action') IS NOT action
     OR json_extract(j, '$.outcome') IS NOT outcome
     OR json_extract(j, '$.category') IS NOT category
     OR json_extract(j, '$.actor_user_id') IS NOT actor_user_id
     OR json_extract(j, '$.actor_username') IS NOT actor_username
     OR json_extract(j, '$.guest_public_id') IS NOT guest_public_id
     OR replace(replace(json_extract(j, '$.time'), 'T', ' '), 'Z', '') IS NOT occurred_at
"""

_POSTGRES = """
SELECT min(seq) FROM (
    SELECT seq, occurred_at, action, outcome, category, actor_user_id, actor_username, guest_public_id,
           convert_from(payload, 'UTF8')::jsonb AS j
    FROM audit_event WHERE seq >= :start
) AS e WHERE (j->>'action') IS DISTINCT FROM action
     OR (j->>'outcome') IS DISTINCT FROM outcome
     OR (j->>'category') IS DISTINCT FROM category
     OR (j->>'actor_user_id')::bigint IS DISTINCT FROM actor_user_id
     OR (j->>'actor_username') IS DISTINCT FROM actor_username
     OR (j->>'guest_public_id') IS DISTINCT FROM guest_public_id
     OR (j->>'time')::timestamptz IS DISTINCT FROM occurred_at
"""


def first_column_mismatch(session: Session, start: int) -> int | None:
    sql = _POSTGRES if session.get_bind().dialect.name == "postgresql" else _SQLITE
    value = session.execute(text(sql), {"start": start}).scalar()
    return None if value is None else int(value)
