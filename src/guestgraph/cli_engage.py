"""`guestgraph campaigns send`: the campaign sender as a worker process (cron, systemd timer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from guestgraph.config import load_settings
from guestgraph.db import make_session_factory
from guestgraph.errors import GuestgraphError
from guestgraph.pii import open_engine

console = Console(stderr=True)
campaigns_app = typer.Typer(help="Campaigns (e-mail, SMS, WeChat): the sender worker.", no_args_is_help=True)


def _now() -> datetime:
    return datetime.now(UTC)


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(campaigns_app, name="campaigns")

    @campaigns_app.command("send")
    def send(
        campaign: Annotated[int | None, typer.Option(help="Only this campaign's messages.")] = None,
        batch: Annotated[int, typer.Option(min=1, max=10_000, help="Messages claimed at a time.")] = 100,
    ) -> None:
        """Send every queued campaign message (e-mail over SMTP, SMS/WeChat through the gateway;
        consent asked again before each one).
        Safe to run in several processes at once and to restart: no message is sent twice."""
        from guestgraph import engage

        settings = load_settings()
        engine = open_engine(settings)
        try:
            policy = engage.EngagePolicy.from_settings(settings)
            report = engage.send_queued(
                make_session_factory(engine), policy=policy, clock=_now, batch=batch, campaign_id=campaign
            )
        except GuestgraphError as e:
            raise fail(e) from e
        finally:
            engine.dispose()
        console.print(
            f"{report.sent} sent, {report.skipped} skipped, {report.failed} failed"
            + (f", {report.interrupted} interrupted earlier marked failed" if report.interrupted else "")
        )
