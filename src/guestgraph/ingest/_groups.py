"""Pushes that arrive together are imported together (group commit).

A channel manager flushing its queue sends many small messages at once. Imported one by one, each
costs an import batch (open, one transaction, quality figures, an alert check) and, on SQLite, a turn
at the one write lock, so sixteen senders spend most of their time waiting for each other. Instead,
a push that arrives while an import of the same source is being written waits, and everything that
waited goes into the next import together: one batch, one transaction. At low traffic each push is
its own batch, as before. A push is answered only once its records are stored (and, when the caller
asks for it, resolved), so a success still means stored; each sender gets the outcome of its own
records only.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from guestgraph.errors import GuestgraphError
from guestgraph.ingest._engine import CHUNK, BatchSummary, ImportRequest, RecordResult, run_import
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest._rules import RuleSet

AfterImport = Callable[[int], None]


@dataclass
class _Push:
    records: list[InboundRecord]
    ready: threading.Event = field(default_factory=threading.Event)
    leads: bool = False  # woken to write the next group rather than with its outcome
    summary: BatchSummary | None = None
    error: BaseException | None = None


class PushGroups:
    """Groups concurrent pushes of one source into shared import batches.

    `after_import(batch_id)` runs once per stored batch before its senders are answered (the web app
    resolves the batch's persons there). `max_records` bounds a group so it stays one transaction.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        after_import: AfterImport | None = None,
        max_records: int = CHUNK,
        rules: RuleSet | None = None,
    ) -> None:
        self._factory = factory
        self._rules = rules
        self._after_import = after_import
        self._max_records = max_records
        self._lock = threading.Lock()
        self._waiting: dict[tuple[str | None, ...], deque[_Push]] = {}
        self._writing: set[tuple[str | None, ...]] = set()  # keys whose group a push is writing
        self._importing = 0

    def submit(
        self, request: ImportRequest, records: list[InboundRecord], *, today: date | None = None
    ) -> BatchSummary:
        """Import `records` (one push) and return what became of them; raises what their import raised."""
        key = (request.source, request.channel, request.format, request.hotel_code)
        push = _Push(records)
        with self._lock:
            queue = self._waiting.setdefault(key, deque())
            queue.append(push)
            push.leads = len(queue) == 1 and key not in self._writing
            if push.leads:
                self._writing.add(key)
        if not push.leads:
            push.ready.wait()
        if push.leads:
            self._write_group(key, request, today)
        if push.error is not None:
            raise push.error
        assert push.summary is not None
        return push.summary

    def queued(self) -> int:
        """Pushes waiting for the import being written (of any source)."""
        with self._lock:
            return sum(len(q) for q in self._waiting.values())

    def writing(self) -> int:
        """Groups of pushes being imported now (one at most per source)."""
        with self._lock:
            return self._importing

    def _write_group(self, key: tuple[str | None, ...], request: ImportRequest, today: date | None) -> None:
        with self._lock:
            queue = self._waiting[key]
            group: list[_Push] = []
            size = 0
            while queue and (not group or size + len(queue[0].records) <= self._max_records):
                push = queue.popleft()
                group.append(push)
                size += len(push.records)
            self._importing += 1
        try:
            self._import(request, group, today)
        except BaseException as e:  # a defect, not a refused record: every sender in the group hears of it
            for push in group:
                if push.summary is None and push.error is None:
                    push.error = e
        finally:
            with self._lock:
                self._importing -= 1
                queue = self._waiting[key]
                if queue:  # pushes that arrived meanwhile: the first of them writes the next group
                    queue[0].leads = True
                    queue[0].ready.set()
                else:
                    self._writing.discard(key)
            for push in group:
                push.leads = False
                push.ready.set()

    def _import(self, request: ImportRequest, group: list[_Push], today: date | None) -> None:
        records = _labelled(group)
        try:
            summary = run_import(
                self._factory, records, request, rules=self._rules, today=today, collect=True
            )
        except (GuestgraphError, SQLAlchemyError) as e:
            if len(group) == 1:
                group[0].error = e
                return
            for push in group:  # one push's failure must not fail the others: each on its own
                self._import(request, [push], today)
            return
        if self._after_import is not None:
            self._after_import(summary.batch_id)
        if len(group) == 1:
            group[0].summary = summary
            return
        start = 0
        for push in group:
            results = summary.records[start : start + len(push.records)]
            push.summary = _own_part(summary, push.records, results)
            start += len(push.records)


def _labelled(group: list[_Push]) -> list[InboundRecord]:
    """In a batch of several pushes, each record's location says which push it came in."""
    if len(group) == 1:
        return group[0].records
    return [
        replace(record, location=f"push {n} · {record.location}")
        for n, push in enumerate(group, start=1)
        for record in push.records
    ]


def _own_part(summary: BatchSummary, sent: list[InboundRecord], results: list[RecordResult]) -> BatchSummary:
    """The sender's share of a shared batch: its records, counted as the batch counts them."""
    part = BatchSummary(batch_id=summary.batch_id, status=summary.status, error=summary.error)
    part.records = [replace(r, location=s.location) for r, s in zip(results, sent, strict=True)]
    part.rows_read = len(results)
    for r in results:
        if r.outcome == "duplicate":
            part.duplicates += 1
        elif r.status == "quarantined":
            part.quarantined += 1
        elif r.status == "accepted_with_warnings":
            part.accepted_with_warnings += 1
        else:
            part.accepted += 1
    return part
