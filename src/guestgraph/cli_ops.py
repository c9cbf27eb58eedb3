"""`guestgraph backup` and `guestgraph restore`: encrypted, verified backups (OP-02)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from guestgraph import ops
from guestgraph.config import load_settings
from guestgraph.errors import GuestgraphError

console = Console(stderr=True)


@contextmanager
def _bar(description: str) -> Iterator[Callable[[int, int], None]]:
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    @app.command("db-app-role")
    def db_app_role(
        role: Annotated[str, typer.Argument(help="The role the web app and workers connect as.")],
        password_env: Annotated[
            str | None, typer.Option(help="Set its password from this environment variable.")
        ] = None,
        show: Annotated[bool, typer.Option("--show", help="Print the SQL instead of running it.")] = False,
    ) -> None:
        """PostgreSQL: create or update the app's database role, which may read and write guest data but
        only INSERT and SELECT the audit log (no UPDATE, DELETE or TRUNCATE). Run as the schema owner
        after `guestgraph migrate`; then point GUESTGRAPH_DATABASE_URL of the app at the new role."""
        import os

        from guestgraph.db import make_engine

        try:
            if show:
                typer.echo(";\n".join(ops.app_role_statements(role)) + ";")
                return
            password = os.environ.get(password_env) if password_env else None
            if password_env and not password:
                raise typer.BadParameter(f"The environment variable {password_env} is empty or not set.")
            engine = make_engine(load_settings().resolved_database_url)
            done = ops.grant_app_role(engine, role, password=password)
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(
            f"Role {done.role}: reads and writes guest data; audit log append-only "
            f"({len(done.statements)} statements applied)."
        )

    @app.command()
    def backup(
        out: Annotated[
            Path | None, typer.Option("--out", help="File to write (default: backup_dir, timestamped).")
        ] = None,
        scheduled: Annotated[
            bool,
            typer.Option(
                "--scheduled",
                help="For cron / systemd timers: back up only when backup_every_hours says it is due, "
                "into backup_dir, keeping the backup_keep newest.",
            ),
        ] = False,
    ) -> None:
        """Back up the database while it is in use, encrypted (AES-256-GCM) under the backup key.
        The crypto key store and shred journal are not included (see docs/architecture.md)."""
        now = datetime.now(UTC)
        try:
            settings = load_settings()
            with _bar("Backing up") as progress:
                if scheduled:
                    result = ops.run_scheduled_backup(settings, now, progress=progress)
                else:
                    path = out or ops.backup_dir(settings) / f"guestgraph-{now:%Y%m%dT%H%M%SZ}.ggbk"
                    result = ops.create_backup(settings, path, now=now, progress=progress)
        except GuestgraphError as e:
            raise fail(e) from e
        if result is None:
            console.print("No backup due (backup_every_hours is 0 or the newest backup is recent).")
            return
        rows = sum(result.header.row_counts.values())
        console.print(
            f"Wrote {result.path} ({result.size} bytes, {len(result.header.row_counts)} tables, "
            f"{rows} rows, schema {result.header.schema_revision}); key file: "
            f"{ops.backup_key_path(settings)} (keep a copy off this machine)."
        )

    @app.command()
    def restore(
        file: Annotated[Path, typer.Argument(help="Backup file written by `guestgraph backup`.")],
        into: Annotated[
            str | None, typer.Option("--into", help="Database URL to restore into (default: configured).")
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="Restore even into a non-empty database, replacing it.")
        ] = False,
        accept_broken_audit: Annotated[
            bool,
            typer.Option(
                "--accept-broken-audit",
                help="Restore even when the backup's audit chain does not verify (it is reported).",
            ),
        ] = False,
    ) -> None:
        """Verify and decrypt a backup, restore it into an empty database, check row counts and schema
        revision, re-apply crypto-shredding and the erasures made since the backup, and verify the
        audit log and that sampled guests' sealed fields open with the key store in use. A failed check
        empties the target again."""
        try:
            settings = load_settings()
            with _bar("Verifying") as progress:
                result = ops.restore_backup(
                    settings,
                    file,
                    into=into,
                    force=force,
                    accept_broken_audit=accept_broken_audit,
                    progress=progress,
                )
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(
            f"Restored {len(result.row_counts)} tables, {sum(result.row_counts.values())} rows "
            f"(backup of {result.header.created_at}); row counts and schema revision match."
        )
        if result.shredded_keys is not None:
            console.print(f"Crypto-shredding re-applied: {result.shredded_keys} guest keys stay destroyed.")
        if result.erasures_reapplied is not None:
            console.print(
                f"Erasures re-applied: {result.erasures_reapplied} guest(s) erased again, "
                f"{result.records_rewiped} unlinked record(s) wiped again."
            )
        if result.audit.startswith("BROKEN"):
            console.print(f"[bold red]Audit log: {result.audit}.[/] Keep it as evidence; investigate.")
        else:
            console.print(f"Audit log: {result.audit}.")
        console.print(f"Sample decryption: {result.samples}.")
        if not result.schema_is_head:
            console.print(
                "[yellow]The backup is of an older schema:[/] run `guestgraph migrate` next; it also "
                "re-applies the erasures made since the backup."
            )
