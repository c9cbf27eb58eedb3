"""`guestgraph worker`: the journey worker (enrol guests, run due steps), as a long-running process
with a poll interval or one pass (`--once`, for cron); `guestgraph journeys templates` lists the
shipped templates."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console

from guestgraph.config import load_settings
from guestgraph.db import make_session_factory
from guestgraph.errors import GuestgraphError, InvalidInput
from guestgraph.pii import open_engine

console = Console(stderr=True)
journeys_app = typer.Typer(help="Journeys (automations): the shipped templates.", no_args_is_help=True)


def _clock(now: str | None) -> Callable[[], datetime]:
    if not now:
        return lambda: datetime.now(UTC)
    try:
        fixed = datetime.fromisoformat(now)
    except ValueError as e:
        raise InvalidInput(f"--now {now!r} is not an ISO time.", hint="e.g. 2026-11-23T09:00:00+00:00") from e
    fixed = fixed if fixed.tzinfo else fixed.replace(tzinfo=UTC)
    return lambda: fixed


def _summary(report: Any) -> str:
    outcomes = ", ".join(f"{n} {k}" for k, n in sorted(report.outcomes.items())) or "no step due"
    return f"{report.enrolled} enrolled, {report.steps} step(s): {outcomes}" + (
        f"; {report.stopped} stopped (erased or merged)" if report.stopped else ""
    )


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(journeys_app, name="journeys")

    @app.command("worker")
    def worker(
        once: Annotated[bool, typer.Option("--once", help="One pass, then exit (for cron).")] = False,
        now: Annotated[
            str | None, typer.Option(help="Run as if it were this time (ISO; tests, replays).")
        ] = None,
        poll: Annotated[
            float | None, typer.Option(help="Seconds between passes (journey_poll_seconds).")
        ] = None,
    ) -> None:
        """Run journeys: enrol guests their triggers catch and run every due step. Safe to run in several
        processes at once and to restart: each guest gets each step once. Once a day it also generates
        the service prompts of every hotel's tomorrow, and after each pass it e-mails the scheduled
        reports that are due."""
        from guestgraph import identity, journeys, prompts
        from guestgraph.cli_prompts import summary as prompts_summary
        from guestgraph.cli_reports import send_due_reports
        from guestgraph.cli_reports import summary as reports_summary
        from guestgraph.web._requestlog import configure_worker_logging

        configure_worker_logging()
        settings = load_settings()
        engine = open_engine(settings)
        stop = threading.Event()
        daily = prompts.DailyPrompts()  # service prompts for every hotel's tomorrow, once a day
        resolver = identity.ResolveWhenWaiting(
            timedelta(seconds=settings.resolve_waiting_seconds), settings.match_settings()
        )

        def passed(report: Any) -> None:
            console.print(_summary(report))
            try:  # imported records become guests without anyone running `guestgraph resolve`
                resolved = resolver.run_if_due(factory, clock())
            except GuestgraphError as e:
                console.print(f"[bold red]Resolve failed:[/] {e.message} {e.hint or ''}")
            else:
                if resolved is not None:
                    console.print(
                        f"Resolved {resolved.mentions} mentions -> {resolved.guests} guests "
                        f"({resolved.created} new) in {resolved.seconds}s"
                    )
            generated = daily.run_if_due(factory, clock())
            if generated is not None:
                console.print("Service prompts: " + prompts_summary(generated))
            try:  # scheduled report e-mails: each recipient once per period, so every pass may look
                mailed = send_due_reports(factory, settings, clock())
            except GuestgraphError as e:  # the mail server down: the next pass tries again
                console.print(f"[bold red]Report e-mails failed:[/] {e.message} {e.hint or ''}")
            else:
                if mailed.sent or mailed.skipped or mailed.failed:
                    console.print("Reports: " + reports_summary(mailed))

        try:
            policy = journeys.JourneyPolicy.from_settings(settings)
            factory, clock = make_session_factory(engine), _clock(now)
            if once:
                passed(journeys.run_pass(factory, policy=policy, clock=clock))
                return
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
            journeys.run(
                factory,
                policy=policy,
                clock=clock,
                stop=stop,
                poll_seconds=poll or settings.journey_poll_seconds,
                on_pass=passed,
                on_error=lambda e: console.print(f"[bold red]Pass failed:[/] {e.message} {e.hint or ''}"),
            )
        except GuestgraphError as e:
            raise fail(e) from e
        finally:
            engine.dispose()

    @journeys_app.command("templates")
    def templates() -> None:
        """The shipped journey templates (create one from the Journeys page)."""
        from guestgraph import journeys

        for t in journeys.TEMPLATES.values():
            typer.echo(f"{t.code}\t{t.name_en}\t{t.name_zh}")
