"""`guestgraph privacy …`: consent flags from imports into the ledger, and overdue data-subject requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import typer
from rich.console import Console

from guestgraph.config import load_settings
from guestgraph.db import make_engine, make_session_factory, session_scope
from guestgraph.errors import GuestgraphError

console = Console(stderr=True)
privacy_app = typer.Typer(help="Consent ledger and data-subject requests.", no_args_is_help=True)


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(privacy_app, name="privacy")

    @privacy_app.command("import-consents")
    def import_consents() -> None:
        """Map the consent flags of resolved source records into the ledger (run after `resolve`)."""
        from guestgraph import privacy

        try:
            engine = make_engine(load_settings().resolved_database_url)
            with session_scope(make_session_factory(engine)) as session:
                added = privacy.import_consents(session, now=datetime.now(UTC))
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(f"{added} consent entries added from imported records")

    @privacy_app.command("overdue")
    def overdue() -> None:
        """List open data-subject requests past their deadline; exits 1 when there are any."""
        from guestgraph import access, privacy

        try:
            engine = make_engine(load_settings().resolved_database_url)
            with session_scope(make_session_factory(engine)) as session:
                rows = privacy.list_requests(
                    session, scope=access.DataScope.group(), now=datetime.now(UTC), overdue_only=True
                )
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        for r in rows:
            typer.echo(f"{r.id}\t{r.guest_public_id}\t{r.kind}\t{r.jurisdiction}\tdue {r.due_at:%Y-%m-%d}")
        console.print(f"{len(rows)} overdue request(s)")
        raise typer.Exit(1 if rows else 0)
