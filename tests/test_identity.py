"""Identity resolution (first slice) on each backend: golden guests, stable IDs, no false merges."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from guestgraph import identity, ingest
from guestgraph.db.models import Guest, GuestMention, GuestStatus, Stay, StayGuest
from guestgraph.identity import pairwise_scores
from tests.factories import contact
from tests.ingest_helpers import factory, good_row, write_pms_cn


def test_pairwise_scores_by_hand() -> None:
    truth = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2}  # true pairs: 3 + 1 = 4
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z", "f": "z"}  # f has no truth
    s = pairwise_scores(predicted, truth)
    assert (s.items, s.true_pairs, s.predicted_pairs, s.correct_pairs) == (5, 4, 2, 1)
    assert (s.precision, s.recall) == (1 / 2, 1 / 4)


def _import(engine: Engine, tmp_path: Path, name: str, rows: list[dict[str, str]]) -> None:
    ingest.import_file(factory(engine), write_pms_cn(tmp_path / name, rows), source="pms")


def _guest_of(session: Session, conf: str) -> Guest:
    """The golden guest on the stay with this confirmation number."""
    return session.scalars(
        select(Guest)
        .join(StayGuest, StayGuest.guest_id == Guest.id)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(Stay.confirmation_number == conf)
    ).one()


@pytest.mark.usefixtures("demo_group")
def test_han_and_pinyin_records_of_one_guest_become_one_golden_guest(engine: Engine, tmp_path: Path) -> None:
    _import(
        engine,
        tmp_path,
        "SHA01_stays.csv",
        [
            good_row("7001"),
            good_row("7002", 姓名="WANG/XIAOMING", 证件号码="", 邮箱="", 手机="+86 138 1234 5678"),
            good_row(
                "7003", 姓名="王小明", 证件号码="", 手机="", 邮箱="", 生日="1990-03-07"
            ),  # name + birth date
            good_row(
                "7004", 姓名="王小明", 证件号码="310101198506150016", 手机="13900000000", 邮箱="", 生日=""
            ),
        ],
    )
    identity.resolve_all(factory(engine))
    with Session(engine) as session:
        first = _guest_of(session, "7001")
        assert _guest_of(session, "7002").id == first.id == _guest_of(session, "7003").id
        assert _guest_of(session, "7004").id != first.id  # a namesake with another ID number
        opened = contact(session, first)
        assert (first.full_name, opened.phone, first.gender) == ("王小明", "+8613812345678", "M")
        assert first.provenance["id_number"] and opened.id_number == "110101199003074258"


@pytest.mark.usefixtures("demo_group")
def test_relay_contacts_never_link_guests(engine: Engine, tmp_path: Path) -> None:
    _import(
        engine,
        tmp_path,
        "SHA01_stays.csv",
        [
            good_row(
                "7101", 姓名="李雷", 证件号码="", 手机="17100001111", 邮箱="x1@guest.booking.com", 生日=""
            ),
            good_row(
                "7102", 姓名="韩梅梅", 证件号码="", 手机="17100001111", 邮箱="x1@guest.booking.com", 生日=""
            ),
            good_row(
                "7103",
                姓名="李雷",
                证件号码="",
                手机="17100001111",
                邮箱="x1@guest.booking.com",
                生日="",
                到店日期="2026/11/10",
                离店日期="2026/11/12",
                房号="2002",  # another stay
            ),
        ],
    )
    identity.resolve_all(factory(engine))
    with Session(engine) as session:
        ids = {_guest_of(session, c).id for c in ("7101", "7102", "7103")}
        assert len(ids) == 3  # a virtual number and a relay e-mail are no evidence, even with the same name
        assert (
            session.scalar(
                select(func.count()).select_from(GuestMention).where(GuestMention.phone_enc.is_not(None))
            )
            == 0
        )


@pytest.mark.usefixtures("demo_group")
def test_guest_ids_are_stable_and_a_bridging_record_merges_into_the_older(
    engine: Engine, tmp_path: Path
) -> None:
    _import(
        engine,
        tmp_path,
        "SHA01_stays.csv",
        [
            good_row("7201", 姓名="张伟", 证件号码="", 手机="13811112222", 邮箱="", 生日=""),
            good_row(
                "7202",
                姓名="张伟",
                证件号码="",
                手机="",
                邮箱="zw@163.com",
                生日="",
                到店日期="2026/11/10",
                离店日期="2026/11/12",
                房号="2002",  # another stay, no shared evidence
            ),
        ],
    )
    identity.resolve_all(factory(engine))
    with Session(engine) as session:
        older, younger = _guest_of(session, "7201"), _guest_of(session, "7202")
        assert older.id != younger.id
        before = {g.id: g.public_id for g in session.scalars(select(Guest))}
    identity.resolve_all(factory(engine))  # re-running changes nothing
    with Session(engine) as session:
        assert {g.id: g.public_id for g in session.scalars(select(Guest))} == before
    _import(
        engine,
        tmp_path,
        "SHA02_stays.csv",
        [
            good_row("7203", 姓名="张伟", 证件号码="", 手机="13811112222", 邮箱="zw@163.com", 生日=""),
        ],
    )
    identity.resolve_all(factory(engine))
    with Session(engine) as session:
        survivor = _guest_of(session, "7202")
        assert survivor.id == older.id and survivor.public_id == before[older.id]
        gone = session.get(Guest, younger.id)
        assert gone is not None and gone.status is GuestStatus.MERGED and gone.merged_into_id == older.id


def test_demo_group_resolves_without_false_merges(
    engine: Engine, demo_group: Session, demo_dir: Path
) -> None:
    import csv

    from guestgraph.bootstrap import import_demo_files
    from guestgraph.db.models import SourceRecord, SourceSystem

    import_demo_files(factory(engine), demo_dir)
    summary = identity.resolve_all(factory(engine))
    assert summary.guests < summary.mentions
    with Session(engine) as session:
        rows = session.execute(
            select(SourceSystem.code, SourceRecord.external_id, GuestMention.guest_id)
            .join(SourceRecord, SourceRecord.id == GuestMention.source_record_id)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
            .where(GuestMention.person_index == 0)
        ).all()
    predicted = {(code, ext): gid for code, ext, gid in rows}
    with (demo_dir / "truth" / "records.csv").open(encoding="utf-8") as fh:
        truth = {
            (
                r["source_system"],
                r["external_id"].split(":")[1] if r["source_system"].startswith("ota_") else r["external_id"],
            ): r["person_id"]
            for r in csv.DictReader(fh)
        }
    scores = pairwise_scores(predicted, truth)
    assert scores.items > 0.9 * len(truth)
    assert scores.precision >= 0.995 and scores.recall >= 0.75


def test_links_export_and_api_resolve_merged_ids_to_the_survivor(
    live_server, engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    import csv

    _import(engine, tmp_path, "SHA01_stays.csv", [good_row("7301")])
    identity.resolve_all(factory(engine))
    with Session(engine) as session:
        guest = _guest_of(session, "7301")
        assert identity.export_links(session, tmp_path / "links.csv", source="pms") == 1
    rows = list(csv.DictReader((tmp_path / "links.csv").open(encoding="utf-8")))
    assert rows == [
        {
            "source_system": "pms",
            "external_id": "SHA01:7301",
            "guest_id": guest.public_id,
            "record_type": "reservation",
        }
    ]
    with live_server.client() as c:
        one = c.get("/api/v1/links/pms/SHA01:7301")
        page = c.get("/api/v1/links", params={"source": "pms"}).json()
        missing = c.get("/api/v1/links/pms/NOPE")
    assert one.json()["guest_id"] == guest.public_id and page["total"] == 1
    assert missing.status_code == 404 and missing.json()["error"] == "link_not_found"
