"""`guestgraph user …` and `guestgraph demo-code`: staff accounts from the command line."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from guestgraph import access, audit
from guestgraph.config import Settings, load_settings
from guestgraph.db import make_engine, make_session_factory, session_scope
from guestgraph.demo_staff import demo_code
from guestgraph.errors import GuestgraphError

console = Console(stderr=True)
user_app = typer.Typer(help="Staff accounts: the first admin, reset links, disabling.", no_args_is_help=True)


@contextmanager
def _db() -> Iterator[tuple[Settings, Session]]:
    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            yield settings, session
    finally:
        engine.dispose()


def _log(session: Session, action: str, username: str, **details: str) -> None:
    """The command line acts as the operating-system user who ran it."""
    operator = f"cli:{getpass.getuser()}"
    with audit.acting_as(audit.Actor(username=operator)):
        audit.log_event(session, action, object_type="staff_user", object_id=username, details=dict(details))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Repeat it", hide_input=True) != first:
        raise typer.BadParameter("The two passwords differ.")
    return str(first)


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(user_app, name="user")

    @user_app.command("create-admin")
    def create_admin(
        username: Annotated[str, typer.Argument(help="Login name of the administrator.")],
        name: Annotated[str, typer.Option(help="Display name.")] = "Administrator",
        password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input.")] = False,
    ) -> None:
        """Create an IT administrator (group scope). They set up their authenticator at first sign-in."""
        password = _read_password(password_stdin)
        try:
            with _db() as (_settings, session):
                access.ensure_default_roles(session)
                spec = access.NewUser(
                    username=username, display_name=name, role="admin", scope=access.DataScope.group()
                )
                access.create_user(session, spec, password=password, now=datetime.now(UTC))
                _log(session, "admin.user_create", username, role="admin")
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(f"Created admin {username!r}. Sign in on the web; the authenticator is set up then.")

    @user_app.command("reset-link")
    def reset_link(
        username: Annotated[str, typer.Argument(help="Whose password to reset.")],
        base_url: Annotated[
            str, typer.Option(help="Where staff reach guestgraph.")
        ] = "http://127.0.0.1:8000",
    ) -> None:
        """Print a one-time link with which the user chooses a new password (the admin never sees it)."""
        try:
            with _db() as (settings, session):
                valid = timedelta(hours=settings.password_reset_hours)
                token = access.issue_password_reset(
                    session, username, by="cli", now=datetime.now(UTC), valid=valid
                )
                _log(session, "admin.password_reset", username)
        except GuestgraphError as e:
            raise fail(e) from e
        typer.echo(f"{base_url.rstrip('/')}/reset/{token}")

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
