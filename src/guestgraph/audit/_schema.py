"""What `verify` checks of the table itself: its search columns must still be generated from the
payload (else they could be edited apart from the bytes the chain covers), and the append-only
triggers should be in place (their absence is reported as a warning by the caller's report)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from guestgraph.db.models.audit import GENERATED_SQLITE

_PG_GENERATED = """SELECT count(*) FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = 'audit_event' AND is_generated = 'ALWAYS'"""
_SQLITE_GENERATED = "SELECT count(*) FROM pragma_table_xinfo('audit_event') WHERE hidden IN (2, 3)"
_PG_TRIGGERS = """SELECT count(*) FROM pg_trigger
WHERE tgrelid = 'audit_event'::regclass AND NOT tgisinternal AND tgenabled <> 'D'"""
_SQLITE_TRIGGERS = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"


def schema_problem(session: Session) -> str | None:
    postgres = session.get_bind().dialect.name == "postgresql"
    generated = session.execute(text(_PG_GENERATED if postgres else _SQLITE_GENERATED)).scalar()
    if generated != len(GENERATED_SQLITE):
        return (
            f"the audit_event search columns are no longer all generated from the payload "
            f"({generated} of {len(GENERATED_SQLITE)}): they may have been edited"
        )
    return None


def triggers_missing(session: Session) -> bool:
    postgres = session.get_bind().dialect.name == "postgresql"
    expected = 2  # PostgreSQL: row + TRUNCATE trigger; SQLite: UPDATE + DELETE trigger
    return session.execute(text(_PG_TRIGGERS if postgres else _SQLITE_TRIGGERS)).scalar() != expected
