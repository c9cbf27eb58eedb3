"""The ASGI application factory: settings in, app out; no import-time globals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp

from guestgraph import __version__, audit, frontdesk, ingest, privacy
from guestgraph.config import Settings, ensure_secret_key
from guestgraph.db import background_checkpoints, current_revision, head_revision, make_session_factory
from guestgraph.errors import DatabaseError
from guestgraph.pii import ensure_vault, open_engine
from guestgraph.web import (
    routes_admin,
    routes_analytics,
    routes_api,
    routes_api_analytics,
    routes_api_ingest,
    routes_audit,
    routes_auth,
    routes_documents,
    routes_engage,
    routes_feedback,
    routes_folio,
    routes_frontdesk,
    routes_frontdesk_profile,
    routes_imports,
    routes_inbox,
    routes_journeys,
    routes_loyalty,
    routes_merges,
    routes_offers,
    routes_pages,
    routes_privacy,
    routes_privacy_api,
    routes_privacy_records,
    routes_prompts,
    routes_reports,
    routes_review,
    routes_service,
    routes_service_api,
    routes_stays,
    routes_survey_public,
)
from guestgraph.web._auth import csrf_guard
from guestgraph.web._errors import install_error_handlers
from guestgraph.web._headers import SecurityHeaders
from guestgraph.web._i18n import load_translations
from guestgraph.web._requestlog import RequestLog
from guestgraph.web._resolve import push_groups

HERE = Path(__file__).parent


class ErrorBody(BaseModel):
    """Every error: a code, a message naming what and where, and a hint how to fix it."""

    error: str
    message: str
    hint: str | None = None
    request_id: str | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Bad input (the message names the field)"),
        (401, "Not signed in, or the session or key is no longer valid"),
        (403, "Your role does not allow this, or a cross-site request was refused"),
        (404, "Not found in your data scope"),
        (409, "Conflicts with the current state"),
        (429, "Too many attempts"),
        (500, "Unexpected error (logged with the request id)"),
    )
}


class GuestgraphApp(FastAPI):
    """FastAPI with the request id, the access log and the security headers outside Starlette's
    ServerErrorMiddleware (`add_middleware` would put them inside it): the generic answer to an
    unexpected error carries them too, and gets its access-log line (OP-03, LG-02)."""

    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings = self.state.settings
        return RequestLog(SecurityHeaders(super().build_middleware_stack(), hsts=settings.cookie_secure))


def _sweep_upload_leftovers(factory: sessionmaker[Session], settings: Settings) -> None:
    """Upload folders a crashed import left behind go at start-up (PR-03; retention `import_upload`)."""
    with factory() as session:
        privacy.sweep_upload_leftovers(session, data_dir=settings.data_dir, now=datetime.now(UTC))


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """Build the web application for `settings` (the engine may be passed in, e.g. by tests)."""
    ensure_secret_key(settings)
    engine = ensure_vault(engine, settings) if engine is not None else open_engine(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        _require_current_schema(engine)
        _sweep_upload_leftovers(_app.state.session_factory, settings)
        frontdesk.document_font(settings.document_font)  # load the PDF font now, not on a clerk's click
        # SQLite: the WAL is checkpointed by a thread of this process, not by requests' commits
        with background_checkpoints(engine, settings.checkpoint_policy()) as checkpointer:
            _app.state.wal_checkpointer = checkpointer
            yield
        engine.dispose()

    app = GuestgraphApp(
        title="guestgraph",
        version=__version__,
        description="Hotel guest data platform: one trusted, governed, secure profile per guest.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
        dependencies=[Depends(csrf_guard)],
        responses=ERROR_RESPONSES,
    )
    app.state.settings = settings
    if settings.document_font is not None:  # a configured font that cannot be used stops the start
        frontdesk.document_font(settings.document_font)
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.ingest_rules = ingest.load_rules(settings.ingest_rules_file)  # a bad file stops the start
    # the registration form, stewards' corrections and desk operations import through the engine too
    ingest.attach_rules(engine, app.state.ingest_rules)
    app.state.push_groups = push_groups(app.state.session_factory, settings, app.state.ingest_rules)
    audit.install_checkpoints(app.state.session_factory, settings)
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.translations = load_translations()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # A module's API router is included on its own, not through its page router: the page router's
    # include_in_schema=False would hide the API from the OpenAPI document (and from schemathesis).
    app.include_router(routes_api.health)
    app.include_router(routes_api.router)
    app.include_router(routes_api_ingest.router)
    app.include_router(routes_pages.router)
    app.include_router(routes_imports.router)
    app.include_router(routes_auth.router)
    app.include_router(routes_auth.api)
    app.include_router(routes_admin.router)
    app.include_router(routes_audit.router)
    app.include_router(routes_audit.api)
    app.include_router(routes_merges.router)
    app.include_router(routes_review.router)
    app.include_router(routes_review.api)
    app.include_router(routes_frontdesk_profile.router)
    app.include_router(routes_frontdesk.router)
    app.include_router(routes_folio.router)  # before routes_stays: its `{op}` matches these paths too
    app.include_router(routes_stays.router)
    app.include_router(routes_documents.router)
    app.include_router(routes_privacy.router)
    app.include_router(routes_privacy_api.api)
    app.include_router(routes_privacy_records.api)
    app.include_router(routes_engage.router)
    app.include_router(routes_engage.api)
    app.include_router(routes_journeys.router)
    app.include_router(routes_journeys.api)
    app.include_router(routes_offers.router)
    app.include_router(routes_offers.api)
    app.include_router(routes_prompts.router)
    app.include_router(routes_prompts.api)
    app.include_router(routes_loyalty.router)
    app.include_router(routes_loyalty.api)
    app.include_router(routes_service.router)
    app.include_router(routes_service_api.router)
    app.include_router(routes_inbox.router)
    app.include_router(routes_feedback.router)
    app.include_router(routes_survey_public.router)
    app.include_router(routes_analytics.router)
    app.include_router(routes_api_analytics.router)
    app.include_router(
        routes_reports.router
    )  # after both: /reports/churn and /api/v1/reports/dashboard first
    install_error_handlers(app)
    return app


def _require_current_schema(engine: Engine) -> None:
    try:
        revision = current_revision(engine)
    except Exception as e:
        raise DatabaseError(
            f"Cannot reach the database at {engine.url.render_as_string(hide_password=True)}: {e}",
            hint="Check GUESTGRAPH_DATABASE_URL and that the server is running.",
        ) from e
    if revision != head_revision():
        raise DatabaseError(
            f"The database is at schema revision {revision or 'none'}, this version needs {head_revision()}.",
            hint="Run: guestgraph migrate",
        )
