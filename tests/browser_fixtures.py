"""Browser fixtures (Debian's Chromium through Playwright), shared by every browser test module:
one Playwright instance per run, a signed-in `page` and an `anonymous_page`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from guestgraph import access
from guestgraph.db import make_session_factory
from tests.auth_helpers import make_staff
from tests.conftest import LiveServer
from tests.log_leaks import register_secret

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PASSWORD = "quiet-river-stone-42"
PASSWORD_HASH = access.hash_password(PASSWORD)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is not installed at /usr/bin/chromium (apt-get install chromium).", pytrace=False
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _errors_of(pg: Page, allowed: tuple[str, ...] = ()) -> list[str]:
    """Errors the page logs, except the 401/429 of a refused sign-in (the form says why) and those a
    test expects (`@pytest.mark.console_allows("status of 409")`: a refusal page it opens on purpose)."""
    errors: list[str] = []
    quiet = ("status of 401", "status of 429", *allowed)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and not any(q in m.text for q in quiet) else None
        ),
    )
    return errors


def _sign_in(pg: Page, live: LiveServer) -> None:
    import pyotp

    from guestgraph.access._totp import seal_seed
    from guestgraph.config import ensure_secret_key

    seed = pyotp.random_base32()
    with make_session_factory(live.engine)() as db:
        user = make_staff(db, role="test_everything")
        user.password_hash = PASSWORD_HASH
        user.mfa_secret = seal_seed(
            seed, user_id=user.id, secret_key=ensure_secret_key(live.settings).get_secret_value()
        )
        user.mfa_enrolled_at = datetime.now(UTC)
        username = user.username
        db.commit()
    pg.goto(live.base_url + "/login")
    pg.fill("#username", username)
    pg.fill("#password", PASSWORD)
    pg.click("#login-form button")
    pg.fill("#code", pyotp.TOTP(seed).now())
    pg.click("#verify-form button")
    expect(pg.locator("#whoami")).to_be_visible()
    for cookie in pg.context.cookies():  # the browser's session: the logs must never hold it (LG-02)
        register_secret("session cookie", cookie["value"])


@pytest.fixture
def anonymous_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US")
    pg = context.new_page()
    errors = _errors_of(pg)
    yield pg
    context.close()
    assert errors == [], f"the page logged errors: {errors}"


@pytest.fixture
def page(browser: Browser, live: LiveServer, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A browser signed in through the real form (password, then the authenticator code)."""
    context = browser.new_context(locale="en-US")
    pg = context.new_page()
    _sign_in(pg, live)
    marker = request.node.get_closest_marker("console_allows")
    errors = _errors_of(pg, tuple(marker.args) if marker else ())
    yield pg
    context.close()
    assert errors == [], f"the page logged errors: {errors}"
