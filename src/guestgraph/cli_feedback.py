"""`guestgraph survey send`: send the post-stay surveys (run it daily from cron or a timer);
`guestgraph feedback import-reviews`: import an OTA review export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from guestgraph.config import load_settings
from guestgraph.db import make_session_factory
from guestgraph.errors import GuestgraphError
from guestgraph.pii import open_engine

console = Console(stderr=True)
survey_app = typer.Typer(help="Post-stay surveys: send them after check-out.", no_args_is_help=True)
feedback_app = typer.Typer(help="Guest feedback: import OTA review exports.", no_args_is_help=True)


def _now() -> datetime:
    return datetime.now(UTC)


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(survey_app, name="survey")
    app.add_typer(feedback_app, name="feedback")

    @feedback_app.command("import-reviews")
    def import_reviews(
        path: Annotated[Path, typer.Argument(help="The export as downloaded (CSV or .xlsx).")],
        source: Annotated[str, typer.Option(help="The OTA: ctrip, booking (a review profile's channel).")],
        hotel: Annotated[
            str | None, typer.Option(help="The hotel the reviews are about (unless the file says).")
        ] = None,
        profile: Annotated[
            Path | None, typer.Option(help="A review profile (.yaml) for an export the shipped ones miss.")
        ] = None,
    ) -> None:
        """Import reviews: each row imported, already imported (the same file again changes nothing),
        or rejected with its row number, field and fix; exits 1 when a row was rejected."""
        from guestgraph import access, audit, feedback

        settings = load_settings()
        engine = open_engine(settings)
        try:
            with make_session_factory(engine)() as session, audit.acting_as(audit.Actor(username="cli")):
                done = feedback.import_reviews(
                    session, path, scope=access.DataScope.group(), source=source, hotel_code=hotel,
                    profile=profile, actor_id=None, now=_now(), default_hours=settings.service_hours_default,
                )  # fmt: skip
                session.commit()
        except GuestgraphError as e:
            raise fail(e) from e
        finally:
            engine.dispose()
        for p in done.problems:
            console.print(str(p), markup=False, highlight=False, soft_wrap=True)
        console.print(
            f"{done.rows_read} rows: {done.imported} imported, {done.unchanged} already imported, "
            f"{done.rejected} rejected; {done.matched} matched to a guest, {done.tickets} tickets opened",
            markup=False,
            soft_wrap=True,
        )
        if done.rejected:
            raise typer.Exit(1)

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
