"""PR-02 rectification: a compliance officer corrects a guest's phone; the golden record, the search hit
and the change feed follow, once, audited without the value; the correction survives later resolve
passes and a newer version of the source record; bad values are refused naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from guestgraph import audit, identity, pii
from guestgraph.access import DataScope
from guestgraph.db.models import GuestChange, SourceRecord
from guestgraph.org import GroupSpec, load_group
from guestgraph.paging import PageRequest
from guestgraph.pii import open_engine
from tests.conftest import BACKENDS, LiveServer, make_settings
from tests.factories import hotel
from tests.ingest_helpers import factory, good_row
from tests.test_cli import run
from tests.test_identity import _guest_of, _import

NEW_PHONE = "13900007777"


def _phone(session: Session, public_id: str) -> str | None:
    guest = _guest_of(session, "9101")
    assert guest.public_id == public_id
    session.refresh(guest)
    return pii.guest_values(pii.vault_of(session), guest)["phone"]


def test_a_corrected_phone_reaches_the_golden_record_search_and_the_feed(
    live: LiveServer, demo_group: Session, engine: Engine, tmp_path: Path
) -> None:
    _import(engine, tmp_path, "SHA01_r.csv", [good_row("9101")])
    _import(
        engine,
        tmp_path,
        "PEK01_r.csv",
        [good_row("9102", 手机="13600001111", 姓名="李雷", 证件号码="", 邮箱="")],
    )
    identity.resolve_all(factory(engine))
    s = demo_group
    public_id = _guest_of(s, "9101").public_id
    other = _guest_of(s, "9102").public_id
    assert _phone(s, public_id) == "+8613812345678"
    with live.client(role="compliance_officer", scope=DataScope.group()) as c:
        opened = c.post("/api/v1/privacy/requests", json={"guest": public_id, "kind": "rectification"})
        assert opened.status_code == 201, opened.text
        request_id = opened.json()["id"]
        bad = c.post(
            f"/api/v1/privacy/guests/{public_id}/rectify",
            json={"phone": "12345", "reason": "guest phoned", "request_id": request_id},
        )
        assert bad.status_code == 422 and "phone" in bad.json()["message"], bad.text
        assert bad.json()["field"] == "body.phone" and bad.json()["hint"], bad.text
        answer = c.post(
            f"/api/v1/privacy/guests/{public_id}/rectify",
            json={"phone": f"139 0000 {NEW_PHONE[-4:]}", "reason": "guest phoned", "request_id": request_id},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["fields"] == ["phone"]
        hits = c.get("/api/v1/guests", params={"q": NEW_PHONE}).json()
        assert [h["public_id"] for h in hits["items"]] == [public_id]
        assert "7777" in hits["items"][0]["phone"] and NEW_PHONE not in str(hits)  # masked
        feed = c.get("/api/v1/changes").json()
    s.expire_all()
    assert _phone(s, public_id) == "+86" + NEW_PHONE
    (entry,) = [i for i in feed["items"] if i["kind"] == "rectified"]
    assert (entry["guest_id"], entry["fields"]) == (public_id, ["phone"])
    assert NEW_PHONE not in str(feed)
    (event,) = audit.search_events(s, action="guest.rectify", paging=PageRequest(page=1, size=5)).items
    assert event.event.guest_public_id == public_id and event.event.details["fields"] == ["phone"]
    assert NEW_PHONE[-4:] not in str(event.event.details) and "guest phoned" not in str(event.event.details)

    # A hotel's integration reads only the entries of guests seen at its hotels.
    with live.client(role="front_desk", scope=DataScope.hotels(hotel(s, "SHA01").id)) as c:
        assert [i["guest_id"] for i in c.get("/api/v1/changes").json()["items"]] == [public_id]
        assert (
            c.post(
                f"/api/v1/privacy/guests/{public_id}/rectify", json={"phone": NEW_PHONE, "reason": "x"}
            ).status_code
            == 403
        )
    with live.client(role="front_desk", scope=DataScope.hotels(hotel(s, "PEK01").id)) as c:
        assert c.get("/api/v1/changes").json()["items"] == []
    assert other != public_id

    # Later resolve passes and a newer PMS version of the record do not undo the correction.
    identity.resolve_all(factory(engine))
    _import(engine, tmp_path, "SHA01_r2.csv", [good_row("9101", 房号="1810")])
    identity.resolve_all(factory(engine))
    s.expire_all()
    assert _phone(s, public_id) == "+86" + NEW_PHONE
    rectified = s.scalar(select(func.count()).select_from(GuestChange).where(GuestChange.kind == "rectified"))
    assert rectified == 1
    refused, record = s.scalars(
        select(SourceRecord).where(SourceRecord.location == "rectification").order_by(SourceRecord.id)
    ).all()
    assert refused.status == "quarantined" and refused.guest_id is None  # kept, not applied
    assert record.guest_id == _guest_of(s, "9101").id

    # Erasure: the hotel's integration learns of it; the correction's reason goes.
    assert s.scalar(select(GuestChange.reason).where(GuestChange.kind == "rectified")) == "guest phoned"
    with live.client(role="compliance_officer", scope=DataScope.group()) as c:
        erasure = c.post("/api/v1/privacy/requests", json={"guest": public_id, "kind": "erasure"}).json()[
            "id"
        ]
        assert c.post(f"/api/v1/privacy/requests/{erasure}/erase").status_code == 200
    with live.client(role="front_desk", scope=DataScope.hotels(hotel(s, "SHA01").id)) as c:
        kinds = [(i["guest_id"], i["kind"]) for i in c.get("/api/v1/changes").json()["items"]]
    assert kinds == [(public_id, "rectified"), (public_id, "erased")]
    s.expire_all()
    assert s.scalar(select(GuestChange.reason).where(GuestChange.kind == "rectified")) is None


def test_the_request_page_corrects_and_shows_the_error(
    live: LiveServer, demo_group: Session, engine: Engine, tmp_path: Path
) -> None:
    _import(engine, tmp_path, "SHA01_p.csv", [good_row("9101")])
    identity.resolve_all(factory(engine))
    public_id = _guest_of(demo_group, "9101").public_id
    with live.client(role="compliance_officer", scope=DataScope.group()) as c:
        opened = c.post("/api/v1/privacy/requests", json={"guest": public_id, "kind": "rectification"})
        request_id = opened.json()["id"]
        page = c.get(f"/privacy/requests/{request_id}")
        assert page.status_code == 200 and 'id="rectify"' in page.text
        form = {"reason": "guest wrote in"}
        wrong = c.post(f"/privacy/requests/{request_id}/rectify", data=form | {"email": "not-an-email"})
        assert wrong.status_code == 422 and 'id="form-error"' in wrong.text
        done = c.post(f"/privacy/requests/{request_id}/rectify", data=form | {"email": "new.wang@example.cn"})
        assert done.status_code == 200 and 'id="corrected"' in done.text, done.text[-2000:]
    demo_group.expire_all()
    guest = _guest_of(demo_group, "9101")
    assert pii.guest_values(pii.vault_of(demo_group), guest)["email"] == "new.wang@example.cn"


@pytest.mark.parametrize("backend", BACKENDS)
def test_rectify_and_read_the_feed_from_the_command_line(
    backend: str, scratch_db, group_spec: GroupSpec, tmp_path: Path
) -> None:
    url = scratch_db(backend)
    env = {"GUESTGRAPH_DATABASE_URL": url, "GUESTGRAPH_DATA_DIR": str(tmp_path)}
    assert run("migrate", env=env).returncode == 0
    engine = open_engine(make_settings(tmp_path, url))
    with Session(engine) as s:
        load_group(s, group_spec)
        s.commit()
    _import(engine, tmp_path, "SHA01_c.csv", [good_row("9101")])
    identity.resolve_all(factory(engine))
    with Session(engine) as s:
        public_id = _guest_of(s, "9101").public_id
    bad = run("privacy", "rectify", public_id, "--set", "email=nope", "--reason", "guest wrote", env=env)
    assert bad.returncode != 0 and "email" in bad.stderr, bad.stderr
    done = run(
        "privacy", "rectify", public_id, "--set", "email=w@example.cn", "--reason", "guest wrote", env=env
    )
    assert done.returncode == 0 and "corrected email" in done.stderr, done.stderr
    feed = run("privacy", "changes", env=env)
    assert feed.returncode == 0 and f"{public_id}\trectified\temail" in feed.stdout, feed.stdout
    with Session(engine) as s:
        assert pii.guest_values(pii.vault_of(s), _guest_of(s, "9101"))["email"] == "w@example.cn"
    engine.dispose()


def test_a_bad_resident_id_checksum_is_refused_with_the_field_and_a_hint(
    live: LiveServer, demo_group: Session, engine: Engine, tmp_path: Path
) -> None:
    """IN-01: a rectification is a rejection, not a warning (the front-desk form only warns by design):
    422, the field path `body.id_number`, a hint, and nothing is corrected."""
    _import(engine, tmp_path, "SHA01_i.csv", [good_row("9101")])
    identity.resolve_all(factory(engine))
    public_id = _guest_of(demo_group, "9101").public_id
    changes_before = demo_group.scalar(select(func.count()).select_from(GuestChange))
    with live.client(role="compliance_officer", scope=DataScope.group()) as c:
        for body in (
            {"id_type": "cn_resident_id", "id_number": "110105194912310021"},  # check digit should be X
            {"id_number": "11010519491231002X"},  # without its document type
        ):
            bad = c.post(f"/api/v1/privacy/guests/{public_id}/rectify", json=body | {"reason": "guest wrote"})
            answer = bad.json()
            assert bad.status_code == 422, bad.text
            assert answer["error"] == "invalid_input" and answer["hint"], answer
            assert answer["field"] in {"body.id_number", "body.id_type"}, answer
            assert answer["problems"][0]["field"] == answer["field"]
        assert (
            "id_number"
            in c.post(
                f"/api/v1/privacy/guests/{public_id}/rectify",
                json={"id_type": "cn_resident_id", "id_number": "110105194912310021", "reason": "x"},
            ).json()["field"]
        )
    demo_group.expire_all()
    assert demo_group.scalar(select(func.count()).select_from(GuestChange)) == changes_before
