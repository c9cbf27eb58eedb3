"""`guestgraph privacy …`: consent flags from imports into the ledger, and overdue data-subject requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from guestgraph.config import load_settings
from guestgraph.db import make_session_factory, session_scope
from guestgraph.errors import GuestgraphError
from guestgraph.pii import open_engine

console = Console(stderr=True)
privacy_app = typer.Typer(help="Consent ledger and data-subject requests.", no_args_is_help=True)


def register(app: typer.Typer, *, fail: Callable[[GuestgraphError], typer.Exit]) -> None:
    app.add_typer(privacy_app, name="privacy")

    @privacy_app.command("import-consents")
    def import_consents() -> None:
        """Map the consent flags of resolved source records into the ledger (run after `resolve`)."""
        from guestgraph import privacy

        try:
            engine = open_engine(load_settings())
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
            engine = open_engine(load_settings())
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

    @privacy_app.command("breach-report")
    def breach_report(
        cause: Annotated[str, typer.Option(help="What happened, in a sentence.")],
        measures: Annotated[str, typer.Option(help="What was done to contain it.")],
        contact: Annotated[str, typer.Option(help="Who guests and regulators should contact.")],
        hotel: Annotated[str | None, typer.Option(help="Every guest with a stay at this hotel.")] = None,
        guests: Annotated[Path | None, typer.Option(help="A file of guest IDs, one per line.")] = None,
        discovered: Annotated[
            datetime | None, typer.Option(help="When it was discovered (UTC); default now.")
        ] = None,
        out: Annotated[Path | None, typer.Option(help="Write the JSON record here.")] = None,
    ) -> None:
        """The incident record for affected guests: categories, counts, clocks and notice drafts."""
        from guestgraph import audit, privacy

        if (hotel is None) == (guests is None):
            raise typer.BadParameter("Give exactly one of --hotel or --guests.")
        when = (discovered or datetime.now(UTC)).replace(tzinfo=UTC) if discovered else datetime.now(UTC)
        try:
            engine = open_engine(load_settings())
            with session_scope(make_session_factory(engine)) as session:
                affected = (
                    privacy.affected_by_hotel(hotel)
                    if hotel
                    else privacy.affected_by_ids(session, guests.read_text("utf-8").split())  # type: ignore[union-attr]
                )
                report = privacy.breach_report(
                    session, affected, cause=cause, measures=measures, contact=contact, discovered_at=when
                )
                with audit.acting_as(audit.Actor(username="cli")):
                    audit.log_event(session, "privacy.breach_report", details={"guests": report.guests})
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        text = json.dumps(report.as_dict(), ensure_ascii=False, indent=2)
        if out:
            out.write_text(text, "utf-8")
        typer.echo(text)

    @privacy_app.command("retention")
    def retention(
        dry_run: Annotated[
            bool, typer.Option("--dry-run/--apply", help="Only count (default), or delete and anonymise.")
        ] = True,
    ) -> None:
        """Enforce the retention schedule: what has outlived its period is deleted or anonymised, and
        guests with nothing recent left are erased; one audit event records the counts."""
        from guestgraph import audit, privacy

        try:
            settings = load_settings()
            engine = open_engine(settings)
            with session_scope(make_session_factory(engine)) as session:
                with audit.acting_as(audit.Actor(username="cli")):
                    run = privacy.run_retention(
                        session, now=datetime.now(UTC), apply=not dry_run, data_dir=settings.data_dir
                    )
                schedule = privacy.retention_schedule(session)
            privacy.wait_for_purges()  # the freed space is purged before the engine goes
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        for line in schedule:
            period = f"{line.days} days" if line.days is not None else "kept"
            before = run.cutoffs.get(line.category, "-")
            typer.echo(f"{line.category}\t{period}\tbefore {before}")
        for key, n in run.counts.items():
            typer.echo(f"{key}\t{n}")
        verb = "removed or anonymised" if run.applied else "would be removed or anonymised (dry run)"
        console.print(f"{run.total} row(s) and guest(s) {verb}")

    @privacy_app.command("rectify")
    def rectify(
        guest: Annotated[str, typer.Argument(help="The guest's public ID.")],
        values: Annotated[
            list[str], typer.Option("--set", help="FIELD=VALUE, e.g. phone=+8613900007777 (repeatable).")
        ],
        reason: Annotated[str, typer.Option(help="What the guest asked for.")],
        request: Annotated[
            int | None, typer.Option(help="The rectification request this carries out.")
        ] = None,
    ) -> None:
        """Correct a guest's details: checked like an import, wins survivorship, updates search and
        puts one entry on the change feed (audited; the values are never logged)."""
        from guestgraph import audit, ingest, privacy
        from guestgraph.access import DataScope

        pairs = dict(v.split("=", 1) for v in values if "=" in v)
        if len(pairs) != len(values):
            raise typer.BadParameter("Give each correction as FIELD=VALUE.")
        try:
            settings = load_settings()
            # checked by the deployment's import rules, as the web app checks a correction
            engine = ingest.attach_rules(open_engine(settings), ingest.load_rules(settings.ingest_rules_file))
            with audit.acting_as(audit.Actor(username="cli")):
                done = privacy.rectify_guest(
                    make_session_factory(engine),
                    scope=DataScope.group(),
                    public_id=guest,
                    values=dict(pairs),
                    reason=reason,
                    actor_id=None,
                    actor_name="cli",
                    request_id=request,
                )
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(
            f"{done.guest_public_id}: corrected {', '.join(done.fields)} (record {done.source_record_id})"
        )

    @privacy_app.command("changes")
    def changes_feed(
        after: Annotated[int, typer.Option(help="The last entry id already processed.")] = 0,
        limit: Annotated[int, typer.Option(help="At most this many entries.")] = 100,
    ) -> None:
        """The guest change feed downstream systems read: corrections, merges, unmerges, erasures."""
        from guestgraph import changes
        from guestgraph.access import DataScope

        try:
            engine = open_engine(load_settings())
            with session_scope(make_session_factory(engine)) as session:
                page = changes.list_changes(session, scope=DataScope.group(), after=after, limit=limit)
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        for i in page.items:
            when = f"{i.changed_at:%Y-%m-%d %H:%M}"
            typer.echo(
                "\t".join([str(i.id), when, i.guest_id, i.kind, ",".join(i.fields), i.other_guest_id or ""])
            )
        console.print(
            f"{len(page.items)} entries; next --after {page.next_after}{' (more)' if page.more else ''}"
        )

    @privacy_app.command("ropa")
    def ropa(
        as_json: Annotated[bool, typer.Option("--json", help="The whole report as JSON.")] = False,
    ) -> None:
        """The record of processing activities (GDPR 30, PIPL 55): purposes, data categories,
        retention, recipients and transfers, protection measures; generated, never hand-kept."""
        import json
        from dataclasses import asdict

        from guestgraph import privacy

        try:
            settings = load_settings()
            engine = open_engine(settings)
            with session_scope(make_session_factory(engine)) as session:
                report = privacy.ropa_report(
                    session, settings=settings, controller=settings.tenant, now=datetime.now(UTC)
                )
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        if as_json:
            typer.echo(json.dumps(asdict(report), ensure_ascii=False, default=str, indent=2))
            return
        for a in report.activities:
            flag = " [sensitive]" if a.sensitive else ""
            typer.echo(
                f"{a.subjects}\t{a.purpose}{flag}\t{', '.join(a.categories)}\t{len(a.columns)} columns"
            )
        for r in report.recipients:
            route = r.route or "no route"
            typer.echo(f"recipient\t{r.code}\t{r.country}\t{route}")
        console.print(
            f"{len(report.activities)} processing activities, {len(report.recipients)} recipient(s)"
        )

    @privacy_app.command("retention-set")
    def retention_set(
        category: Annotated[str, typer.Argument(help="A category of the schedule, e.g. interaction.")],
        days: Annotated[str, typer.Argument(help="The period in days, or 'keep' to keep until erasure.")],
        note: Annotated[str | None, typer.Option(help="Why it differs from the default.")] = None,
    ) -> None:
        """Configure one retention period of the schedule (audited)."""
        from guestgraph import audit, privacy

        try:
            period = None if days == "keep" else int(days)
        except ValueError as e:
            raise typer.BadParameter("Give a number of days or 'keep'.") from e
        try:
            engine = open_engine(load_settings())
            with (
                session_scope(make_session_factory(engine)) as session,
                audit.acting_as(audit.Actor(username="cli")),
            ):
                line = privacy.set_retention(
                    session,
                    category=category,
                    days=period,
                    note=note,
                    actor_id=None,
                    now=datetime.now(UTC),
                )
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(f"{line.category}: {line.days if line.days is not None else 'kept until erasure'}")

    @privacy_app.command("recipient-add")
    def recipient_add(
        code: Annotated[str, typer.Argument(help="A short code, e.g. booking-hk.")],
        name: Annotated[str, typer.Option(help="Who it is.")],
        kind: Annotated[str, typer.Option(help="processor, entrusted, sync_target or export_destination.")],
        country: Annotated[str, typer.Option(help="ISO 3166 code; CN is mainland China only.")],
        route: Annotated[
            str | None,
            typer.Option(
                help="Outside mainland China: booking_contract, under_threshold, standard_contract, "
                "certification or security_assessment."
            ),
        ] = None,
        reference: Annotated[str | None, typer.Option(help="Filing number or certificate id.")] = None,
        inactive: Annotated[bool, typer.Option(help="Record it, but let no data go to it.")] = False,
    ) -> None:
        """Add or change a recipient guest data may leave to (audited)."""
        from guestgraph import audit, privacy
        from guestgraph.db.models import RecipientKind, TransferRoute

        try:
            kind_value = RecipientKind(kind)
            route_value = TransferRoute(route) if route else None
        except ValueError as e:
            raise typer.BadParameter(str(e)) from e
        try:
            engine = open_engine(load_settings())
            with (
                session_scope(make_session_factory(engine)) as session,
                audit.acting_as(audit.Actor(username="cli")),
            ):
                row = privacy.save_recipient(
                    session,
                    code=code,
                    name=name,
                    kind=kind_value,
                    country=country,
                    route=route_value,
                    route_reference=reference,
                    active=not inactive,
                    actor_id=None,
                )
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        console.print(f"{row.code}: {row.kind} in {row.country}, route {row.route or 'none'}")

    @privacy_app.command("recipients")
    def recipients() -> None:
        """List the recipients guest data may leave to, with country and route."""
        from guestgraph import privacy

        try:
            engine = open_engine(load_settings())
            with session_scope(make_session_factory(engine)) as session:
                rows = privacy.list_recipients(session)
            engine.dispose()
        except GuestgraphError as e:
            raise fail(e) from e
        for r in rows:
            state = "active" if r.active else "inactive"
            typer.echo(
                f"{r.code}\t{r.kind}\t{r.country}\t{r.route or '-'}\t{r.route_reference or '-'}\t{state}"
            )
