"""`guestgraph user …` and `guestgraph demo-code`: staff accounts from the command line."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from guestgraph import access, audit, engage
from guestgraph.config import Settings, load_settings
from guestgraph.db import make_engine, make_session_factory, session_scope
from guestgraph.demo_staff import demo_code
from guestgraph.errors import GuestgraphError, InvalidInput

console = Console(stderr=True)
user_app = typer.Typer(
    help="Staff accounts: the first admin, mailed reset links, disabling.", no_args_is_help=True
)


@contextmanager
def _db() -> Iterator[tuple[Settings, Session]]:
    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            yield settings, session
    finally:
        engine.dispose()


def _operator() -> str:
    """The command line acts as the operating-system user who ran it."""
    return f"cli:{getpass.getuser()}"


def _log(session: Session, action: str, username: str, **details: object) -> None:
    with audit.acting_as(audit.Actor(username=_operator())):
        audit.log_event(session, action, object_type="staff_user", object_id=username, details=dict(details))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Repeat it", hide_input=True) != first:
        raise typer.BadParameter("The two passwords differ.")
    return str(first)


def _first_admin(username: str, name: str, email: str | None, password: str) -> None:
    """The bootstrap exception to dual control (no active admin could approve), recorded as such."""
    with _db() as (_settings, session):
        spec = access.NewUser(
            username=username, display_name=name, role="admin", scope=access.DataScope.group(), email=email
        )
        access.create_first_admin(session, spec, password=password, now=datetime.now(UTC))
        _log(session, "admin.user_create", username, role="admin", bootstrap="no active admin")
    console.print(f"Created admin {username!r}. Sign in on the web; the authenticator is set up then.")


def _request_admin(username: str, name: str, email: str | None, reason: str | None) -> None:
    if not email or not reason:
        raise InvalidInput(
            "An active admin exists already, so a new admin needs a second admin's approval.",
            hint="Give --email and --reason to file the request; an admin approves it on /admin.",
        )
    with _db() as (_settings, session):
        account = access.NewAccount(username, name, email, "admin", "group")
        change = access.propose_new_account(
            session, account, reason=reason, by=_operator(), now=datetime.now(UTC)
        )
        _log(
            session, "admin.access_propose", username,
            change=change.id, kind=change.kind.value, role="admin", scope_level="group",
        )  # fmt: skip
    console.print(
        f"Filed request {change.id}: an admin approves it on /admin, then {username!r} receives an "
        "e-mail with a one-time link to choose a password."
    )


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(user_app, name="user")

    @user_app.command("create-admin")
    def create_admin(
        username: Annotated[str, typer.Argument(help="Login name of the administrator.")],
        name: Annotated[str, typer.Option(help="Display name.")] = "Administrator",
        password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input.")] = False,
        email: Annotated[str | None, typer.Option(help="Their e-mail (where password links go).")] = None,
        reason: Annotated[str | None, typer.Option(help="Why (when an admin exists already).")] = None,
    ) -> None:
        """Create the installation's first IT administrator (group scope), who sets up the
        authenticator at first sign-in. Once an active admin exists, a new admin is a request
        (--email, --reason) that an admin approves on /admin; the new admin then gets a mailed link."""
        try:
            with _db() as (_settings, session):
                access.ensure_default_roles(session)
                bootstrap = not access.has_active_admin(session)
            if bootstrap:
                _first_admin(username, name, email, _read_password(password_stdin))
            else:
                _request_admin(username, name, email, reason)
        except GuestgraphError as e:
            raise fail(e) from e

    @user_app.command("reset-link")
    def reset_link(username: Annotated[str, typer.Argument(help="Whose password to reset.")]) -> None:
        """E-mail the user a one-time, expiring link to choose a new password (SMTP settings as for
        campaigns). The link is never printed: whoever runs this does not see it."""
        try:
            with _db() as (settings, session):
                sent = access.send_password_reset(
                    session,
                    username,
                    by=_operator(),
                    now=datetime.now(UTC),
                    mail=engage.staff_link_mail(settings),
                )
                expires = sent.expires_at.isoformat()
                _log(session, "admin.password_reset", username, delivery="email", expires_at=expires)
        except GuestgraphError as e:
            raise fail(e) from e
        until = sent.expires_at.strftime("%Y-%m-%d %H:%M")
        console.print(f"E-mailed {username!r} a one-time link; it works until {until} UTC.")

    @user_app.command("disable")
    def disable(username: Annotated[str, typer.Argument(help="Whose account to disable.")]) -> None:
        """Disable an account; its sessions and tokens stop working at once."""
        try:
            with _db() as (_settings, session):
                access.set_active(session, username, active=False, by="cli", now=datetime.now(UTC))
                _log(session, "admin.user_disable", username)
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(f"Disabled {username!r}.")

    @user_app.command("list")
    def list_users() -> None:
        """List staff accounts with role, scope and second-factor status."""
        with _db() as (_settings, session):
            for row in access.list_staff(session):
                mfa = "mfa" if row.mfa_enrolled else ("mfa-pending" if row.mfa_required else "mfa-exempt")
                state = "active" if row.is_active else "disabled"
                typer.echo(f"{row.username}\t{row.role}\t{row.scope}\t{mfa}\t{state}")

    @app.command("demo-code")
    def demo_code_cmd(username: Annotated[str, typer.Argument(help="A demo account, e.g. steward.")]) -> None:
        """Print the current authenticator code of a demo staff account (demo accounts only)."""
        try:
            settings = load_settings()
            typer.echo(demo_code(settings.data_dir / "demo", username, now=datetime.now(UTC)))
        except GuestgraphError as e:
            raise fail(e) from e
