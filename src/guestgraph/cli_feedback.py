"""`guestgraph survey send`: send the post-stay surveys (run it daily from cron or a timer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console

from guestgraph.config import load_settings
from guestgraph.db import make_session_factory
from guestgraph.errors import GuestgraphError
from guestgraph.pii import open_engine

console = Console(stderr=True)
survey_app = typer.Typer(help="Post-stay surveys: send them after check-out.", no_args_is_help=True)


def _now() -> datetime:
    return datetime.now(UTC)


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(survey_app, name="survey")

    @survey_app.command("send")
    def send(
        checked_out_since: Annotated[
            datetime | None,
            typer.Option(
                formats=["%Y-%m-%d"], help="Stays that departed on or after this day (default: yesterday)."
            ),
        ] = None,
    ) -> None:
        """E-mail the survey link to the primary guest of every checked-out stay since the day given,
        where e-mail consent is in force; a stay already surveyed is never mailed again."""
        from guestgraph import access, feedback

        settings = load_settings()
        engine = open_engine(settings)
        since: date = checked_out_since.date() if checked_out_since else _now().date() - timedelta(days=1)
        try:
            with make_session_factory(engine)() as session:
                report = feedback.send_surveys(
                    session,
                    scope=access.DataScope.group(),
                    since=since,
                    policy=feedback.SurveyPolicy.from_settings(settings),
                    clock=_now,
                )
        except GuestgraphError as e:
            raise fail(e) from e
        finally:
            engine.dispose()
        console.print(
            f"{report.sent} sent, {report.skipped} not sent (consent, address, cap), {report.failed} refused"
        )
