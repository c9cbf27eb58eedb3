"""`db.database_status`: what `/healthz` reports, read on the request's own session."""

from __future__ import annotations

import pytest

from guestgraph.db import database_status, head_revision, make_engine, make_session_factory
from guestgraph.db._migrate import upgrade
from tests.conftest import BACKENDS


@pytest.mark.parametrize("backend", BACKENDS)
def test_status_names_the_revision_and_whether_it_is_this_codes_newest(backend: str, scratch_db) -> None:
    url = scratch_db(backend)
    upgrade(url, "0054")
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            behind = database_status(session)
        assert (behind.dialect, behind.revision, behind.current) == (backend, "0054", False)
        upgrade(url)
        with make_session_factory(engine)() as session:
            at_head = database_status(session)
        assert at_head.revision == head_revision() and at_head.current is True
        assert head_revision() != "0054"
    finally:
        engine.dispose()
