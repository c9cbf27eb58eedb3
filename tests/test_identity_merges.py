"""Merge and unmerge by a data steward, on each backend: a wrong merge is undone with the merged
guest's own ID and records back, and stays undone; a steward's merge survives every later pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import audit, identity
from guestgraph.access import DataScope
from guestgraph.db.models import Guest, GuestMerge, GuestStatus
from guestgraph.errors import Conflict, GuestNotFound, InvalidInput
from guestgraph.paging import PageRequest
from tests.conftest import LiveServer
from tests.factories import make_guest, make_mention
from tests.ingest_helpers import factory, good_row
from tests.test_identity import _guest_of, _import

GROUP = DataScope.group()


def _events(session: Session, action: str) -> list[audit.AuditRecord]:
    return list(audit.search_events(session, action=action, paging=PageRequest(page=1, size=20)).items)


def _row(conf: str, **values: str) -> dict[str, str]:
    """A PMS row with no shared evidence but what is given (its own dates: no shared stay)."""
    day = int(conf) % 20 + 1
    blank = {"证件号码": "", "手机": "", "邮箱": "", "生日": ""}
    dates = {"到店日期": f"2026/09/{day:02d}", "离店日期": f"2026/09/{day + 1:02d}"}
    return good_row(conf, **(blank | dates | values))


@pytest.mark.usefixtures("demo_group")
def test_a_wrong_merge_by_a_pass_is_undone_and_stays_undone(engine: Engine, tmp_path: Path) -> None:
    # A household phone and a shared e-mail bridge two people called 张伟 into one guest.
    _import(engine, tmp_path, "SHA01_a.csv", [_row("7201", 姓名="张伟", 手机="13811112222")])
    _import(engine, tmp_path, "SHA01_b.csv", [_row("7202", 姓名="张伟", 邮箱="zw@163.com", 房号="2002")])
    identity.resolve_all(factory(engine))
    with Session(engine) as session:
        older, younger = _guest_of(session, "7201"), _guest_of(session, "7202")
        assert older.id < younger.id
        ids = (older.id, older.public_id, younger.id, younger.public_id)
    _import(
        engine, tmp_path, "SHA02_c.csv", [_row("7203", 姓名="张伟", 手机="13811112222", 邮箱="zw@163.com")]
    )
    identity.resolve_all(factory(engine))
    with Session(engine) as session:
        assert _guest_of(session, "7202").id == ids[0]
        (line,) = identity.merge_history(session, ids[0])
        assert (line.survivor_public_id, line.merged_public_id, line.records) == (ids[1], ids[3], 1)
        assert line.rule and line.decided_by is None and line.undone_at is None

    outcome = identity.unmerge_guest(
        factory(engine), scope=GROUP, merged_public_id=ids[3], decided_by="steward1", reason="two people"
    )
    assert outcome.merge.undone_by == "steward1"
    with Session(engine) as session:
        back = _guest_of(session, "7202")
        assert (back.id, back.public_id, back.status) == (ids[2], ids[3], GuestStatus.ACTIVE)
        assert back.merged_into_id is None
        assert _guest_of(session, "7201").id == _guest_of(session, "7203").id == ids[0]
        (line,) = identity.merge_history(session, ids[2])
        assert (line.undone_by, line.undo_reason) == ("steward1", "two people")
        (event,) = _events(session, "guest.unmerge")
        assert (event.event.guest_public_id, event.event.object_id) == (ids[1], ids[3])
        assert "two people" not in str(event.event.details)  # the reason is kept in the merge history only
    # Honoured by later passes and by a new version of the record.
    identity.resolve_all(factory(engine))
    _import(engine, tmp_path, "SHA01_b2.csv", [_row("7202", 姓名="张伟", 邮箱="zw@163.com", 房号="2010")])
    identity.resolve_all(factory(engine))
    with Session(engine) as session:
        assert _guest_of(session, "7202").id == ids[2] != _guest_of(session, "7203").id
    with pytest.raises(identity.MergeNotFound):  # nothing left to undo
        identity.unmerge_guest(
            factory(engine), scope=GROUP, merged_public_id=ids[3], decided_by="steward1", reason="again"
        )


@pytest.mark.usefixtures("demo_group")
def test_a_steward_merges_two_guests_the_older_id_survives(engine: Engine, tmp_path: Path) -> None:
    _import(
        engine,
        tmp_path,
        "SHA01_m.csv",
        [
            _row("7301", 姓名="张伟", 手机="13822223333"),
            _row("7302", 姓名="ZHANG/WEI", 邮箱="wei.zhang@example.com", 房号="1201"),
            _row("7401", 姓名="李娜", 证件号码="110101199003074258"),
            _row("7402", 姓名="李娜", 证件号码="11010519491231002X", 房号="1202"),
        ],
    )
    identity.resolve_all(factory(engine))
    with Session(engine) as session:
        one, two = _guest_of(session, "7301"), _guest_of(session, "7302")
        assert one.id != two.id
        older, younger = sorted([(one.id, one.public_id), (two.id, two.public_id)])
        na, nb = _guest_of(session, "7401").public_id, _guest_of(session, "7402").public_id
    merge = identity.merge_guests(
        factory(engine),
        scope=GROUP,
        guest_public_id=younger[1],
        other_public_id=older[1],
        decided_by="steward1",
        reason="same person, card seen",
    )
    assert (merge.merge.survivor_public_id, merge.merge.merged_public_id) == (older[1], younger[1])
    assert (merge.merge.rule, merge.merge.decided_by) == ("steward", "steward1")
    identity.resolve_all(factory(engine))  # a later pass keeps the steward's merge
    with Session(engine) as session:
        assert _guest_of(session, "7301").id == _guest_of(session, "7302").id == older[0]
        gone = session.get(Guest, younger[0])
        assert gone is not None and (gone.status, gone.merged_into_id) == (GuestStatus.MERGED, older[0])
        (event,) = _events(session, "guest.merge")
        assert (event.event.guest_public_id, event.event.object_id) == (older[1], younger[1])
    with pytest.raises(Conflict, match="two different ID numbers"):
        identity.merge_guests(
            factory(engine), scope=GROUP, guest_public_id=na, other_public_id=nb, decided_by="s", reason="r"
        )
    with pytest.raises(InvalidInput):
        identity.merge_guests(
            factory(engine), scope=GROUP, guest_public_id=na, other_public_id=na, decided_by="s", reason="r"
        )
    with pytest.raises(InvalidInput, match="needs a reason"):
        identity.merge_guests(
            factory(engine),
            scope=GROUP,
            guest_public_id=na,
            other_public_id=older[1],
            decided_by="s",
            reason=" ",
        )
    with pytest.raises(GuestNotFound):  # an alias is not a guest to merge
        identity.merge_guests(
            factory(engine),
            scope=GROUP,
            guest_public_id=younger[1],
            other_public_id=na,
            decided_by="s",
            reason="r",
        )
    # And the steward's merge can be undone like any other.
    identity.unmerge_guest(
        factory(engine), scope=GROUP, merged_public_id=younger[1], decided_by="steward2", reason="mistake"
    )
    with Session(engine) as session:
        assert _guest_of(session, "7302").public_id == younger[1]
        assert _guest_of(session, "7301").public_id == older[1]
        assert (
            session.scalar(select(GuestMerge.undone_by).where(GuestMerge.merged_id == younger[0]))
            == "steward2"
        )


def test_merge_and_unmerge_over_http_for_stewards_only(live: LiveServer, demo_group: Session) -> None:
    one = make_guest(demo_group, full_name="张三丰", phone="+8613700001111")
    make_mention(demo_group, one, full_name="张三丰", name_key="zhangsanfeng", phone="+8613700001111")
    two = make_guest(demo_group, full_name="ZHANG/SANFENG", phone="+8613700002222")
    make_mention(demo_group, two, full_name="ZHANG/SANFENG", name_key="zhangsanfeng", phone="+8613700002222")
    demo_group.commit()
    older, younger = sorted([one, two], key=lambda g: g.id)
    body = {"other_guest_id": younger.public_id, "reason": "same passport"}
    with live.client(role="front_desk") as desk:
        assert desk.post(f"/api/v1/guests/{older.public_id}/merge", json=body).status_code == 403
    with live.client(role="data_steward", timeout=180) as steward:
        assert (
            steward.post(f"/api/v1/guests/{older.public_id}/merge", json=body | {"x": 1}).status_code == 422
        )
        merged = steward.post(f"/api/v1/guests/{older.public_id}/merge", json=body)
        assert merged.status_code == 200, merged.text
        line = merged.json()["merge"]
        assert (line["survivor_public_id"], line["merged_public_id"]) == (older.public_id, younger.public_id)
        (history,) = steward.get(
            f"/api/v1/guests/{younger.public_id}/merges"
        ).json()  # an alias gives its survivor's
        assert (history["decided_by"], history["reason"], history["undone_at"]) == (
            line["decided_by"],
            "same passport",
            None,
        )
        page = steward.get(f"/guests/{older.public_id}").text
        assert (
            f'data-merged="{younger.public_id}"' in page
            and f'action="/guests/{younger.public_id}/unmerge"' in page
        )
        undone = steward.post(f"/guests/{younger.public_id}/unmerge", data={"reason": "twins"})
        assert undone.status_code == 303
        again = steward.get(f"/api/v1/guests/{younger.public_id}")
        assert again.status_code == 200 and again.json()["public_id"] == younger.public_id
        assert (
            steward.post(f"/api/v1/guests/{younger.public_id}/unmerge", json={"reason": "x"}).status_code
            == 404
        )
