"""`guestgraph audit …`: open the database, call the audit service, print what it found."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.config import Settings
from guestgraph.db import make_engine, make_session_factory, session_scope


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.resolved_database_url)
    factory = make_session_factory(engine)
    audit.install_checkpoints(factory, settings)
    try:
        with session_scope(factory) as session:
            yield session
    finally:
        engine.dispose()


def run_verify(settings: Settings, *, from_checkpoint: bool, console: Console) -> int:
    with _session(settings) as session:
        report = audit.verify(session, settings=settings, from_checkpoint=from_checkpoint)
    for warning in report.warnings:
        console.print(f"[yellow]Warning:[/] {warning}")
    if not report.ok:
        console.print(f"[bold red]The audit log does NOT verify.[/] First bad seq: {report.first_bad_seq}")
        console.print(f"  {report.problem}")
        return 1
    span = f"seq {report.first_seq}-{report.last_seq}" if report.last_seq else "empty"
    console.print(
        f"Audit log verified: {report.events_checked} events checked ({span}), from "
        f"{'the start' if not report.anchored_at else f'the checkpoint at seq {report.anchored_at}'}, "
        f"{report.checkpoints_verified} signed checkpoints, in {report.seconds}s."
    )
    return 0


def run_checkpoint(settings: Settings, *, console: Console) -> None:
    with _session(settings) as session:
        result = audit.checkpoint(session, settings=settings)
    if result is None:
        console.print("The audit log is empty; nothing to sign.")
    else:
        console.print(
            f"Signed checkpoint at seq {result.seq} ({result.hash[:16]}…) in {settings.resolved_audit_dir}"
        )


def run_prune(settings: Settings, *, console: Console) -> None:
    with _session(settings) as session:
        result = audit.prune(session, settings=settings, actor_username=f"os:{getpass.getuser()}")
    console.print(
        f"Pruned {result.deleted} events (through seq {result.through_seq}); the prune is audit event "
        f"{result.prune_seq}. Retention: security {settings.audit_security_retention_days} days, "
        f"sensitive {settings.audit_sensitive_retention_days} days."
    )
