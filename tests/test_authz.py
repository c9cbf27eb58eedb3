"""Authorisation from the route table: every route declares who may use it (AC-03), every state
change refuses cross-site requests and requests without the anti-forgery token (SE-02), and the
role x route x scope matrix holds over real HTTP (AC-01)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import reports
from guestgraph.access import DEFAULT_ROLES, DataScope, Permission
from guestgraph.db.models import Guest, Hotel
from guestgraph.web import create_app
from guestgraph.web._auth import TOKEN_PATHS, Requires, public, source_key
from tests.conftest import LiveServer, make_settings
from tests.db_checksums import table_checksums
from tests.factories import hotel, make_guest, make_stay
from tests.test_mass_assignment import QUERIES
from tests.test_mass_assignment import _seed as seed_everything

MARKERS = (public, source_key)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    dependencies: tuple[object, ...]  # the callables of the route's direct dependencies


def _routes(tmp_path) -> list[RouteInfo]:  # type: ignore[no-untyped-def]
    """Every route as served, with router-level dependencies (FastAPI 0.165 keeps included routers
    as wrappers, so this walks their effective route contexts)."""
    app = create_app(make_settings(tmp_path, "sqlite:///" + str(tmp_path / "unused.db")))
    out = []
    for ctx in iter_route_contexts(app.routes):
        effective = ctx._route_context
        dependant = effective.dependant if effective is not None else getattr(ctx.route, "dependant", None)
        if dependant is None or ctx.path is None:
            continue  # static files
        calls = tuple(d.call for d in dependant.dependencies)
        out.append(RouteInfo(ctx.path, frozenset(ctx.methods or ()), calls))
    return out


def _marker(route: RouteInfo) -> object | None:
    found = [c for c in route.dependencies if isinstance(c, Requires) or c in MARKERS]
    return found[0] if len(found) == 1 else None


def test_every_route_declares_who_may_use_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    routes = _routes(tmp_path)
    assert len(routes) > 30
    undeclared = [f"{sorted(r.methods)} {r.path}" for r in routes if _marker(r) is None]
    assert undeclared == [], "add dependencies=[allow(...)], SIGNED_IN, PUBLIC or SOURCE_KEY"


def test_public_routes_are_only_the_expected_ones(tmp_path) -> None:  # type: ignore[no-untyped-def]
    public_paths = {r.path for r in _routes(tmp_path) if _marker(r) is public}
    allowed = {
        "/login",
        "/login/verify",
        "/login/enroll",
        "/logout",
        "/reset/{token}",
        "/healthz",
        "/api/docs",
        "/lang/{locale}",
        "/favicon.ico",
        "/api/v1/auth/login",
        "/u/{token}",  # the unsubscribe link in marketing e-mail: its signed token is the authority
        "/o/{token}",  # the open pixel of a campaign e-mail: its signed token is the authority
        "/c/{token}",  # a click-tracked link of a campaign e-mail: token signed over the message and URL
        "/s/{token}",  # a guest's post-stay survey: its random secret is the authority
        "/r/{token}",  # a guest's self-service requests: its random secret is the authority
        "/r/{token}/rate/{request_id}",  # rating a done self-service request: the same secret
        "/t/{token}",  # a guest's rating of a resolved ticket: its random secret is the authority
    }
    assert public_paths <= allowed, public_paths - allowed


def _filled(path: str, values: dict[str, str] | None = None) -> str:
    """The path with seeded ids filled in (a report kind for a report's `{code}`), "1" elsewhere."""
    values = values or {}
    if path.startswith(("/reports/", "/api/v1/reports/")):
        values = {**values, "code": next(iter(reports.KINDS))}
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "1"), path)


@pytest.fixture
def seeded(live: LiveServer, demo_group: Session) -> dict[str, str]:
    """A guest at SHA01 with stays, loyalty, consent, a ticket, a conversation, a campaign, a journey,
    an offer, a segment, an import … (tests/test_mass_assignment.py): the seeded path parameters."""
    return seed_everything(demo_group, live.settings)


def _row_checksums(session: Session) -> dict[str, str]:
    """Every table's checksum (tests/db_checksums.py) but the session's bookkeeping: a refused
    request may still touch the session's last-seen time and count a sign-in attempt."""
    return table_checksums(session, skip_tables=frozenset({"staff_session", "login_attempt"}))


def test_cross_site_state_changes_are_refused_everywhere(
    live: LiveServer, demo_group: Session, seeded: dict[str, str], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    unsafe = [(m, r.path) for r in _routes(tmp_path) for m in r.methods & UNSAFE]
    assert len(unsafe) > 10
    evil = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    with live.client(role="test_everything") as c:
        before = _row_checksums(demo_group)
        for method, path in unsafe:
            answer = c.request(method, _filled(path, seeded), headers=evil, data={"x": "1"})
            assert answer.status_code == 403, f"{method} {path}: {answer.status_code}"
    assert _row_checksums(demo_group) == before


def test_state_changes_without_the_token_are_refused(
    live: LiveServer, demo_group: Session, seeded: dict[str, str], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    browser_posts = [
        (m, r.path) for r in _routes(tmp_path) for m in r.methods & UNSAFE if _marker(r) is not source_key
    ]
    with live.client(role="test_everything") as c:
        before = _row_checksums(demo_group)
        del c.headers["X-CSRF-Token"]
        for method, path in browser_posts:
            answer = c.request(method, _filled(path, seeded), data={"username": "x", "password": "y"})
            # One-click unsubscribe (RFC 8058) needs no form token: a forged link is refused (404).
            expected = 404 if path.startswith(TOKEN_PATHS) else 403
            assert answer.status_code == expected, f"{method} {path}: {answer.status_code}"
    assert _row_checksums(demo_group) == before


# What a GET writes by design, left out of its "no change" checksum by name: the audit trail of reads
# (`guest.read` … events and the chain's head in audit_control), the session's last-seen time,
# security alerts that access raises, and the campaign open pixel and click link, which record an
# open or a click (their paths are not requested below).
GET_WRITES_TABLES = frozenset({"audit_event", "audit_control", "security_alert"})
GET_WRITES_COLUMNS = {"staff_session": {"last_seen_at"}}
GET_WRITES_PATHS = {"/o/{token}", "/c/{token}"}
# GETs that write one column by design, checked with that column alone left out:
GET_WRITES_BY_PATH: dict[str, dict[str, set[str]]] = {
    # opening a conversation clears its unread count (as opening an e-mail marks it read)
    "/inbox/{conversation_id}": {"conversation": {"unread"}},
    # the authenticator seed of a pending enrolment is made on first display and kept until confirmed
    "/login/enroll": {"staff_user": {"mfa_secret", "updated_at"}},
}


def test_no_get_changes_the_database(
    live: LiveServer, demo_group: Session, seeded: dict[str, str], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Every GET of the route table, seeded ids filled in, read by a role holding every permission:
    the checksum of every row of every table is the same after as before (SE-02)."""
    gets = sorted({r.path for r in _routes(tmp_path) if "GET" in r.methods} - GET_WRITES_PATHS)
    assert len(gets) > 100

    def checksums(path: str = "") -> dict[str, str]:
        skip = {**GET_WRITES_COLUMNS, **GET_WRITES_BY_PATH.get(path, {})}
        return table_checksums(demo_group, skip_tables=GET_WRITES_TABLES, skip_columns=skip)

    fills = {**seeded, "code": "SHA01"}
    with live.client(role="test_everything") as c:
        changed: list[str] = []
        for path in gets:
            before = checksums(path)
            query = QUERIES.get(path, [{}])[0]
            if path == "/api/v1/coupons/{code}":
                answer = c.get(_filled(path, {**fills, "code": seeded["coupon"]}), params=query)
            else:
                answer = c.get(_filled(path, fills), params=query)
            assert answer.status_code < 500, f"GET {path}: {answer.status_code}"
            after = checksums(path)
            if after != before:
                changed.append(f"GET {path}: {sorted(k for k in after if after[k] != before[k])}")
    assert changed == []


def _get_routes(tmp_path) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    return [(r.path, _marker(r)) for r in _routes(tmp_path) if "GET" in r.methods and "{" not in r.path]


@pytest.mark.parametrize("role", [r.code for r in DEFAULT_ROLES])
def test_each_role_reaches_exactly_what_its_permissions_allow(
    live: LiveServer,
    demo_group: Session,
    tmp_path,
    role: str,  # type: ignore[no-untyped-def]
) -> None:
    permissions = {str(p) for spec in DEFAULT_ROLES if spec.code == role for p in spec.permissions}
    with live.client(role=role) as c:
        for path, marker in _get_routes(tmp_path):
            if not isinstance(marker, Requires):
                continue
            answer = c.get(path)
            allowed = marker.permission is None or str(marker.permission) in permissions
            expected = 200 if allowed else 403
            assert answer.status_code == expected, f"{role} GET {path}: {answer.status_code}"


def test_signed_out_requests_get_401_on_the_api_and_the_sign_in_page_elsewhere(
    live: LiveServer, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    with live.client(role=None) as c:
        for path, marker in _get_routes(tmp_path):
            if not isinstance(marker, Requires):
                continue
            answer = c.get(path)
            if path.startswith("/api/"):
                assert answer.status_code == 401 and answer.json()["error"] == "not_signed_in", path
            else:
                assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), (
                    path
                )


def test_a_guest_seen_only_at_another_hotel_is_indistinguishable_from_none(
    live: LiveServer, demo_group: Session
) -> None:
    codes = [h.code for h in demo_group.scalars(select(Hotel).order_by(Hotel.id))][:2]
    a, b = codes
    here, there = make_guest(demo_group, full_name="张三丰"), make_guest(demo_group, full_name="李四光")
    make_stay(demo_group, a, here)
    make_stay(demo_group, b, there)
    demo_group.commit()
    scope = DataScope.hotels(hotel(demo_group, a).id)
    with live.client(role="front_desk", scope=scope) as c:
        assert c.get(f"/api/v1/guests/{here.public_id}").status_code == 200
        hidden, missing = c.get(f"/api/v1/guests/{there.public_id}"), c.get("/api/v1/guests/G000000000000")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json().keys() == missing.json().keys()
        assert hidden.json()["error"] == missing.json()["error"]
        assert c.get(f"/guests/{there.public_id}").status_code == 404
        listed = c.get("/api/v1/guests").json()
        assert [g["public_id"] for g in listed["items"]] == [here.public_id]
    total = demo_group.scalar(select(func.count()).select_from(Guest))
    with live.client(role="regional_manager") as c:
        assert c.get("/api/v1/guests").json()["total"] == total


def test_no_permissions_means_nothing_but_the_account_page(
    live: LiveServer, demo_group: Session, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from guestgraph.db.models import Role

    demo_group.add(Role(code="nothing", name_zh="无", name_en="Nothing", permissions=[]))
    demo_group.commit()
    with live.client(role="nothing") as c:
        for path, marker in _get_routes(tmp_path):
            if isinstance(marker, Requires) and marker.permission is not None:
                assert c.get(path).status_code == 403, path
    assert {str(p) for p in Permission}  # the enum is the vocabulary of permissions


def test_a_signed_out_htmx_fragment_request_sends_the_page_to_sign_in(live: LiveServer) -> None:
    with live.client(role=None) as c:
        answer = c.get("/guests", params={"q": "wang"}, headers={"HX-Request": "true"})
    assert answer.status_code == 200 and answer.text == ""
    assert answer.headers["HX-Redirect"] == "/login?next=%2Fguests%3Fq%3Dwang"


def test_every_page_and_api_answer_carries_the_security_headers(
    live: LiveServer, demo_group: Session, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    with live.client(role="test_everything") as c:
        for path, _marker in _get_routes(tmp_path):
            answer = c.get(path)
            h = answer.headers
            assert "frame-ancestors 'none'" in h["content-security-policy"], path
            assert (
                "'unsafe-inline'" not in h["content-security-policy"].split("script-src")[1].split(";")[0]
            ), path
            assert h["x-content-type-options"] == "nosniff", path
            assert h["referrer-policy"], path
            assert h["strict-transport-security"].startswith("max-age=31536000; includeSubDomains"), path
            assert h["cache-control"] == "no-store" or path == "/favicon.ico", path


def test_a_refusal_when_the_session_is_due_a_touch_answers_at_once(
    live: LiveServer, demo_group: Session
) -> None:
    """Every 30 s a request writes the session's last-seen time; a refusal on that request is audited
    in a transaction of its own. On SQLite the two once waited on each other for the busy timeout."""
    import time
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from guestgraph.db.models import StaffSession

    with live.client(role="front_desk", timeout=8) as c:
        assert c.get("/account").status_code == 200
        demo_group.execute(update(StaffSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=2)))
        demo_group.commit()
        started = time.perf_counter()
        assert c.get("/segments").status_code == 403  # front desk has no segment.manage
        assert time.perf_counter() - started < 5
