"""No personal data or secrets in the application logs, and log injection neutralised (LG-02);
every response carries a request id, and an unexpected error gives a generic body with it (OP-03)."""

from __future__ import annotations

import logging

import pyotp
import pytest
from sqlalchemy.orm import Session

from guestgraph.web._requestlog import SafeFormatter, neutralise
from tests.auth_helpers import browser_like, csrf_of, make_staff, with_password
from tests.conftest import LiveServer
from tests.factories import make_guest, make_mention

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
    assert neutralise("a\rb\u2028c") == "a\\x0db\\u2028c".replace("\\u2028", "\\x2028")


def test_every_response_has_a_request_id_and_a_sent_one_is_kept(live: LiveServer) -> None:
    with live.client(role=None) as c:
        fresh = c.get("/healthz")
        kept = c.get("/healthz", headers={"X-Request-ID": "abc12345-trace"})
        forged = c.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert len(fresh.headers["X-Request-ID"]) == 32
    assert kept.headers["X-Request-ID"] == "abc12345-trace"
    assert forged.headers["X-Request-ID"] != "bad id <script>"
