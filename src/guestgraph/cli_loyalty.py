"""`guestgraph loyalty …`: load the schemes, make members from the loyalty numbers, accrue points,
expire them and evaluate tiers (each a nightly cron job; `run` does all four in order); `adjust`
corrects one guest's points (audited as the operating-system user who ran it)."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from guestgraph.config import load_settings
from guestgraph.db import make_session_factory
from guestgraph.errors import GuestgraphError
from guestgraph.pii import open_engine

console = Console(stderr=True)
loyalty_app = typer.Typer(help="Loyalty: schemes, members, points and tiers.", no_args_is_help=True)
At = Annotated[
    str | None, typer.Option("--now", help="The moment to judge by (ISO 8601, UTC); default: now.")
]


def _now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(loyalty_app, name="loyalty")

    @contextmanager
    def session() -> Iterator[Session]:
        engine = open_engine(load_settings())
        try:
            with make_session_factory(engine).begin() as s:
                yield s
        except GuestgraphError as e:
            raise fail(e) from e
        finally:
            engine.dispose()

    @loyalty_app.command("load-schemes")
    def load_schemes(
        path: Annotated[
            Path | None, typer.Argument(help="A schemes YAML file; default: the shipped one.")
        ] = None,
    ) -> None:
        """Create or update the schemes, tiers and earn rates a YAML file describes."""
        from guestgraph import loyalty

        with session() as s:
            codes = loyalty.load_schemes(s, path or loyalty.DEFAULT_FILE, now=datetime.now(UTC))
        console.print(f"{len(codes)} scheme(s) saved: {', '.join(codes)}")

    @loyalty_app.command("sync-members")
    def sync_members(now: At = None) -> None:
        """Make each guest's golden loyalty number a member of the schemes marked golden_number."""
        from guestgraph import loyalty

        with session() as s:
            n = loyalty.sync_members(s, now=_now(now))
        console.print(f"{n} member(s) added")

    @loyalty_app.command("accrue")
    def accrue(now: At = None) -> None:
        """Earn points on checked-out stays' folio revenue not yet earned on (idempotent)."""
        from guestgraph import loyalty

        with session() as s:
            done = loyalty.accrue(s, now=_now(now))
        console.print(f"{done.earned} entr(ies) earned, {done.reversed} reversed")

    @loyalty_app.command("expire")
    def expire(now: At = None) -> None:
        """Write expiry entries for points older than their scheme's expiry."""
        from guestgraph import loyalty

        with session() as s:
            n = loyalty.expire(s, now=_now(now))
        console.print(f"{n} expiry entr(ies) written")

    @loyalty_app.command("evaluate-tiers")
    def evaluate_tiers(now: At = None) -> None:
        """Recompute every member's tier from the rolling 12 months; changes go to the tier history."""
        from guestgraph import loyalty

        with session() as s:
            n = loyalty.evaluate_tiers(s, now=_now(now))
        console.print(f"{n} tier change(s)")

    @loyalty_app.command("run")
    def run(now: At = None) -> None:
        """sync-members, accrue, expire and evaluate-tiers, in one transaction (the nightly job)."""
        from guestgraph import loyalty

        with session() as s:
            r = loyalty.run_jobs(s, now=_now(now))
        console.print(
            f"{r.members_added} member(s) added, {r.earned} earned, {r.reversed} reversed, "
            f"{r.expired} expired, {r.tier_changes} tier change(s)"
        )

    @loyalty_app.command("adjust")
    def adjust(
        guest: Annotated[str, typer.Argument(help="The guest's public ID.")],
        points: Annotated[
            int, typer.Option("--points", help="Points to add, or with a minus sign to take off (not 0).")
        ],
        reason: Annotated[str, typer.Option("--reason", help="Why the balance is corrected.")],
        scheme: Annotated[
            str | None, typer.Option("--scheme", help="The membership's scheme code; default: the oldest.")
        ] = None,
        now: At = None,
    ) -> None:
        """Correct a guest's points by either sign (never below zero); audited."""
        from guestgraph import audit, loyalty
        from guestgraph.access import DataScope

        with session() as s, audit.acting_as(audit.Actor(username=f"cli:{getpass.getuser()}")):
            done = loyalty.adjust_points(
                s, scope=DataScope.group(), public_id=guest, points=points, reason=reason,
                scheme_code=scheme, staff_id=None, now=_now(now),
            )  # fmt: skip
        console.print(
            f"{done.guest_public_id}: {done.points:+,} points on {done.scheme} {done.member_number}, "
            f"balance {done.balance:,}"
        )
