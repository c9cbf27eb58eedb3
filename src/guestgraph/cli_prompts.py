"""`guestgraph prompts generate --date DAY [--days N]`: service prompts for the stays arriving at every
hotel on those days (idempotent; the worker runs it daily for tomorrow)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console

from guestgraph.config import load_settings
from guestgraph.db import make_session_factory
from guestgraph.errors import GuestgraphError, InvalidInput
from guestgraph.pii import open_engine

console = Console(stderr=True)
prompts_app = typer.Typer(help="Service prompts for arriving guests.", no_args_is_help=True)


def summary(report: object) -> str:
    by_rule = getattr(report, "by_rule", {})
    rules = ", ".join(f"{code} {n}" for code, n in sorted(by_rule.items())) or "no rule matched"
    return (
        f"{getattr(report, 'stays', 0)} arriving stay(s) at {getattr(report, 'hotels', 0)} hotel(s): "
        f"{getattr(report, 'created', 0)} new prompt(s), {getattr(report, 'reopened', 0)} reopened, "
        f"{getattr(report, 'withdrawn', 0)} withdrawn ({rules})"
    )


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(prompts_app, name="prompts")

    @prompts_app.command("generate")
    def generate(
        day: Annotated[str, typer.Option("--date", help="The first arrival day (YYYY-MM-DD).")],
        days: Annotated[int, typer.Option(min=1, max=31, help="How many days from it.")] = 1,
    ) -> None:
        """Generate (or bring up to date) the service prompts of the stays arriving at every hotel."""
        from guestgraph import prompts

        settings = load_settings()
        engine = open_engine(settings)
        try:
            try:
                first = date.fromisoformat(day)
            except ValueError as e:
                raise InvalidInput(f"--date {day!r} is not a date.", hint="Use YYYY-MM-DD.") from e
            with make_session_factory(engine).begin() as session:
                prompts.ensure_default_rules(session)
                report = prompts.generate(
                    session, first=first, last=first + timedelta(days=days - 1), now=datetime.now(UTC)
                )
        except GuestgraphError as e:
            raise fail(e) from e
        finally:
            engine.dispose()
        console.print(summary(report))
