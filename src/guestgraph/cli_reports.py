"""`guestgraph reports send-due [--now T]`: e-mail the scheduled reports that are due (each recipient
once per day, week or month; run it from cron or a timer, or leave it to `guestgraph worker`, which
runs it after every pass)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from guestgraph.config import Settings, load_settings
from guestgraph.db import make_session_factory
from guestgraph.errors import GuestgraphError, InvalidInput
from guestgraph.pii import open_engine

console = Console(stderr=True)
reports_app = typer.Typer(help="Reports: scheduled report e-mails.", no_args_is_help=True)


def _now(now: str | None) -> datetime:
    if not now:
        return datetime.now(UTC)
    try:
        fixed = datetime.fromisoformat(now)
    except ValueError as e:
        raise InvalidInput(f"--now {now!r} is not an ISO time.", hint="e.g. 2026-11-23T09:00:00+00:00") from e
    return fixed if fixed.tzinfo else fixed.replace(tzinfo=UTC)


def send_due_reports(factory: sessionmaker[Session], settings: Settings, now: datetime) -> Any:
    """One run of the scheduled-report sender (the CLI command and the worker's hook)."""
    from guestgraph import engage, frontdesk, reports

    with factory() as session:
        return reports.send_due(
            session,
            smtp=engage.EngagePolicy.from_settings(settings).smtp,
            font=frontdesk.document_font(settings.document_font),
            now=now,
            timezone=settings.report_timezone,
            base_url=settings.public_base_url,
        )


def summary(report: Any) -> str:
    reasons = ", ".join(f"{n} {why}" for why, n in sorted(report.reasons.items()))
    return f"{report.sent} report e-mail(s) sent, {report.skipped} skipped, {report.failed} refused" + (
        f" ({reasons})" if reasons else ""
    )


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(reports_app, name="reports")

    @reports_app.command("send-due")
    def send_due(
        now: Annotated[
            str | None, typer.Option(help="Run as if it were this time (ISO; tests, replays).")
        ] = None,
    ) -> None:
        """E-mail every scheduled report not yet sent for the current day, week or month (SMTP settings
        as for campaigns); each recipient gets it in their own data scope, the file attached."""
        try:
            settings = load_settings()
            engine = open_engine(settings)
            try:
                report = send_due_reports(make_session_factory(engine), settings, _now(now))
            finally:
                engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(summary(report))
