"""`guestgraph offers expire`: mark issued coupons past their last day as expired (a daily cron)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console

from guestgraph.config import load_settings
from guestgraph.db import make_session_factory
from guestgraph.errors import GuestgraphError
from guestgraph.pii import open_engine

console = Console(stderr=True)
offers_app = typer.Typer(help="Offers and coupons.", no_args_is_help=True)


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(offers_app, name="offers")

    @offers_app.command("expire")
    def expire(
        today: Annotated[
            str | None, typer.Option(help="The day to judge by (YYYY-MM-DD); default: today (UTC).")
        ] = None,
    ) -> None:
        """Mark every issued coupon whose last day is before `today` as expired."""
        from guestgraph import offers

        day = date.fromisoformat(today) if today else datetime.now(UTC).date()
        settings = load_settings()
        engine = open_engine(settings)
        try:
            with make_session_factory(engine).begin() as session:
                n = offers.expire_coupons(session, today=day)
        except GuestgraphError as e:
            raise fail(e) from e
        finally:
            engine.dispose()
        console.print(f"{n} coupon(s) expired")
