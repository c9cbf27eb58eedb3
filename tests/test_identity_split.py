"""A steward splits a guest whose records were one cluster from the first pass (no merge to undo):
the picked records become a new guest, for good — through later passes and new record versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import audit, identity
from guestgraph.access import DataScope
from guestgraph.db.models import GuestChange, GuestMerge
from guestgraph.paging import PageRequest
from tests.conftest import LiveServer
from tests.factories import hotel
from tests.ingest_helpers import factory
from tests.test_identity import _guest_of, _import
from tests.test_identity_merges import _row


def test_a_steward_splits_records_off_a_guest_for_good(
    live: LiveServer, demo_group: Session, engine: Engine, tmp_path: Path
) -> None:
    # Two people called 张伟 sharing a household phone: one guest from the very first pass.
    rows = [
        _row("7301", 姓名="张伟", 手机="13811112222"),
        _row("7302", 姓名="张伟", 手机="13811112222", 房号="2002"),
    ]
    _import(engine, tmp_path, "SHA01_split.csv", rows)
    identity.resolve_all(factory(engine))
    s = demo_group
    guest = _guest_of(s, "7301")
    public_id = guest.public_id
    assert _guest_of(s, "7302").id == guest.id
    assert s.scalar(select(GuestMerge.id)) is None  # nothing to unmerge
    with live.client(role="data_steward") as c:
        identities = c.get(f"/api/v1/guests/{public_id}").json()["identities"]
        key = next(i["record_key"] for i in identities if i["external_id"].endswith("7302"))
        every = [i["record_key"] for i in identities]
        assert (
            c.post(f"/api/v1/guests/{public_id}/split", json={"records": every, "reason": "x"}).status_code
            == 400
        )
        unknown = c.post(f"/api/v1/guests/{public_id}/split", json={"records": ["1:0:nope"], "reason": "x"})
        assert unknown.status_code == 400 and "1:0:nope" in unknown.json()["message"]
        done = c.post(
            f"/api/v1/guests/{public_id}/split", json={"records": [key], "reason": "two people, one phone"}
        )
        assert done.status_code == 200, done.text
        new_id = done.json()["new_guest_id"]
        assert done.json() == {"guest_id": public_id, "new_guest_id": new_id, "records": 1}
        moved = c.get(f"/api/v1/guests/{new_id}").json()
        assert [i["record_key"] for i in moved["identities"]] == [key]
        assert {x["confirmation_number"] for x in moved["stays"]} == {"7302"}
    with live.client(role="front_desk", scope=DataScope.hotels(hotel(s, "SHA01").id)) as c:
        assert (
            c.post(f"/api/v1/guests/{public_id}/split", json={"records": [key], "reason": "x"}).status_code
            == 403
        )
    with live.client(role="data_steward", scope=DataScope.hotels(hotel(s, "PEK01").id)) as c:
        assert (
            c.post(f"/api/v1/guests/{public_id}/split", json={"records": [key], "reason": "x"}).status_code
            == 404
        )

    s.expire_all()
    assert _guest_of(s, "7302").public_id == new_id and _guest_of(s, "7301").public_id == public_id
    # Later passes, and a new version of the split-off record, keep them apart.
    identity.resolve_all(factory(engine))
    _import(
        engine, tmp_path, "SHA01_split2.csv", [_row("7302", 姓名="张伟", 手机="13811112222", 房号="2010")]
    )
    identity.resolve_all(factory(engine))
    s.expire_all()
    assert _guest_of(s, "7302").public_id == new_id and _guest_of(s, "7301").public_id == public_id
    (entry,) = s.scalars(select(GuestChange).where(GuestChange.kind == "split")).all()
    assert (entry.guest_public_id, entry.other_public_id) == (new_id, public_id)
    (event,) = audit.search_events(s, action="guest.split", paging=PageRequest(page=1, size=5)).items
    assert (event.event.guest_public_id, event.event.object_id) == (public_id, new_id)
    assert "two people" not in str(event.event.details)  # the reason stays with the steward decision


@pytest.mark.usefixtures("demo_group")
def test_the_profile_page_splits_the_ticked_records(live: LiveServer, engine: Engine, tmp_path: Path) -> None:
    rows = [
        _row("7311", 姓名="李娜", 手机="13911112222"),
        _row("7312", 姓名="李娜", 手机="13911112222", 房号="2002"),
    ]
    _import(engine, tmp_path, "SHA01_split3.csv", rows)
    identity.resolve_all(factory(engine))
    with Session(engine) as s:
        public_id = _guest_of(s, "7311").public_id
    with live.client(role="data_steward") as c:
        page = c.get(f"/guests/{public_id}")
        assert page.status_code == 200 and 'id="split-form"' in page.text
        key = next(
            i["record_key"]
            for i in c.get(f"/api/v1/guests/{public_id}").json()["identities"]
            if "7312" in i["external_id"]
        )
        done = c.post(
            f"/guests/{public_id}/split",
            data={"records": [key], "reason": "not the same"},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
    with Session(engine) as s:
        assert done.headers["location"].startswith(f"/guests/{_guest_of(s, '7312').public_id}")
        assert _guest_of(s, "7312").public_id != public_id
    with live.client(role="front_desk") as c:
        assert 'id="split-form"' not in c.get(f"/guests/{public_id}").text
