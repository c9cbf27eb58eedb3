"""No personal data or secrets in the application logs, and log injection neutralised (LG-02);
every response carries a request id, and an unexpected error gives a generic body with it (OP-03)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pyotp
import pytest
from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import engage, journeys, privacy
from guestgraph.access import DataScope, issue_source_key
from guestgraph.config import Settings, load_settings
from guestgraph.db import make_session_factory
from guestgraph.db.models import ConsentDecision, Guest, JourneyStatus
from guestgraph.privacy import Channel, ConsentInput, Purpose
from guestgraph.web import create_app
from guestgraph.web._requestlog import SafeFormatter, neutralise
from tests.auth_helpers import browser_like, csrf_of, make_staff, signed_in, with_password
from tests.conftest import LiveServer, make_settings, serve
from tests.factories import make_guest, make_mention, make_stay
from tests.ingest_helpers import good_row, write_pms_cn
from tests.log_capture import RECORD_START, app_log, lines_of
from tests.smtp_peer import smtp_peer

CANARY_PHONE = "+8613987654321"
CANARY_ID = "11010519491231002X"
CANARY_EMAIL = "canary.guest@example.org"
PASSWORD = "lantern-harbour-violet-3"


def test_searches_sign_ins_and_profiles_leave_no_personal_data_in_the_logs(
    live: LiveServer, demo_group: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    guest = make_guest(demo_group, full_name="金丝雀", phone=CANARY_PHONE, email=CANARY_EMAIL)
    make_mention(demo_group, guest, name_key="jinsique", phone=CANARY_PHONE, id_number=CANARY_ID)
    user = make_staff(demo_group, role="test_everything")
    seed = with_password(demo_group, user, PASSWORD, settings=live.settings)
    demo_group.commit()
    code = pyotp.TOTP(seed).now()
    with browser_like(live) as c:
        page = c.get("/login")
        c.post(
            "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
        )
        verify = c.get("/login/verify")
        c.post("/login/verify", data={"code": code, "csrf_token": csrf_of(verify.text)})
        for q in (CANARY_PHONE, "4321", CANARY_EMAIL, CANARY_ID, "金丝雀", "jinsique"):
            assert c.get("/api/v1/guests", params={"q": q}).status_code == 200
            c.get("/guests", params={"q": q})
        c.get(f"/guests/{guest.public_id}")
        cookies = list(c.jar.values.values())  # type: ignore[attr-defined]
    server = [
        r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))
    ]  # not the test client
    text = "\n".join(r.getMessage() + str(r.exc_text or "") for r in server)
    assert "rid=" in text  # the access log ran
    for secret in (
        CANARY_PHONE,
        CANARY_PHONE[3:],
        CANARY_ID,
        CANARY_EMAIL,
        "金丝雀",
        PASSWORD,
        code,
        *cookies,
    ):
        assert secret not in text, secret


def test_a_forged_log_line_stays_on_one_line() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "guest %s", ("王\n[INFO] admin login ok",), None
    )
    line = SafeFormatter("%(levelname)s %(message)s").format(record)
    assert "\n" not in line and "\\x0a[INFO] admin login ok" in line
    assert neutralise("a\rb\u2028c\x85d") == "a\\x0db\\u2028c\\x85d"


def test_every_response_has_a_request_id_and_a_sent_one_is_kept(live: LiveServer) -> None:
    with live.client(role=None) as c:
        fresh = c.get("/healthz")
        kept = c.get("/healthz", headers={"X-Request-ID": "abc12345-trace"})
        forged = c.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert len(fresh.headers["X-Request-ID"]) == 32
    assert kept.headers["X-Request-ID"] == "abc12345-trace"
    assert forged.headers["X-Request-ID"] != "bad id <script>"


# LG-02: a broad flow through the real app over HTTP, every record captured at DEBUG by the app's own
# handler. The canaries are rare on purpose: a hit is a leak, not a coincidence.
NAME = "欧阳翠雀"
PHONE = "+8613961234570"
EMAIL = "Canary.Logline@Lantern-Mail.cn"
CN_ID = "11010519491231002X"
PASSPORT = "E57204913"
FORGED = "\n[INFO] admin login ok"
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def _forms(secret: str) -> set[str]:
    """A value and the forms it commonly takes on its way to a log line."""
    forms = {secret, secret.lower(), secret.upper()}
    if secret.startswith("+86"):
        local = secret[3:]
        forms |= {local, f"{local[:3]}-{local[3:7]}-{local[7:]}", f"{local[:3]} {local[3:7]} {local[7:]}"}
        forms |= {local[:7], local[-8:]}  # a masking that shows too much
    if secret == CN_ID:
        forms |= {secret[:10], secret[6:14], secret[-8:]}
    if "@" in secret:
        forms.add(secret.split("@")[0].lower())
    if secret == NAME:
        forms |= {secret[2:], "ouyang cuique", "ouyangcuique"}
    return forms


def _signed_in_with_totp(live: LiveServer, demo_group: Session) -> tuple[list[str], str, str]:
    user = make_staff(demo_group, role="test_everything")
    seed = with_password(demo_group, user, PASSWORD, settings=live.settings)
    demo_group.commit()
    assert seed is not None
    code = pyotp.TOTP(seed).now()
    with browser_like(live) as c:
        page = c.get("/login")
        c.post(
            "/login",
            data={
                "username": user.username,
                "password": "wrong-" + PASSWORD,
                "csrf_token": csrf_of(page.text),
            },
        )
        page = c.get("/login")
        c.post(
            "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
        )
        verify = c.get("/login/verify")
        c.post("/login/verify", data={"code": "000000", "csrf_token": csrf_of(verify.text)})
        verify = c.get("/login/verify")
        done = c.post("/login/verify", data={"code": code, "csrf_token": csrf_of(verify.text)})
        assert done.status_code in (200, 303), done.text
        assert c.get("/guests", params={"q": NAME}).status_code == 200
        cookies = list(c.jar.values.values())  # type: ignore[attr-defined]
    return cookies, seed, code


def _imports(live: LiveServer, c: httpx.Client, key: str, tmp_path: Path) -> None:
    rows = [
        good_row("LG201", 姓名=NAME, 手机=PHONE, 邮箱=EMAIL, 证件号码=CN_ID),
        good_row("LG202", 姓名=NAME, 手机="12", 邮箱=EMAIL, 证件号码=CN_ID),  # quarantined: bad phone
        good_row("LG203", 姓名=NAME + FORGED, 证件类型="护照", 证件号码=PASSPORT, 离店日期="2026/09/01"),
    ]
    path = write_pms_cn(tmp_path / "SHA01_stays.csv", rows)
    upload = c.post(
        "/imports", data={"source": "pms"}, files={"file": (path.name, path.read_bytes(), "text/csv")}
    )
    assert upload.status_code == 303, upload.text
    c.get(upload.headers["location"])
    c.get(upload.headers["location"] + "/problems.csv")
    person = {"family_name": NAME[:2], "given_name": NAME[2:] + FORGED, "phone": PHONE, "email": EMAIL}
    good = {
        "external_id": "LGP1",
        "record_type": "reservation",
        "version": 1,
        "hotel_code": "SHA01",
        "fields": {"confirmation_number": "LGP1", "arrival": "2026-12-01", "departure": "2026-12-03"},
        "persons": [{"role": "primary", "values": {**person, "id_type": "passport", "id_number": PASSPORT}}],
    }
    bad = {
        **good,
        "external_id": "LGP2",
        "fields": {**good["fields"], "confirmation_number": "LGP2", "departure": "2026-11-01"},
        "persons": [{"role": "primary", "values": {**person, "phone": "12", "id_number": CN_ID[:-1] + "9"}}],
    }
    invalid = {**good, "external_id": "LGP3", "fields": {"arival": PHONE}}
    with live.client(role=None, headers={"X-API-Key": key}) as push:
        pushed = push.post("/api/v1/sources/ota_booking/records", json={"records": [good, bad]})
        assert pushed.status_code == 200, pushed.text
        assert (
            push.post("/api/v1/sources/ota_booking/records", json={"records": [invalid]}).status_code == 422
        )
        assert (
            push.post(
                "/api/v1/sources/ota_booking/ota", content=f"<OTA_HotelResNotifRQ>{NAME}{PHONE}".encode()
            ).status_code
            >= 400
        )
    with live.client(role=None, headers={"X-API-Key": key[:-4] + "xxxx"}) as wrong:
        assert wrong.post("/api/v1/sources/ota_booking/records", json={"records": [good]}).status_code == 401
    quarantine = c.get("/quarantine")
    assert quarantine.status_code == 200
    for record_id in set(re.findall(r'href="/quarantine/(\d+)"', quarantine.text)):
        assert c.get(f"/quarantine/{record_id}").status_code == 200
    c.get("/api/v1/imports")


def _reads_and_exports(live: LiveServer, c: httpx.Client) -> str:
    found = c.get("/api/v1/guests", params={"q": PHONE}).json()
    assert found["total"] >= 1, found
    public_id = found["items"][0]["public_id"]
    for q in (PHONE, PHONE[3:], PHONE[-4:], EMAIL, CN_ID, PASSPORT, NAME, NAME + FORGED, "ouyang"):
        c.get("/api/v1/guests", params={"q": q})
        c.get("/guests", params={"q": q}, headers={"HX-Request": "true"})
    c.get(f"/guests/{public_id}")
    c.get(f"/api/v1/guests/{public_id}")
    assert (
        c.post(f"/guests/{public_id}/reveal", data={"field": "phone", "purpose": "guest_request"}).status_code
        == 200
    )
    assert c.get(f"/api/v1/privacy/guests/{public_id}/export").status_code == 200
    c.get(f"/privacy/guests/{public_id}/export")
    segment = c.post(
        "/api/v1/segments",
        json={
            "name": NAME,
            "kind": "dynamic",
            "definition": {
                "condition": {"type": "attribute", "field": "nationality", "op": "=", "value": "CN"}
            },
        },
    )
    if segment.status_code == 201:
        c.post(f"/api/v1/segments/{segment.json()['id']}/export", json={"purpose": "reporting"})
    return public_id


def _error_paths(c: httpx.Client) -> None:
    assert c.get("/guests/G-NOSUCH" + PHONE).status_code == 404
    assert c.get("/api/v1/guests/" + CN_ID).status_code == 404
    assert c.get(f"/no-such-page/{EMAIL}/{NAME}").status_code == 404
    assert c.get("/api/v1/guests", params={"hotel": PHONE * 2}).status_code == 422
    assert c.post("/api/v1/privacy/requests", json={"guest": EMAIL, "kind": NAME}).status_code == 422
    assert (
        c.post(
            "/api/v1/segments",
            content=f'{{"name": "{NAME}", "kind": ',
            headers={"content-type": "application/json"},
        ).status_code
        == 422
    )


def test_a_broad_flow_leaves_no_personal_data_or_secret_in_the_logs(
    live: LiveServer, demo_group: Session, tmp_path: Path
) -> None:
    key = issue_source_key(demo_group, source="ota_booking")
    demo_group.commit()
    with app_log() as log, smtp_peer() as (mailbox, port):
        browser_cookies, seed, code = _signed_in_with_totp(live, demo_group)
        cookies, headers = signed_in(live.engine, live.settings, role="test_everything")
        with httpx.Client(base_url=live.base_url, cookies=cookies, headers=headers, timeout=30) as c:
            _imports(live, c, key, tmp_path)
            public_id = _reads_and_exports(live, c)
            _error_paths(c)
        with live.client(role="marketing") as m:
            assert m.get(f"/api/v1/privacy/guests/{public_id}/export").status_code == 403
        _mail_worker(demo_group, live, public_id, port)
        with live.client(role="compliance_officer") as officer:
            made = officer.post("/api/v1/privacy/requests", json={"guest": public_id, "kind": "erasure"})
            assert made.status_code == 201, made.text
            assert officer.post(f"/api/v1/privacy/requests/{made.json()['id']}/erase").status_code == 200
        text = log.getvalue()
    assert mailbox.received, "the worker sent no mail: the flow did not reach the mail path"
    assert "rid=" in text and "resolved online" in text  # the access log and the resolver ran
    secrets = {PASSWORD, seed, code, key, *browser_cookies, *cookies.values(), headers["X-CSRF-Token"]}
    for value in (NAME, PHONE, EMAIL, CN_ID, PASSPORT, *secrets):
        for form in _forms(value):
            assert form not in text, f"{form!r} is in the log:\n" + "\n".join(
                line for line in lines_of(text) if form in line
            )
    for line in lines_of(text):
        assert RECORD_START.match(line), f"a physical line that is not a record: {line!r}"


def _mail_worker(s: Session, live: LiveServer, public_id: str, port: int) -> None:
    """The journeys worker sends the post-stay mail to the canary (consent granted) over real SMTP."""
    guest = s.scalar(select(Guest).where(Guest.public_id == public_id))
    assert guest is not None
    entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "test")
    privacy.record_consent(
        s, guest_id=guest.id, entry=entry, recorded_by_id=None, now=T0 - timedelta(days=30)
    )
    make_stay(
        s, "SHA01", guest, arrival=T0.date() - timedelta(days=3), departure=T0.date() - timedelta(days=1)
    )
    row = journeys.create_from_template(
        s, scope=DataScope.group(), code="post_stay", locale="en", hotel_code=None, created_by_id=None, now=T0
    )
    journeys.set_status(s, row.id, scope=DataScope.group(), status=JourneyStatus.ACTIVE, now=T0)
    s.commit()
    smtp = engage.SmtpConfig("127.0.0.1", port, None, None, False, "Hotel <news@hotel.example>", 10)
    mail = engage.EngagePolicy(smtp, 5, timedelta(days=7), "https://gg.example", b"k" * 32)
    policy = journeys.JourneyPolicy(mail, journeys.QuietHours.parse("21:00-09:00"), "Asia/Shanghai")
    factory = make_session_factory(live.engine)
    for at in (T0, T0 + timedelta(days=1, minutes=1)):
        journeys.run_pass(factory, policy=policy, clock=lambda at=at: at)


INJECTIONS = (
    "\n[INFO] admin login ok",
    "\r[INFO] admin login ok",
    "\u2028[INFO] admin login ok",
    "\x85[INFO] admin login ok",
)
FAILURE_MARK = "forced-failure-5e1f"


@pytest.fixture
def failing(live: LiveServer, tmp_path: Path) -> Iterator[LiveServer]:
    """The real app of `create_app`, served over HTTP, with one page and one API route that fail with
    an exception nobody expected (its text quotes the request's `q`)."""

    def fail(request: Request) -> None:
        raise RuntimeError(f"{FAILURE_MARK} {request.query_params.get('q')}")

    with serve(make_settings(tmp_path, live.db_url), live.engine) as server:
        for path in ("/api/v1/forced-failure", "/forced-failure"):
            server.app.add_api_route(path, fail, methods=["GET"], include_in_schema=False)
        yield server


def test_a_forged_line_sent_in_a_request_stays_inside_its_record(
    live: LiveServer, demo_group: Session, failing: LiveServer
) -> None:
    key = issue_source_key(demo_group, source="ota_booking")
    demo_group.commit()
    with app_log() as log:
        with live.client(role=None, headers={"X-API-Key": key}) as push:
            for n, forged in enumerate(INJECTIONS):
                person = {"family_name": "王", "given_name": "五" + forged, "phone": "+8613800000000"}
                record = {
                    "external_id": f"INJ{n}",
                    "record_type": "profile",
                    "version": 1,
                    "persons": [{"role": "primary", "values": person}],
                }
                push.post("/api/v1/sources/ota_booking/records", json={"records": [record]})
        with live.client() as c:
            for forged in INJECTIONS:
                c.get("/api/v1/guests", params={"q": "王五" + forged})
                c.get("/guests/G" + quote(forged))  # a header cannot carry them: the client refuses
                c.get("/nowhere" + quote(forged))
        with httpx.Client(base_url=failing.base_url, timeout=30) as c:
            for forged in INJECTIONS:
                assert c.get("/api/v1/forced-failure", params={"q": forged}).status_code == 500
        text = log.getvalue()
    assert FAILURE_MARK in text and "admin login ok" in text  # the forged text reached the log
    lines = lines_of(text)
    for line in lines:
        assert RECORD_START.match(line), f"a forged or broken line: {line!r}"
    assert len(lines) == text.count("\n")  # one physical line per record, whatever splits them


def _assert_generic(answer: httpx.Response) -> str:
    assert answer.status_code == 500
    assert answer.headers["X-Content-Type-Options"] == "nosniff"  # the security headers too
    request_id = answer.headers["X-Request-ID"]
    assert request_id in answer.text
    for detail in ("Traceback", "RuntimeError", FAILURE_MARK, "test_logs.py", "raise ", "line "):
        assert detail not in answer.text, detail
    return request_id


def test_an_unexpected_error_gives_a_generic_answer_with_the_request_id(failing: LiveServer) -> None:
    with app_log() as log, httpx.Client(base_url=failing.base_url, timeout=30) as c:
        api = c.get("/api/v1/forced-failure", params={"q": PHONE})
        page = c.get("/forced-failure", params={"q": PHONE})  # on the same connection, kept open
        text = log.getvalue()
    api_id = _assert_generic(api)
    assert api.json() == {
        "error": "internal_error",
        "message": "Something went wrong on our side; the error has been logged.",
        "request_id": api_id,
    }
    page_id = _assert_generic(page)
    assert page.headers["content-type"].startswith("text/html") and 'id="request-id">' + page_id in page.text
    for request_id in (api_id, page_id):  # logged once with its id, and the answer's access-log line
        assert sum(FAILURE_MARK in line and request_id in line for line in lines_of(text)) == 1
        assert any(" 500 " in line and line.endswith(f"rid={request_id}") for line in lines_of(text))


def test_debug_is_off_in_the_shipped_settings(
    live: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert live.app.debug is False
    assert not [name for name in Settings.model_fields if "debug" in name.lower()]
    for name in ("GUESTGRAPH_DEBUG", "DEBUG", "GUESTGRAPH_ENV"):
        monkeypatch.setenv(name, "true" if name != "GUESTGRAPH_ENV" else "dev")
    app = create_app(load_settings(data_dir=tmp_path, database_url=live.db_url), engine=live.engine)
    assert app.debug is False
