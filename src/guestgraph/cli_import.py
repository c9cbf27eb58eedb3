"""`guestgraph import`: a progress bar per file and a summary that reconciles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from guestgraph import ingest
from guestgraph.config import Settings
from guestgraph.db import make_session_factory
from guestgraph.errors import GuestgraphError
from guestgraph.pii import open_engine


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
    rules = ingest.load_rules(settings.ingest_rules_file)
    engine = open_engine(settings)
    factory = make_session_factory(engine)
    results: list[ingest.FileImport] = []
    failures: list[tuple[Path, str]] = []
    try:
        files = ingest.expand(paths)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
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
                            rules=rules,
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
