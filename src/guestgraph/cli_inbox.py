"""`guestgraph inbox …`: run the inbound mail server that takes guests' e-mail into the inbox, and
list the open conversations."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

import typer
from rich.console import Console
from rich.table import Table

from guestgraph.config import load_settings
from guestgraph.db import make_session_factory, session_scope
from guestgraph.errors import GuestgraphError
from guestgraph.pii import open_engine

console = Console(stderr=True)
inbox_app = typer.Typer(
    help="The unified inbox: inbound mail server, open conversations.", no_args_is_help=True
)


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(inbox_app, name="inbox")

    @inbox_app.command("smtp")
    def smtp(
        host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 behind the mail relay)."),
        port: int | None = typer.Option(None, help="Port (default: GUESTGRAPH_INBOX_SMTP_PORT, 2525)."),
    ) -> None:
        """Take e-mail for the inbox address and its hotel plus-addresses until stopped (Ctrl-C, SIGTERM).
        Put it behind the hotel group's mail relay, which forwards the inbox address here."""
        from guestgraph import inbox
        from guestgraph.web._requestlog import configure_worker_logging

        settings = load_settings()
        try:
            engine = open_engine(settings)
            policy = inbox.InboxPolicy.from_settings(settings)
        except GuestgraphError as e:
            raise fail(e) from e
        server = inbox.inbound_server(
            make_session_factory(engine), policy, host=host, port=port or settings.inbox_smtp_port
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        configure_worker_logging()
        server.start()
        console.print(f"inbox: taking mail for {policy.address} (and +hotel) on {host}:{server.port}")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
            engine.dispose()

    @inbox_app.command("list")
    def list_open(hotel: str | None = typer.Option(None, help="Only this hotel's conversations.")) -> None:
        """The open conversations, latest first (contacts masked)."""
        from guestgraph import access, inbox

        try:
            engine = open_engine(load_settings())
            with session_scope(make_session_factory(engine)) as session:
                found = inbox.list_conversations(session, scope=access.DataScope.group(), hotel_code=hotel)
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        table = Table("#", "hotel", "channel", "from", "guest", "unread", "ticket", "last message")
        for c in found:
            table.add_row(
                str(c.id), c.hotel, c.channel, c.counterpart or "", c.guest_id or c.match, str(c.unread),
                str(c.ticket_id or ""), c.last_message_at.strftime("%Y-%m-%d %H:%M"),
            )  # fmt: skip
        Console().print(table)
