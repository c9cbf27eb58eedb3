"""schemathesis against the OpenAPI schema over real HTTP, one run per role and one for the push API
with a source key (OP-03, IN-01, IN-02): no 5xx, responses and status codes conform to the schema,
with a fixed seed; the OpenTravel XML push sends generated OTA_HotelResNotifRQ messages (the schema
cannot describe one); and a negative-data run
(GenerationMode.NEGATIVE) over the write operations: schema-violating input is refused with a 4xx."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from guestgraph.access import issue_source_key
from tests.conftest import LiveServer
from tests.factories import make_guest, make_mention
from tests.test_ingest_reconcile_fuzz import OTA_KINDS, opentravel_message

ROLES = [
    "front_desk",
    "hotel_manager",
    "regional_manager",
    "marketing",
    "service_agent",
    "data_steward",
    "compliance_officer",
    "admin",
    None,
]
PUSH = "/api/v1/sources/"
# Its body is an OpenTravel XML message the schema cannot describe (it says "a string"), so a generated
# body would be malformed and rightly refused (400): these get a generated OTA_HotelResNotifRQ instead
# (reservations mutated as in the IN-04 fuzz test, texts XML can carry), and every check applies.
XML_IN = {"/api/v1/sources/{system}/ota"}
XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=30)
MESSAGES = itertools.count(1)
SETTINGS = hypothesis.settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
# The four roles added last run 4 examples per operation instead of 12, to keep CI time in check;
# every operation still runs for each of them.
FEWER = {"hotel_manager", "regional_manager", "marketing", "service_agent"}
FEWER_SETTINGS = hypothesis.settings(SETTINGS, max_examples=4)


def load_schema(live: LiveServer) -> Any:
    """The app's OpenAPI schema; built on first request, which takes over 10 s on a loaded machine."""
    return schemathesis.openapi.from_url(live.base_url + "/api/openapi.json", timeout=120)


def staff_headers(live: LiveServer, role: str | None) -> dict[str, str]:
    """The session cookie and CSRF header of a new user of `role` (none when signed out)."""
    with live.client(role=role) as c:
        headers = {k: v for k, v in c.headers.items() if k.lower() == "x-csrf-token"}
        cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
    if cookie:
        headers["Cookie"] = cookie
    return headers


def run_operations(
    operations: list[Any],
    headers: dict[str, str],
    settings: hypothesis.settings,
    ota_template: bytes,
    path_parameters: dict[str, str] | None = None,
) -> list[str]:
    """Run every operation with all of schemathesis' checks; the findings, one per failing operation
    (every operation runs, so one run reports them all). `ota_template`: the OpenTravel message the
    XML operations' bodies are made from."""
    failures: list[str] = []
    for op in operations:

        @settings
        @hypothesis.given(case=op.as_strategy(), sent=st.just(dict(headers)), data=st.data())
        def run(case, sent, data):  # type: ignore[no-untyped-def]
            case.path_parameters = {**(case.path_parameters or {}), **(path_parameters or {})}
            body: dict[str, bytes] = {}
            if case.operation.path in XML_IN:
                kinds = data.draw(st.lists(st.sampled_from(OTA_KINDS), min_size=1, max_size=4), label="kinds")
                message = opentravel_message(ota_template, kinds, data, f"S{next(MESSAGES)}", XML_TEXT)
                hypothesis.note(message.decode())
                body["data"] = message
                sent = {**sent, "Content-Type": "application/xml"}
            case.call_and_validate(headers=sent, **body)

        try:
            run()
        except Exception as e:  # noqa: BLE001 -- collect every finding, not just the first
            failures.append(f"{op.method.upper()} {op.path}: {str(e)[:1500]}")
    return failures


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "signed_out")
def test_the_api_holds_its_schema_for_every_role(
    live: LiveServer, demo_group: Session, demo_dir: Path, role: str | None
) -> None:
    """Every operation, for each of the 8 shipped roles and signed out: no 5xx, responses and status
    codes as documented, authentication not ignored. The push API takes source keys, not a session:
    signed out it must refuse; with a key it runs in the test below."""
    guest = make_guest(demo_group, full_name="测试")
    make_mention(demo_group, guest, name_key="ceshi", phone=guest.phone)
    demo_group.commit()
    schema = load_schema(live)
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 10
    if role is not None:
        operations = [op for op in operations if not op.path.startswith(PUSH)]
    settings = FEWER_SETTINGS if role in FEWER else SETTINGS
    template = (demo_dir / "ota" / "booking_SHA01.xml").read_bytes()
    failures = run_operations(operations, staff_headers(live, role), settings, template)
    assert not failures, "\n\n".join(failures)


def test_the_push_api_holds_its_schema_with_a_source_key(
    live: LiveServer, demo_group: Session, demo_dir: Path
) -> None:
    """The push operations with the source system's own key (`X-API-Key`) and its code in the path, so
    the generated batches reach validation and ingestion: no 5xx, responses as documented. Generated
    texts may hold a NUL (schemathesis' `allow_x00`, on by default); the test below puts NUL, control
    characters and lone surrogates into every batch."""
    key = issue_source_key(demo_group, source="ota_booking")
    demo_group.commit()
    schema = load_schema(live)
    operations = [r.ok() for r in schema.get_all_operations() if r.ok().path.startswith(PUSH)]
    assert len(operations) == 2
    template = (demo_dir / "ota" / "booking_SHA01.xml").read_bytes()
    failures = run_operations(operations, {"X-API-Key": key}, SETTINGS, template, {"system": "ota_booking"})
    assert not failures, "\n\n".join(failures)


# What no text column stores as sent: NUL (PostgreSQL), other C0/C1 control characters, lone surrogates
# (no UTF-8 text at all). Surrogates go into the field and person values only: in the record's own
# strings (external_id, hotel_code, updated_at) pydantic refuses one with a 422 naming the field.
CONTROL_CHARACTERS = ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\x9f"]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]


def with_unstorable_characters(body: Any, data: st.DataObject) -> int:
    """Replace one character of the generated batch's texts by a NUL, another control character or a
    lone surrogate (lengths unchanged, so the body stays schema-valid); how many were replaced."""
    changed = 0

    def spoil(text: str, choices: list[str]) -> str:
        nonlocal changed
        if not text or not data.draw(st.booleans(), label="spoil"):
            return text
        at = data.draw(st.integers(0, len(text) - 1), label="at")
        changed += 1
        return text[:at] + data.draw(st.sampled_from(choices), label="character") + text[at + 1 :]

    for record in body.get("records", []) if isinstance(body, dict) else []:
        for name in ("external_id", "hotel_code", "updated_at"):
            if isinstance(record.get(name), str):
                record[name] = spoil(record[name], CONTROL_CHARACTERS)
        for values in [record.get("fields") or {}] + [
            p.get("values") or {} for p in record.get("persons", [])
        ]:
            for name, value in values.items():
                if isinstance(value, str):
                    values[name] = spoil(value, CONTROL_CHARACTERS + SURROGATES)
    return changed


def test_the_push_api_takes_unstorable_characters_per_record(live: LiveServer, demo_group: Session) -> None:
    """Generated push batches whose texts hold NUL, control characters and lone surrogates, with all of
    schemathesis' checks: no 5xx, a schema-valid batch is accepted (200, never a 422 for the whole batch),
    the answer as documented; the characters reach ingestion (removed with `text.control_characters`,
    or the record quarantined with `text.unstorable` or `id.control_characters`)."""
    key = issue_source_key(demo_group, source="ota_booking")
    demo_group.commit()
    schema = load_schema(live)
    (push,) = [r.ok() for r in schema.get_all_operations() if r.ok().path == PUSH + "{system}/records"]
    rules: set[str] = set()
    spoiled: list[int] = []

    @hypothesis.settings(SETTINGS, max_examples=25)
    @hypothesis.given(case=push.as_strategy(), data=st.data())
    def run(case, data):  # type: ignore[no-untyped-def]
        case.path_parameters = {"system": "ota_booking"}
        spoiled.append(with_unstorable_characters(case.body, data))
        answer = case.call_and_validate(headers={"X-API-Key": key})
        if answer.status_code == 200:
            rules.update(f["rule"] for r in answer.json()["records"] for f in r["findings"])

    run()
    assert sum(spoiled) >= 10, spoiled
    assert "text.control_characters" in rules and rules & {"text.unstorable", "id.control_characters"}, rules


NEGATIVE_ROLES = ["front_desk", "data_steward"]
NEGATIVE_SETTINGS = hypothesis.settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def test_the_write_api_rejects_invalid_data_for_two_roles(live: LiveServer, demo_group: Session) -> None:
    """IN-01: schema-violating bodies, parameters and types on every write operation are refused with a
    4xx (never accepted, never a 500), for a front-desk clerk and a data steward."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import negative_data_rejection

    guest = make_guest(demo_group, full_name="测试")
    make_mention(demo_group, guest, name_key="ceshi", phone=guest.phone)
    demo_group.commit()
    schema = load_schema(live)
    operations = [
        r.ok()
        for r in schema.get_all_operations()
        if r.ok().method.upper() in WRITE_METHODS and not r.ok().path.startswith("/api/v1/sources/")
    ]
    assert len(operations) >= 3
    checked = 0
    untestable: set[str] = set()
    statuses: list[int] = []
    failures: list[str] = []
    for role in NEGATIVE_ROLES:
        with live.client(role=role) as c:
            headers = {k: v for k, v in c.headers.items() if k.lower() == "x-csrf-token"}
            cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
        headers["Cookie"] = cookie
        for op in operations:

            @NEGATIVE_SETTINGS
            @hypothesis.given(case=op.as_strategy(GenerationMode.NEGATIVE), sent=st.just(dict(headers)))
            def run(case, sent):  # type: ignore[no-untyped-def]
                answer = case.call_and_validate(
                    headers=sent, checks=[not_a_server_error, negative_data_rejection]
                )
                statuses.append(answer.status_code)

            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                untestable.add(f"{op.method.upper()} {op.path}")  # nothing in it can be made invalid
                continue
            except Exception as e:  # noqa: BLE001 -- collect every finding, not just the first
                failures.append(f"{role} {op.method.upper()} {op.path}: {str(e)[:1500]}")
                continue
            checked += 1
    assert not failures, "\n\n".join(failures)
    assert untestable <= {"POST /api/v1/auth/logout"}, untestable  # takes no input at all
    assert checked >= 2 * len(operations) - 2
    # The run must reach validation, not stop at the door (401/403): a good share of the requests are
    # refused as invalid (422, or 400 for a body that is not JSON at all).
    refused = sum(status in (400, 422) for status in statuses)
    assert refused > len(statuses) // 3, sorted(set(statuses))
