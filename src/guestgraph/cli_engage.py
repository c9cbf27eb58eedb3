"""`guestgraph campaigns send`: the campaign sender as a worker process (cron, systemd timer, or
long-running with --watch); it also starts scheduled campaigns when they are due."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

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


def _summary(report: Any) -> str:
    released = "".join(f"campaign {c}: {n} queued (scheduled, now due); " for c, n in report.released.items())
    return f"{released}{report.sent} sent, {report.skipped} skipped, {report.failed} failed" + (
        f", {report.interrupted} interrupted earlier marked failed" if report.interrupted else ""
    )


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(campaigns_app, name="campaigns")

    @campaigns_app.command("send")
    def send(
        campaign: Annotated[int | None, typer.Option(help="Only this campaign's messages.")] = None,
        batch: Annotated[int, typer.Option(min=1, max=10_000, help="Messages claimed at a time.")] = 200,
        watch: Annotated[
            float | None,
            typer.Option(
                min=1, help="Keep running: look for due and queued messages every this many seconds."
            ),
        ] = None,
    ) -> None:
        """Queue the scheduled campaigns that are due, then send every queued campaign message (e-mail
        over SMTP, SMS/WeChat through the gateway; consent asked again before each one). Once, for
        cron, or with --watch until stopped (SIGTERM, Ctrl-C).
        Safe to run in several processes at once and to restart: no message is sent twice."""
        from guestgraph import engage

        settings = load_settings()
        engine = open_engine(settings)
        stop = threading.Event()
        if watch is not None:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
        try:
            policy = engage.EngagePolicy.from_settings(settings)
            factory = make_session_factory(engine)
            while True:
                try:
                    report = engage.send_queued(
                        factory, policy=policy, clock=_now, batch=batch, campaign_id=campaign
                    )
                except GuestgraphError as e:
                    if watch is None:
                        raise
                    console.print(f"[bold red]Pass failed:[/] {e.message} {e.hint or ''}")  # tried again
                else:
                    if watch is None or report.sent or report.skipped or report.failed or report.released:
                        console.print(_summary(report))
                if watch is None or stop.wait(watch):
                    break
        except GuestgraphError as e:
            raise fail(e) from e
        finally:
            engine.dispose()
