"""schemathesis against the OpenAPI schema over real HTTP, one run per role (OP-03, IN-01, IN-02):
no 5xx, responses and status codes conform to the schema, with a fixed seed; and a negative-data run
(GenerationMode.NEGATIVE) over the write operations: schema-violating input is refused with a 4xx."""

from __future__ import annotations

import hypothesis
import schemathesis
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.conftest import LiveServer
from tests.factories import make_guest, make_mention

ROLES = ["front_desk", "data_steward", "compliance_officer", "admin", None]
SETTINGS = hypothesis.settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


def test_the_api_holds_its_schema_for_every_role(live: LiveServer, demo_group: Session) -> None:
    guest = make_guest(demo_group, full_name="测试")
    make_mention(demo_group, guest, name_key="ceshi", phone=guest.phone)
    demo_group.commit()
    schema = schemathesis.openapi.from_url(live.base_url + "/api/openapi.json")
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 10
    checked = 0
    for role in ROLES:
        with live.client(role=role) as c:
            headers = {k: v for k, v in c.headers.items() if k.lower() == "x-csrf-token"}
            cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
        if cookie:
            headers["Cookie"] = cookie
        for op in operations:
            if op.path.startswith("/api/v1/sources/"):
                continue  # pushes authenticate by source key: tests/test_ingest_push.py

            @SETTINGS
            @hypothesis.given(case=op.as_strategy(), sent=st.just(dict(headers)))
            def run(case, sent):  # type: ignore[no-untyped-def]
                case.call_and_validate(headers=sent)

            run()
            checked += 1
    assert checked >= 10 * len(ROLES) // 2


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
    schema = schemathesis.openapi.from_url(live.base_url + "/api/openapi.json")
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
