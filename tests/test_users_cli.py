"""`guestgraph user …` as an operator runs it (a real process on a real database): the first admin is
the one recorded exception to dual control (AC-06); once an active admin exists, `create-admin` files a
request for an admin to approve; `reset-link` mails the link and never prints it (AU-01)."""

from __future__ import annotations

import getpass
import re
from pathlib import Path

import pytest
from sqlalchemy import select, update

from guestgraph import audit
from guestgraph.db import make_engine, make_session_factory
from guestgraph.db.models import AccessChange, StaffUser
from guestgraph.paging import PageRequest
from tests.conftest import BACKENDS
from tests.smtp_peer import smtp_peer
from tests.test_cli import run

PASSWORD = "quartz-lantern-harbour-42"


def _said(result) -> str:  # type: ignore[no-untyped-def]
    return " ".join((result.stdout + result.stderr).split())


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_first_admin_is_a_recorded_bootstrap_and_later_admins_need_approval(
    backend: str, scratch_db, tmp_path: Path
) -> None:
    url = scratch_db(backend)
    env = {"GUESTGRAPH_DATABASE_URL": url, "GUESTGRAPH_DATA_DIR": str(tmp_path)}
    assert run("migrate", env=env).returncode == 0
    first = run("user", "create-admin", "root1", "--password-stdin", env=env, stdin=PASSWORD + "\n")
    assert first.returncode == 0, first.stderr
    second = run("user", "create-admin", "root2", "--password-stdin", env=env, stdin=PASSWORD + "\n")
    assert second.returncode == 2 and "needs a second admin's approval" in _said(second)
    filed = run(
        "user", "create-admin", "root2", "--email", "root2@hotel.example", "--reason", "second admin", env=env
    )
    assert filed.returncode == 0 and "approves it on /admin" in _said(filed), filed.stderr
    no_address = run("user", "reset-link", "root1", env=env)
    assert no_address.returncode == 2 and "no e-mail address" in _said(no_address)

    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        users = list(session.scalars(select(StaffUser.username)))
        assert users == ["root1"]  # root2 waits for an admin's approval
        change = session.scalar(select(AccessChange))
        assert change is not None and change.kind == "new_account" and change.status == "pending"
        assert change.proposed_by == f"cli:{getpass.getuser()}" and change.change["role"] == "admin"
        page = PageRequest(page=1, size=10)
        (created,) = audit.search_events(session, action="admin.user_create", paging=page).items
        assert created.event.details == {"role": "admin", "bootstrap": "no active admin"}
        assert audit.search_events(session, action="admin.access_propose", paging=page).items
        session.execute(update(StaffUser).values(email="root1@hotel.example"))
        session.commit()
    engine.dispose()

    with smtp_peer() as (mailbox, port):
        mail_env = {
            **env,
            "GUESTGRAPH_SMTP_PORT": str(port),
            "GUESTGRAPH_PUBLIC_BASE_URL": "https://gg.example",
        }
        sent = run("user", "reset-link", "root1", env=mail_env)
        assert sent.returncode == 0, sent.stderr
        (mail,) = mailbox.to("root1@hotel.example")
    link = re.search(r"https://gg\.example/reset/(\S+)", mail.text())
    assert link is not None and link.group(1) not in sent.stdout + sent.stderr
    assert "/reset/" not in sent.stdout + sent.stderr
