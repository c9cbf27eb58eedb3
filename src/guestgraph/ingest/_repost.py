"""Posting the folio lines stored before 0054 whose stay came later (`guestgraph repost-folio-lines`).

Since 0054 a folio line imported before its stay keeps the confirmation number it named
(`charge.awaited_confirmation_number`) until the import that brings the stay posts it. Lines stored
before then kept no number: whatever stay arrived later, their spend never counted for it or its guest.
This recovers, chunk by chunk, the number each line without a stay named from its source record's
standardised values (opened with the vault, as quarantine and privacy exports open them), keeps it on
the line and posts the lines whose stay exists now with the import's own statement
(`_post_waiting_lines`); the others wait for their stay's import like any line since 0054.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, exists, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import audit, pii
from guestgraph.crypto import Vault
from guestgraph.db import session_scope
from guestgraph.db.models import Charge, RecordStatus, SourceRecord, Stay
from guestgraph.ingest._project import _post_waiting_lines, awaited_stay

CHUNK = 1000
NUMBER_LENGTH = 64  # a stay's confirmation number: `_charge_values` keeps no longer one either

# Why a line's number cannot be recovered (the keys of `RepostOutcome.unrecoverable`)
NO_RECORD = "no source record"  # the record was deleted (retention) or the line predates lineage
KEY_DESTROYED = "source record's key destroyed"  # crypto-shredded: nothing left to read
NAMED_NO_STAY = "named no confirmation number"  # a walk-in's bar bill, a line posted to the house
TOO_LONG = f"number longer than {NUMBER_LENGTH} characters"  # no stay can have it


@dataclass
class RepostOutcome:
    """What a run found among the folio lines without a stay: each is posted now, still waiting for its
    stay, of an erased record (skipped: nothing of it may be read back) or without a number to wait for."""

    examined: int = 0
    posted: int = 0
    waiting: int = 0
    erased: int = 0
    numbers_recovered: int = 0  # lines given back the number they named in this run
    unrecoverable: dict[str, int] = field(default_factory=dict)

    @property
    def reconciles(self) -> bool:
        accounted = self.posted + self.waiting + self.erased + sum(self.unrecoverable.values())
        return self.examined == accounted


def repost_folio_lines(
    factory: sessionmaker[Session],
    *,
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> RepostOutcome:
    """Give every folio line without a stay the confirmation number its record named and post those whose
    stay exists now, one transaction per `chunk` lines in id order (a run stopped half-way loses nothing:
    run it again). The stays posted to are marked updated, so the next incremental analytics refresh
    rebuilds their days and recomputes their guests. Idempotent: a second run posts and changes nothing."""
    with factory() as session:
        total = int(session.scalar(select(func.count()).where(Charge.stay_id.is_(None))) or 0)
    outcome = RepostOutcome()
    after = 0
    while True:
        with session_scope(factory) as session:
            lines = session.execute(_lines_without_stay(after, chunk)).all()
            if not lines:
                audit.log_event(
                    session, "ingest.folio_repost", object_type="charge", details=_details(outcome)
                )
                break
            _repost_chunk(session.connection(), pii.vault_of(session), lines, outcome)
        after = lines[-1].id
        if progress is not None:
            progress(min(outcome.examined, total), max(total, outcome.examined))
    return outcome


def _lines_without_stay(after: int, chunk: int) -> Any:
    """The next `chunk` lines without a stay, with the columns `pii.open_record` opens their record by."""
    return (
        select(
            Charge.id,
            Charge.awaited_confirmation_number.label("awaited"),
            SourceRecord.id.label("record_id"),
            SourceRecord.status,
            SourceRecord.source_system_id,
            SourceRecord.external_id,
            SourceRecord.version_key,
            SourceRecord.key_ref,
            SourceRecord.raw_sealed,
            SourceRecord.standardised_sealed,
        )
        .outerjoin(SourceRecord, SourceRecord.id == Charge.source_record_id)
        .where(Charge.stay_id.is_(None), Charge.id > after)
        .order_by(Charge.id)
        .limit(chunk)
    )


def _repost_chunk(conn: Connection, vault: Vault, lines: Sequence[Row[Any]], outcome: RepostOutcome) -> None:
    """One chunk: the numbers recovered kept on their lines, the lines naming the chunk's numbers posted
    where their stay exists, and the chunk's lines counted by what became of them."""
    recovered = _recover(vault, lines, outcome)
    if recovered:
        keep = (
            update(Charge)
            .where(
                Charge.id == bindparam("line_id"),
                Charge.stay_id.is_(None),
                Charge.awaited_confirmation_number.is_(None),
            )
            .values(awaited_confirmation_number=bindparam("number"))
        )
        conn.execute(keep, recovered)
        outcome.numbers_recovered += len(recovered)
    numbers = {r.awaited for r in lines if r.awaited is not None} | {r["number"] for r in recovered}
    posted = _post(conn, sorted(numbers)) if numbers else 0
    in_chunk = Charge.id.in_([r.id for r in lines])
    posted_here = int(conn.scalar(select(func.count()).where(in_chunk, Charge.stay_id.is_not(None))) or 0)
    still = Charge.stay_id.is_(None) & Charge.awaited_confirmation_number.is_not(None)
    outcome.waiting += int(conn.scalar(select(func.count()).where(in_chunk, still)) or 0)
    outcome.posted += posted
    outcome.examined += len(lines) + posted - posted_here  # + later lines already waiting for these numbers


def _recover(vault: Vault, lines: Sequence[Row[Any]], outcome: RepostOutcome) -> list[dict[str, Any]]:
    """The number each line that keeps none named (`line_id`, `number`), its record opened in memory;
    lines of erased records and lines without a number are counted in `outcome`."""
    unread = [r for r in lines if r.awaited is None]
    pii.preload(vault, (r.key_ref for r in unread if r.status != RecordStatus.ERASED))
    recovered: list[dict[str, Any]] = []
    for r in unread:
        if r.status == RecordStatus.ERASED:
            outcome.erased += 1
            continue
        number, why = _named_number(vault, r)
        if number is None:
            outcome.unrecoverable[why] = outcome.unrecoverable.get(why, 0) + 1
        else:
            recovered.append({"line_id": r.id, "number": number})
    return recovered


def _post(conn: Connection, numbers: list[str]) -> int:
    """Mark updated the stays the waiting lines naming `numbers` will be posted to (what an import's
    stay upsert does for the stays it brings), then post them; returns how many lines were posted."""
    arrived = exists().where(awaited_stay(), Charge.awaited_confirmation_number.in_(numbers))
    conn.execute(update(Stay).where(arrived).values(updated_at=datetime.now(UTC)))
    return _post_waiting_lines(conn, numbers)


def _named_number(vault: Vault, line: Row[Any]) -> tuple[str | None, str]:
    """The confirmation number the line's record named (as `_charge_values` read it), or why there is none."""
    if line.record_id is None:
        return None, NO_RECORD
    opened = pii.open_record(vault, line)
    if opened.shredded:
        return None, KEY_DESTROYED
    number = str((opened.standardised.get("record") or {}).get("confirmation_number") or "")
    if not number:
        return None, NAMED_NO_STAY
    if len(number) > NUMBER_LENGTH:
        return None, TOO_LONG
    return number, ""


def _details(outcome: RepostOutcome) -> dict[str, Any]:
    """The audit event's counts (no numbers, no guests)."""
    return {
        "examined": outcome.examined,
        "posted": outcome.posted,
        "waiting": outcome.waiting,
        "erased": outcome.erased,
        "numbers_recovered": outcome.numbers_recovered,
        "unrecoverable": dict(sorted(outcome.unrecoverable.items())),
    }
