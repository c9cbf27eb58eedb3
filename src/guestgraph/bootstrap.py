"""First start: migrate the database and load the demo hotel group when the database is empty."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import analytics, identity, inbox, ingest, loyalty, ops, org, privacy, prompts
from guestgraph.access import ensure_default_roles
from guestgraph.config import Settings, ensure_secret_key
from guestgraph.db import make_session_factory, session_scope
from guestgraph.db._migrate import upgrade
from guestgraph.demo_staff import DemoAccount, create_demo_staff
from guestgraph.errors import DatabaseError
from guestgraph.pii import open_engine

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoLoad:
    loaded: bool
    demo_dir: Path
    hotels: int
    roles: int
    reason: str
    imports: list[ingest.FileImport] = field(default_factory=list)
    staff: list[DemoAccount] = field(default_factory=list)


def migrate(settings: Settings) -> privacy.Reapplied | None:
    """Bring the database to the newest schema; a database we cannot reach is a clear error. Then, when
    guests were ever erased, erase again any the database holds unerased (a restored backup of an older
    schema leaves that to here, CR-04); returns the counts, None when there is no erasure ledger."""
    try:
        upgrade(settings.resolved_database_url)
    except SQLAlchemyError as e:
        raise DatabaseError(
            f"Could not migrate the database: {e.__class__.__name__}: {str(e).splitlines()[0]}",
            hint="Check GUESTGRAPH_DATABASE_URL and that the database server is running.",
        ) from e
    if not settings.resolved_erasure_ledger.exists():
        return None
    return ops.reapply_erasures(settings, now=datetime.now(UTC))


def load_demo(settings: Settings, *, if_empty: bool = True, progress: Progress | None = None) -> DemoLoad:
    """Generate the demo group's source files (once) and load the group into the database."""
    demo_dir = settings.data_dir / "demo"
    engine = open_engine(settings)
    factory = make_session_factory(engine)
    try:
        with session_scope(factory) as session:
            roles = ensure_default_roles(session)
            prompts.ensure_default_rules(session)  # the shipped service prompt rules, once
            if if_empty and org.group_is_loaded(session):
                return DemoLoad(False, demo_dir, 0, roles, "the database already holds a hotel group")
        if not (demo_dir / "group.json").exists():
            from guestgraph.demo import generate_demo  # heavy (name data); only on first start

            generate_demo(
                out_dir=demo_dir, guests=settings.demo_guests, seed=settings.demo_seed, progress=progress
            )
        spec = org.read_group_file(demo_dir / "group.json")
        with session_scope(factory) as session:
            counts = org.load_group(session, spec)
        imported = import_demo_files(factory, demo_dir)
        identity.resolve_all(factory, matching=settings.match_settings())
        with session_scope(factory) as session:  # schemes, members from the loyalty numbers, points, tiers
            loyalty.seed_demo(session, now=datetime.now(UTC))
        analytics.refresh(engine, settings=settings.analytics_settings())
        with session_scope(factory) as session:
            privacy.import_consents(session, now=datetime.now(UTC))  # opt-in flags the sources sent
            secret = ensure_secret_key(settings).get_secret_value()
            staff = create_demo_staff(session, demo_dir=demo_dir, secret_key=secret, now=datetime.now(UTC))
        with session_scope(factory) as session:  # service prompts for the coming week's arrivals
            prompts.seed_demo(session, now=datetime.now(UTC))
        with session_scope(factory) as session:  # a few messages, so the inbox shows how it works
            inbox.seed_demo_conversations(
                session, now=datetime.now(UTC), default_hours=settings.service_hours_default
            )
    finally:
        engine.dispose()
    return DemoLoad(True, demo_dir, counts["hotels"], roles, "loaded", imported, staff)


def demo_files(demo_dir: Path) -> list[tuple[str, Path]]:
    """The demo group's source files with the source system each came from, in a sensible order."""
    files: list[tuple[str, Path]] = []
    for source, pattern in (
        ("pms", "pms/*.csv"),
        ("loyalty", "loyalty/*.jsonl"),
        ("frontdesk", "frontdesk/*.xlsx"),
        ("pos", "pos/*.csv"),
    ):
        files += [(source, p) for p in sorted(demo_dir.glob(pattern))]
    files += [(f"ota_{p.name.split('_')[0]}", p) for p in sorted(demo_dir.glob("ota/*.xml"))]
    return files


def import_demo_files(factory: sessionmaker[Session], demo_dir: Path) -> list[ingest.FileImport]:
    """Run every demo source file through the importers, exactly as an operator would."""
    return [ingest.import_file(factory, path, source=source) for source, path in demo_files(demo_dir)]
