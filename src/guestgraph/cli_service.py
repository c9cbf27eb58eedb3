"""`guestgraph service …`: load the shipped SLA policies, set a hotel's business hours, put staff
into service teams, check for breached deadlines and e-mail the escalations to the hotel managers,
and e-mail the guests their links to rate resolved tickets (run the last two every minute from cron
or a timer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import select

from guestgraph.config import load_settings
from guestgraph.db import make_session_factory, session_scope
from guestgraph.errors import GuestgraphError, InvalidInput
from guestgraph.pii import open_engine

console = Console(stderr=True)
service_app = typer.Typer(
    help="Service tickets: SLA policies, business hours, teams, breaches.", no_args_is_help=True
)


def _clock(now: str | None) -> Callable[[], datetime]:
    if not now:
        return lambda: datetime.now(UTC)
    try:
        fixed = datetime.fromisoformat(now)
    except ValueError as e:
        raise InvalidInput(f"--now {now!r} is not an ISO time.", hint="e.g. 2026-11-23T09:00:00+00:00") from e
    fixed = fixed if fixed.tzinfo else fixed.replace(tzinfo=UTC)
    return lambda: fixed


NowOption = Annotated[str | None, typer.Option(help="Run as if it were this time (ISO; tests, replays).")]


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(service_app, name="service")

    @service_app.command("load-sla")
    def load_sla(
        replace: bool = typer.Option(False, help="Overwrite edited rows with the shipped file's values."),
    ) -> None:
        """Put the shipped SLA policies (service/sla_policies.yaml) into the sla_policy table."""
        from guestgraph import service

        try:
            engine = open_engine(load_settings())
            with session_scope(make_session_factory(engine)) as session:
                written = service.load_sla_policies(session, replace=replace)
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(f"{written} SLA policy row(s) written")

    @service_app.command("hours")
    def hours(hotel: str, window: str = typer.Argument(..., help="HH:MM-HH:MM, local time")) -> None:
        """Set a hotel's business hours for SLA clocks (e.g. 07:00-23:00; 00:00-24:00 all day)."""
        from guestgraph import access, service

        try:
            engine = open_engine(load_settings())
            with session_scope(make_session_factory(engine)) as session:
                set_to = service.set_service_hours(
                    session, scope=access.DataScope.group(), hotel_code=hotel, window=window
                )
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(f"{hotel}: {set_to.opens}-{set_to.closes} {set_to.timezone}")

    @service_app.command("team-add")
    def team_add(hotel: str, team: str, username: str) -> None:
        """Put a member of staff into a hotel's service team (auto-assignment picks the least loaded)."""
        from guestgraph import service
        from guestgraph.db.models import Hotel, StaffUser

        try:
            engine = open_engine(load_settings())
            with session_scope(make_session_factory(engine)) as session:
                hotel_id = session.scalar(select(Hotel.id).where(Hotel.code == hotel))
                user_id = session.scalar(select(StaffUser.id).where(StaffUser.username == username))
                if hotel_id is None or user_id is None:
                    raise InvalidInput(
                        f"No hotel {hotel!r} or no user {username!r}.", hint="Check the codes."
                    )
                service.add_team_member(session, hotel_id=hotel_id, team=team, user_id=user_id)
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(f"{username} is in {hotel}/{team}")

    @service_app.command("check-breaches")
    def check_breaches(now: NowOption = None) -> None:
        """Mark tickets past their respond or resolve deadline, escalate them to the hotel manager, and
        e-mail each new escalation to the manager once (SMTP settings as for campaigns)."""
        from guestgraph import engage, service

        try:
            settings = load_settings()
            clock = _clock(now)
            engine = open_engine(settings)
            factory = make_session_factory(engine)
            try:
                with session_scope(factory) as session:
                    report = service.check_breaches(session, clock())
                with factory() as session:
                    mails = service.send_escalations(
                        session,
                        smtp=engage.EngagePolicy.from_settings(settings).smtp,
                        base_url=settings.public_base_url,
                        clock=clock,
                    )
            finally:
                engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(
            f"{report.respond} respond and {report.resolve} resolve breach(es); "
            f"{report.escalations} escalation(s); {mails.sent} e-mailed, {mails.skipped} without a manager "
            f"to mail, {mails.failed} refused"
        )

    @service_app.command("send-ratings")
    def send_ratings(now: NowOption = None) -> None:
        """E-mail guests the link to rate their resolved requests (self-service or e-mail tickets; not
        to erased or suppressed guests); each rating is mailed at most once."""
        from guestgraph import feedback

        try:
            settings = load_settings()
            clock = _clock(now)
            engine = open_engine(settings)
            try:
                with make_session_factory(engine)() as session:
                    report = feedback.send_rating_links(
                        session, policy=feedback.RatingPolicy.from_settings(settings), clock=clock
                    )
            finally:
                engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(
            f"{report.sent} rating link(s) sent, {report.skipped} not sent (reason recorded), "
            f"{report.failed} refused"
        )
