"""A refresh, full or incremental: metrics, RFM, lifecycle and its history, rule tags, dynamic segments and
the dashboard's roll-ups — one transaction, set-based, so readers see either the old figures or the new
ones."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, text, update
from sqlalchemy.exc import OperationalError

from guestgraph.analytics._history import record_stage_changes
from guestgraph.analytics._incremental import (
    Margins,
    changed_days,
    changed_guests,
    current_marks,
    guest_set,
)
from guestgraph.analytics._metrics import metrics_source, now_utc
from guestgraph.analytics._rollups import (
    ROLLUPS_MARK,
    ROLLUPS_VERSION,
    rebuild_days,
    rebuild_distribution,
)
from guestgraph.analytics._rules import RuleSet, load_rules
from guestgraph.analytics._scores import insert_changed, insert_metrics, rescore_in_place
from guestgraph.analytics._segments import refresh_dynamic_segments
from guestgraph.analytics._settings import AnalyticsSettings
from guestgraph.analytics._tags import refresh_rule_tags
from guestgraph.db.models import AnalyticsRun, GuestMetrics

T = TypeVar("T")
Step = Callable[[str, int, int], None]
SQLITE_CACHE_KIB = 256 * 1024  # and PostgreSQL work_mem
STEPS = ("metrics", "history", "tags", "segments", "dashboard")


@dataclass(frozen=True)
class RefreshSummary:
    kind: str  # full | incremental
    touched: int | None  # incremental: guests recomputed from their stays
    guests: int
    as_of: date
    seconds: float
    stages: dict[str, int]
    tags: dict[str, int]
    stage_changes: int
    segments: int
    timings: dict[str, float] = field(default_factory=dict)


def _metrics_of_changed(
    conn: Connection, changed: Table, as_of: date, rules: RuleSet, settings: AnalyticsSettings
) -> tuple[int, set[int]]:
    """Incremental: the changed guests' rows from their stays, then every guest's scores in place;
    (active guests, guests whose scores, group or churn flag moved)."""
    ids = select(changed.c.guest_id)
    conn.execute(delete(GuestMetrics).where(GuestMetrics.guest_id.in_(ids)))
    facts = metrics_source(as_of=as_of, words=rules.vocabulary, only=ids)
    guests = insert_changed(conn, facts=facts, settings=settings)
    return guests, rescore_in_place(conn, settings)


def _changed_days(marks: dict[str, Any], margins: Margins | None) -> Any:
    """The arrival days to rebuild; None (all of them) when the last run did not keep the roll-ups,
    or kept them before stays remembered the day they are counted under (0053)."""
    kept = int(marks.get(ROLLUPS_MARK) or 0) >= ROLLUPS_VERSION
    return changed_days(marks, margins or Margins()) if kept else None


def _rebuild_rollups(conn: Connection, days: Any) -> None:
    """The dashboard's day roll-ups (all, or the days given) and its stage / RFM distribution."""
    rebuild_days(conn, days)
    rebuild_distribution(conn)


def _computed_on(conn: Connection) -> set[date]:
    days = conn.execute(select(func.min(GuestMetrics.computed_on), func.max(GuestMetrics.computed_on))).one()
    return {d for d in days if d is not None}


def _give_memory(conn: Connection) -> None:
    """The refresh reads every stay and folio line: give it memory (hash anti-joins stay hashed).
    SQLite refuses `temp_store` inside a transaction once the pooled connection's temporary storage
    is in use ("temporary storage cannot be changed from within a transaction", seen in CI when an
    earlier refresh on the same connection had made temporary tables); the refresh then runs with
    the default rather than fail."""
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{SQLITE_CACHE_KIB // 1024}MB'")
        return
    conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    with suppress(OperationalError):  # a tuning knob only: the refresh is the same without it
        conn.exec_driver_sql("PRAGMA temp_store=MEMORY")


def refresh(
    engine: Engine,
    *,
    settings: AnalyticsSettings,
    as_of: date | None = None,
    rules: RuleSet | None = None,
    now: datetime | None = None,
    progress: Step | None = None,
    incremental: bool = False,
    margins: Margins | None = None,
) -> RefreshSummary:
    """Recompute every guest's metrics, scores, stage, tags and dynamic segment membership as of
    `as_of` (today by default).

    `incremental=True` recomputes from their stays only the guests changed since the last refresh
    (`_incremental`), then scores, stages, history, tags and segments over the stored facts of all
    guests, limiting tags and segments to the guests whose facts or scores moved: the same result as
    a full refresh. It runs a full refresh instead when there is no earlier run for the same day (a
    new day changes every guest's recency and stage)."""
    now = now or now_utc()
    as_of = as_of or now.date()
    rules = rules or load_rules()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with engine.begin() as conn:
        _give_memory(conn)  # first: SQLite takes temp_store only before the transaction writes
        previous = conn.execute(
            select(AnalyticsRun.as_of, AnalyticsRun.marks)
            .where(AnalyticsRun.finished_at.is_not(None))
            .order_by(AnalyticsRun.id.desc())
            .limit(1)
        ).first()
        marks = current_marks(conn, now) | {ROLLUPS_MARK: ROLLUPS_VERSION}
        same_day = previous is not None and previous.as_of == as_of and _computed_on(conn) == {as_of}
        kind = "incremental" if incremental and same_day else "full"
        run_id = conn.scalar(
            insert(AnalyticsRun)
            .values(kind=kind, as_of=as_of, started_at=now, marks=marks)
            .returning(AnalyticsRun.id)
        )

        def step(name: str, run: Callable[[], T]) -> T:
            t = time.perf_counter()
            if progress:
                progress(name, STEPS.index(name), len(STEPS))
            result = run()
            timings[name] = round(time.perf_counter() - t, 3)
            return result

        touched: int | None = None
        only: Any = None
        temporary: list[Table] = []
        if kind == "incremental":
            assert previous is not None
            changed = guest_set(conn, "tmp_changed", changed_guests(previous.marks, margins or Margins()))
            temporary.append(changed)
            touched = conn.scalar(select(func.count()).select_from(changed)) or 0
            guests, moved = step(
                "metrics", lambda: _metrics_of_changed(conn, changed, as_of, rules, settings)
            )
            affected = guest_set(conn, "tmp_affected", select(changed.c.guest_id))
            temporary.append(affected)
            extra = sorted(moved - set(conn.scalars(select(affected.c.guest_id))))
            for start in range(0, len(extra), 5000):
                conn.execute(insert(affected), [{"guest_id": g} for g in extra[start : start + 5000]])
            only = select(affected.c.guest_id)
        else:
            facts = metrics_source(as_of=as_of, words=rules.vocabulary)
            guests = step("metrics", lambda: insert_metrics(conn, facts=facts, settings=settings))
        _closed, opened = step("history", lambda: record_stage_changes(conn, as_of=as_of, only=only))
        tags = step("tags", lambda: refresh_rule_tags(conn, rules, today=as_of, now=now, only=only))
        segments = step("segments", lambda: refresh_dynamic_segments(conn, today=as_of, now=now, only=only))
        days = None if kind == "full" or previous is None else _changed_days(previous.marks, margins)
        step("dashboard", lambda: _rebuild_rollups(conn, days))
        for temp in temporary:
            temp.drop(conn)
        if kind == "full":
            for table in (
                "guest_metrics",
                "guest_tag",
                "guest_stage_history",
                "segment_member",
                "dashboard_day",
            ):
                conn.execute(text(f"ANALYZE {table}"))  # statistics for the segment queries that follow
        query = select(GuestMetrics.stage, func.count()).group_by(GuestMetrics.stage)
        stages = {str(stage): int(n) for stage, n in conn.execute(query)}
        conn.execute(
            update(AnalyticsRun)
            .where(AnalyticsRun.id == run_id)
            .values(finished_at=now_utc(), guests=guests, touched=touched)
        )
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:  # back to the defaults for the pooled connections
            conn.exec_driver_sql("PRAGMA cache_size=-2000")
            with suppress(OperationalError):  # see _give_memory
                conn.exec_driver_sql("PRAGMA temp_store=DEFAULT")
    if progress:
        progress("done", len(STEPS), len(STEPS))
    return RefreshSummary(
        kind=kind,
        touched=touched,
        guests=guests,
        as_of=as_of,
        seconds=round(time.perf_counter() - started, 3),
        stages=stages,
        tags=tags,
        stage_changes=opened,
        segments=segments,
        timings=timings,
    )
