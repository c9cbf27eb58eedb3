"""`guestgraph analytics …`: the full refresh of RFM, lifecycle, tags and dynamic segments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from guestgraph.config import load_settings
from guestgraph.errors import GuestgraphError
from guestgraph.pii import open_engine

console = Console(stderr=True)
analytics_app = typer.Typer(help="Know the guest: RFM, lifecycle, tags and segments.", no_args_is_help=True)


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(analytics_app, name="analytics")

    @analytics_app.command("refresh")
    def refresh(
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Compute as of this day (YYYY-MM-DD); default today.")
        ] = None,
        incremental: Annotated[
            bool,
            typer.Option(
                "--incremental",
                help="Recompute only the guests changed since the last refresh of the same day (after an "
                "import and resolve); a full refresh otherwise.",
            ),
        ] = False,
    ) -> None:
        """Recompute every guest's RFM scores, lifecycle stage (with history), churn warning, rule tags and
        dynamic segment membership, set-based in one transaction."""
        from guestgraph import analytics

        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError as e:
            raise typer.BadParameter(f"{as_of!r} is not a date like 2026-11-23.") from e
        try:
            settings = load_settings()
            engine = open_engine(settings)
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                task = bar.add_task("Refreshing", total=len(analytics.REFRESH_STEPS))
                summary = analytics.refresh(
                    engine,
                    settings=settings.analytics_settings(),
                    as_of=day,
                    incremental=incremental,
                    progress=lambda name, done, total: bar.update(
                        task, completed=done, total=total, description=name
                    ),
                )
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        stages = ", ".join(f"{k} {v}" for k, v in sorted(summary.stages.items()))
        how = f"incremental, {summary.touched} changed guests" if summary.kind == "incremental" else "full"
        console.print(
            f"{summary.guests} guests as of {summary.as_of} in {summary.seconds}s ({how}): {stages}"
        )
        console.print(
            f"{summary.stage_changes} stage changes; tags: "
            + ", ".join(f"{k} {v}" for k, v in summary.tags.items())
        )
