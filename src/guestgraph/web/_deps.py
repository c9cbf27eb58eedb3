"""Request-scoped dependencies, as `Annotated` aliases (FastAPI template habit)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import ingest
from guestgraph.config import Settings
from guestgraph.paging import MAX_PAGE_SIZE, PageRequest


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def get_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


async def get_push_groups(request: Request) -> ingest.PushGroups:
    groups: ingest.PushGroups = request.app.state.push_groups
    return groups


async def get_ingest_rules(request: Request) -> ingest.RuleSet:
    """The deployment's import rules, read at start-up (setting `ingest_rules_file`)."""
    rules: ingest.RuleSet = request.app.state.ingest_rules
    return rules


async def get_locale(request: Request) -> str:
    from guestgraph.web._render import request_locale

    return request_locale(request)


async def get_paging(
    settings: Annotated[Settings, Depends(get_settings)],
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1.")] = 1,
    size: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="Rows per page.")] = None,
) -> PageRequest:
    return PageRequest(page=page, size=size or settings.page_size)


SettingsDep = Annotated[Settings, Depends(get_settings)]
# "function": commit before the response is sent, so the next request (a redirect) sees the change.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
PagingDep = Annotated[PageRequest, Depends(get_paging)]
FactoryDep = Annotated[sessionmaker[Session], Depends(get_factory)]
LocaleDep = Annotated[str, Depends(get_locale)]
PushGroupsDep = Annotated[ingest.PushGroups, Depends(get_push_groups)]
IngestRulesDep = Annotated[ingest.RuleSet, Depends(get_ingest_rules)]

# A row id in a URL: larger numbers would overflow the database's BIGINT (a 500); they are a 422.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Row id.")]
