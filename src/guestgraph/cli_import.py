"""`guestgraph import`: a progress bar per file and a summary that reconciles; `guestgraph
repost-folio-lines`: a progress bar over the folio lines without a stay and counts that reconcile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from guestgraph import ingest
from guestgraph.config import Settings
from guestgraph.db import background_checkpoints, make_session_factory
from guestgraph.errors import GuestgraphError
from guestgraph.pii import open_engine


def _bar(console: Console) -> Progress:
    """The progress bar of a long command: what, how far, how long."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def run_import_command(
    settings: Settings,
    paths: list[Path],
    *,
    source: str,
    profile: str | None,
    hotel: str | None,
    console: Console,
) -> int:
    """Import every file; returns the exit code (0 all imported, 1 some files failed)."""
    # the deployment's rules, attached to the engine: import_file reads them there (ingest.rules_of)
    engine = ingest.attach_rules(open_engine(settings), ingest.load_rules(settings.ingest_rules_file))
    factory = make_session_factory(engine)
    results: list[ingest.FileImport] = []
    failures: list[tuple[Path, str]] = []
    try:
        files = ingest.expand(paths)
        with background_checkpoints(engine, settings.checkpoint_policy()), _bar(console) as bar:
            for path in files:
                task = bar.add_task(path.name, total=None)
                try:
                    results.append(
                        ingest.import_file(
                            factory,
                            path,
                            source=source,
                            profile=profile,
                            hotel_code=hotel,
                            progress=_advance(bar, task),
                        )
                    )
                except GuestgraphError as e:
                    failures.append((path, e.message))
                bar.update(
                    task, total=bar.tasks[task].completed or 1, completed=bar.tasks[task].completed or 1
                )
    finally:
        engine.dispose()
    console.print(_summary(results))
    for path, message in failures:
        console.print(f"[bold red]Failed:[/] {path}: {message}")
    return 1 if failures else 0


def _advance(bar: Progress, task: TaskID) -> Callable[[int], None]:
    return lambda n: bar.update(task, completed=n)


def _summary(results: list[ingest.FileImport]) -> Table:
    table = Table(title="Import summary")
    for column in (
        "file",
        "batch",
        "profile",
        "read",
        "accepted",
        "with warnings",
        "quarantined",
        "duplicates",
        "reconciles",
    ):
        table.add_column(column, justify="right" if column not in ("file", "profile") else "left")
    for r in results:
        s = r.summary
        table.add_row(
            r.path.name,
            str(s.batch_id),
            r.profile or "-",
            str(s.rows_read),
            str(s.accepted),
            str(s.accepted_with_warnings),
            str(s.quarantined),
            str(s.duplicates),
            "yes" if s.reconciles else "NO",
        )
    return table


def run_repost_command(settings: Settings, *, chunk: int, console: Console) -> int:
    """Post the folio lines stored before their stay (`ingest.repost_folio_lines`); returns the exit code
    (0, or 1 when the counts do not reconcile)."""
    engine = open_engine(settings)
    try:
        with _bar(console) as bar:
            task = bar.add_task("Folio lines without a stay", total=None)
            outcome = ingest.repost_folio_lines(
                make_session_factory(engine),
                chunk=chunk,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        engine.dispose()
    console.print(_repost_summary(outcome))
    return 0 if outcome.reconciles else 1


def _repost_summary(outcome: ingest.RepostOutcome) -> Table:
    table = Table(title="Folio lines without a stay")
    table.add_column("lines")
    table.add_column("count", justify="right")
    table.add_row("examined", str(outcome.examined))
    table.add_row("posted to their stay now", str(outcome.posted))
    table.add_row("still waiting for their stay", str(outcome.waiting))
    table.add_row("of erased records (skipped)", str(outcome.erased))
    for why, count in sorted(outcome.unrecoverable.items()):
        table.add_row(f"no number to wait for: {why}", str(count))
    table.add_row("numbers recovered from their records", str(outcome.numbers_recovered))
    table.add_row("reconciles", "yes" if outcome.reconciles else "NO")
    return table
