"""The `guestgraph` command line: thin adapters over the service packages."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from guestgraph import __version__, bootstrap
from guestgraph.config import load_settings
from guestgraph.errors import GuestgraphError

app = typer.Typer(
    name="guestgraph",
    help="guestgraph: one trusted, governed, secure profile per hotel guest.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


def _fail(e: GuestgraphError) -> typer.Exit:
    console.print(f"[bold red]Error:[/] {e.message}")
    if e.hint:
        console.print(f"[yellow]How to fix:[/] {e.hint}")
    return typer.Exit(code=2)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@app.command()
def version() -> None:
    """Print the guestgraph version."""
    typer.echo(__version__)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to this version (safe to run repeatedly)."""
    try:
        settings = load_settings()
        reapplied = bootstrap.migrate(settings)
    except GuestgraphError as e:
        raise _fail(e) from e
    console.print(f"Database at {settings.resolved_database_url.split('@')[-1]} is up to date.")
    if reapplied and (reapplied.guests or reapplied.records):
        console.print(
            f"Erasures re-applied: {reapplied.guests} guest(s) erased again, "
            f"{reapplied.records} unlinked record(s) wiped again."
        )


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the source files into.")],
    guests: Annotated[
        int, typer.Option("--guests", min=1, help="How many distinct people to invent.")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same files (byte for byte).")] = 1,
) -> None:
    """Write a demo hotel group's source files (PMS CSV, OTA XML, loyalty JSON, front-desk Excel, POS CSV)
    with realistic dirt, plus the ground truth of who is who under truth/."""
    from guestgraph.demo import generate_demo

    with _progress() as bar:
        task = bar.add_task("Generating guests", total=guests)
        summary = generate_demo(
            out_dir=out,
            guests=guests,
            seed=seed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    console.print(
        f"Wrote {len(summary.files)} files with {summary.source_records} source records "
        f"for {summary.persons} people to {out}"
    )


@app.command("load-demo")
def load_demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty/--always", help="Skip when a group is loaded.")
    ] = True,
) -> None:
    """Generate (first time) and load the demo hotel group into the configured database."""
    try:
        settings = load_settings()
        with _progress() as bar:
            task = bar.add_task("Demo group", total=None)
            result = bootstrap.load_demo(
                settings, if_empty=if_empty, progress=lambda d, t: bar.update(task, completed=d, total=t)
            )
    except GuestgraphError as e:
        raise _fail(e) from e
    if result.loaded:
        console.print(f"Loaded the demo group from {result.demo_dir} ({result.hotels} new hotels).")
        for item in result.imports:
            s = item.summary
            console.print(
                f"  {item.path.relative_to(result.demo_dir)}: {s.rows_read} read, {s.accepted} accepted, "
                f"{s.accepted_with_warnings} with warnings, {s.quarantined} quarantined"
            )
        if result.staff:
            console.print(
                f"Demo staff (passwords and authenticator keys in {result.demo_dir / 'staff-accounts.json'}; "
                "`guestgraph demo-code USER` prints the current code):"
            )
            for acct in result.staff:
                console.print(f"  {acct.username:<11} {acct.role:<19} password {acct.password}")
    else:
        console.print(f"Demo group not loaded: {result.reason}.")


@app.command("import")
def import_files(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to import (folders recursively).")],
    source: Annotated[str, typer.Option("--source", help="Source system code, e.g. pms, pos, ota_ctrip.")],
    profile: Annotated[
        str | None, typer.Option("--profile", help="Mapping profile name or .yaml file.")
    ] = None,
    hotel: Annotated[
        str | None, typer.Option("--hotel", help="Hotel code, when the file does not say.")
    ] = None,
) -> None:
    """Import files (CSV, Excel, JSON lines, OpenTravel XML, OPERA JSON): validated, standardised and stored
    with lineage; rejected rows are quarantined, never dropped. Re-running the same file is harmless."""
    from guestgraph.cli_import import run_import_command

    try:
        code = run_import_command(
            load_settings(), paths, source=source, profile=profile, hotel=hotel, console=console
        )
    except GuestgraphError as e:
        raise _fail(e) from e
    raise typer.Exit(code)


@app.command("repost-folio-lines")
def repost_folio_lines(
    chunk: Annotated[int, typer.Option("--chunk", min=1, help="Folio lines per transaction.")] = 1000,
) -> None:
    """Post the folio lines stored before their stay (imported before migration 0054, the POS file before
    the PMS file): each line's confirmation number is read back from its source record, the lines whose
    stay exists now are posted to it and its primary guest, the others wait for their stay's import.
    Safe to repeat; run `guestgraph analytics refresh` after it. Audited (`ingest.folio_repost`)."""
    from guestgraph.cli_import import run_repost_command

    try:
        with _operator():
            code = run_repost_command(load_settings(), chunk=chunk, console=console)
    except GuestgraphError as e:
        raise _fail(e) from e
    raise typer.Exit(code)


@app.command()
def resolve(
    all_records: Annotated[bool, typer.Option("--all", help="Re-cluster every mention (batch mode).")] = True,
    retrain: Annotated[
        bool, typer.Option("--retrain", help="Learn a new version of the matching model from the data first.")
    ] = False,
) -> None:
    """Resolve guest mentions into golden guests with stable IDs (run after imports)."""
    from guestgraph import identity
    from guestgraph.db import make_session_factory
    from guestgraph.pii import open_engine

    try:
        settings = load_settings()
        engine = open_engine(settings)
        summary = identity.resolve_all(
            make_session_factory(engine), matching=settings.match_settings(retrain=retrain)
        )
        engine.dispose()
    except GuestgraphError as e:
        raise _fail(e) from e
    console.print(
        f"{summary.mentions} mentions -> {summary.guests} guests ({summary.created} new, "
        f"{summary.merged} merged) in {summary.seconds}s; model v{summary.model_version or '-'} linked "
        f"{summary.probabilistic_links} pairs, {summary.review_pairs} pairs await review"
    )


export_app = typer.Typer(help="Export data for other systems.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("links")
def export_links(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    source: Annotated[str | None, typer.Option("--source", help="Only this source system.")] = None,
) -> None:
    """Write the cross-reference every downstream system needs: source system + external id -> guest id."""
    from guestgraph import identity
    from guestgraph.db import make_session_factory
    from guestgraph.pii import open_engine

    try:
        settings = load_settings()
        engine = open_engine(settings)
        with make_session_factory(engine)() as session:
            count = identity.export_links(session, out, source=source)
        engine.dispose()
    except GuestgraphError as e:
        raise _fail(e) from e
    console.print(f"Wrote {count} links to {out}")


audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    from_checkpoint: Annotated[
        bool, typer.Option("--from-checkpoint", help="Check only what follows the latest signed checkpoint.")
    ] = False,
) -> None:
    """Recompute the hash chain and check it against the signed checkpoints; exit 1 naming the first
    bad seq when an event was edited, inserted, deleted, swapped or the tail cut off."""
    from guestgraph.cli_audit import run_verify

    try:
        code = run_verify(load_settings(), from_checkpoint=from_checkpoint, console=console)
    except GuestgraphError as e:
        raise _fail(e) from e
    raise typer.Exit(code)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the head of the audit log now (run it from a scheduler every few minutes)."""
    from guestgraph.cli_audit import run_checkpoint

    try:
        run_checkpoint(load_settings(), console=console)
    except GuestgraphError as e:
        raise _fail(e) from e


@audit_app.command("prune")
def audit_prune() -> None:
    """Delete the oldest events past retention (security 183 days, sensitive 3 years, or the longer
    configured periods); the chain stays verifiable from a signed checkpoint, and the prune is audited."""
    from guestgraph.cli_audit import run_prune

    try:
        run_prune(load_settings(), console=console)
    except GuestgraphError as e:
        raise _fail(e) from e


def _operator() -> AbstractContextManager[None]:
    """The audit actor of a command: the operating-system user who ran it."""
    import getpass

    from guestgraph import audit

    return audit.acting_as(audit.Actor(username=f"cli:{getpass.getuser()}"))


@app.command("source-key")
def source_key(source: Annotated[str, typer.Argument(help="Source system code, e.g. ota_ctrip.")]) -> None:
    """Issue (or rotate) the push-API key of a source system; it is shown once, only its hash is kept.
    Audited (`key.source_issue`)."""
    from guestgraph.access import issue_source_key
    from guestgraph.db import make_session_factory, session_scope
    from guestgraph.pii import open_engine

    try:
        settings = load_settings()
        engine = open_engine(settings)
        with _operator(), session_scope(make_session_factory(engine)) as session:
            key = issue_source_key(session, source=source)
        engine.dispose()
    except GuestgraphError as e:
        raise _fail(e) from e
    typer.echo(key)
    console.print("Store this key now; it cannot be shown again. Send it as the X-API-Key header.")


@app.command("rotate-kek")
def rotate_kek(
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Data keys re-wrapped per UPDATE.")
    ] = 1000,
) -> None:
    """Re-wrap every data key under the newest KEK of the ring (add it to every process's ring and
    restart them first); readers keep working. Audited (`key.kek_rotate`)."""
    from guestgraph import pii
    from guestgraph.db import make_session_factory, session_scope

    try:
        engine = pii.open_engine(load_settings())
        with _operator(), session_scope(make_session_factory(engine)) as session:
            result = pii.rotate_kek(session, batch_size=batch_size)
        engine.dispose()
    except GuestgraphError as e:
        raise _fail(e) from e
    in_use = ", ".join(f"v{v}: {n}" for v, n in sorted(result.kek_versions_in_use.items())) or "none"
    console.print(
        f"Re-wrapped {result.rewrapped} data keys in {result.seconds:.1f} s; KEK versions in use: {in_use}."
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Server processes sharing the port (default from settings)."),
    ] = None,
) -> None:
    """Serve the web app and API (http://127.0.0.1:8000 by default)."""
    import uvicorn

    from guestgraph.web import create_app
    from guestgraph.web._requestlog import UVICORN_LOGGING, configure_logging
    from guestgraph.web._serve import FACTORY

    try:
        settings = load_settings()
        application = create_app(settings)  # a bad setting stops the start here, before any worker
    except GuestgraphError as e:
        raise _fail(e) from e
    bind_host, bind_port = host or settings.host, port or settings.port
    processes = workers or settings.web_workers
    console.print(
        f"guestgraph {__version__} serving on http://{bind_host}:{bind_port}"
        + (f" with {processes} processes" if processes > 1 else "")
    )
    configure_logging()
    if processes == 1:
        uvicorn.run(application, host=bind_host, port=bind_port, log_level="info", **UVICORN_LOGGING)
        return
    application.state.engine.dispose()  # each worker builds its own app from the same environment
    uvicorn.run(
        FACTORY,
        factory=True,
        workers=processes,
        timeout_worker_healthcheck=120,  # a worker imports the whole app before it answers: slow when busy
        host=bind_host,
        port=bind_port,
        log_level="info",
        **UVICORN_LOGGING,
    )


from guestgraph.cli_analytics import register as _register_analytics  # noqa: E402 - after `app` exists
from guestgraph.cli_engage import register as _register_engage  # noqa: E402
from guestgraph.cli_feedback import register as _register_feedback  # noqa: E402
from guestgraph.cli_inbox import register as _register_inbox  # noqa: E402
from guestgraph.cli_journeys import register as _register_journeys  # noqa: E402
from guestgraph.cli_loyalty import register as _register_loyalty  # noqa: E402
from guestgraph.cli_offers import register as _register_offers  # noqa: E402
from guestgraph.cli_ops import register as _register_ops  # noqa: E402 - after `app` exists
from guestgraph.cli_privacy import register as _register_privacy  # noqa: E402 - after `app` exists
from guestgraph.cli_prompts import register as _register_prompts  # noqa: E402
from guestgraph.cli_reports import register as _register_reports  # noqa: E402
from guestgraph.cli_service import register as _register_service  # noqa: E402 - after `app` exists
from guestgraph.cli_staff import register as _register_staff  # noqa: E402 - after `app` exists

_register_staff(app, fail=_fail)
_register_ops(app, fail=_fail)
_register_engage(app, fail=_fail)
_register_journeys(app, fail=_fail)
_register_service(app, fail=_fail)
_register_privacy(app, fail=_fail)
_register_prompts(app, fail=_fail)
_register_analytics(app, fail=_fail)
_register_feedback(app, fail=_fail)
_register_inbox(app, fail=_fail)
_register_offers(app, fail=_fail)
_register_reports(app, fail=_fail)
_register_loyalty(app, fail=_fail)

if __name__ == "__main__":  # pragma: no cover
    app()
