"""Online resolution on both databases: the demo group's history resolved by a batch pass, then the
rest of its files resolved one import at a time as they land. Old guests keep their IDs, online links
agree with what a batch pass makes of the same data, and a batch pass afterwards converges to exactly
the clusters a batch pass over everything gives. Through HTTP: a registration is a guest at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from guestgraph import identity, ingest
from guestgraph.bootstrap import demo_files
from guestgraph.db.models import Guest, GuestMention, SourceRecord, SourceSystem
from guestgraph.identity import pairwise_scores
from guestgraph.org import GroupSpec, load_group
from tests.conftest import LiveServer, wipe
from tests.ingest_helpers import factory
from tests.test_ingest_manual import FORM

RULES_ONLY = identity.MatchSettings(min_training_records=10**9)  # no model: the exact rules decide


def _partition(engine: Engine) -> dict[tuple[str, str, int], int]:
    """Each person on each record -> its guest."""
    with Session(engine) as s:
        m = GuestMention
        rows = s.execute(
            select(SourceSystem.code, SourceRecord.external_id, m.person_index, m.guest_id)
            .join(SourceRecord, SourceRecord.id == GuestMention.source_record_id)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        ).all()
    return {(code, ext, person): gid for code, ext, person, gid in rows}


def _clusters(partition: dict[tuple[str, str, int], int]) -> set[frozenset[tuple[str, str, int]]]:
    by_guest: dict[int, set[tuple[str, str, int]]] = {}
    for key, gid in partition.items():
        by_guest.setdefault(gid, set()).add(key)
    return {frozenset(keys) for keys in by_guest.values()}


def test_online_imports_keep_ids_agree_with_batch_and_converge(
    engine: Engine, demo_group: Session, demo_dir: Path, group_spec: GroupSpec
) -> None:
    files = demo_files(demo_dir)
    half = len(files) // 2
    f = factory(engine)
    for source, path in files[:half]:
        ingest.import_file(f, path, source=source)
    identity.resolve_all(f, matching=RULES_ONLY)
    history = _partition(engine)

    summaries = []
    for source, path in files[half:]:
        batch = ingest.import_file(f, path, source=source).summary.batch_id
        summaries.append(identity.resolve_import(f, batch, max_records=100_000))
    online = _partition(engine)
    names = [p.name for _x, p in files[half:]]
    assert all(s is not None for s in summaries), list(zip(names, summaries, strict=True))
    assert None not in online.values()  # every person of every import has a guest at once
    assert sum(s.attached for s in summaries if s) > 0 and sum(s.created for s in summaries if s) > 0
    with Session(engine) as s:
        survivor = {g.id: g.merged_into_id or g.id for g in s.scalars(select(Guest))}
    # stable IDs: an earlier person keeps its guest, or that guest's survivor when a new record
    # proved two guests one person
    assert all(online[k] == survivor[g] for k, g in history.items())

    identity.resolve_all(f, matching=RULES_ONLY)
    after = _partition(engine)

    wipe(engine)
    with Session(engine) as s:
        load_group(s, group_spec)
        s.commit()
    for source, path in files:
        ingest.import_file(f, path, source=source)
    identity.resolve_all(f, matching=RULES_ONLY)
    batch = _partition(engine)

    assert _clusters(after) == _clusters(batch)  # the two modes converge
    agreement = pairwise_scores(online, batch)
    assert agreement.precision == 1.0  # online never joins what the batch pass keeps apart
    assert agreement.recall >= 0.99, agreement


def test_a_batch_pass_holding_the_lock_leaves_the_import_waiting(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    """PostgreSQL: a push does not wait minutes for a batch pass (it gives up after LOCK_WAIT); its
    records wait for the next pass."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: an online pass queues behind a batch pass like any import")
    from tests.ingest_helpers import good_row, write_pms_cn

    f = factory(engine)
    identity.resolve_all(f)  # (the lock row exists, as the migration leaves it)
    batch = ingest.import_file(f, write_pms_cn(tmp_path / "SHA01_x.csv", [good_row("9101")]), source="pms")
    with engine.connect() as holder:
        holder.execute(text("SELECT name FROM app_lock WHERE name = 'resolve' FOR UPDATE"))
        assert identity.resolve_import(f, batch.summary.batch_id, max_records=10) is None
        holder.rollback()
    with Session(engine) as s:
        assert identity.records_waiting(s)
    done = identity.resolve_import(f, batch.summary.batch_id, max_records=10)
    assert done is not None and done.created == 1


def test_a_registration_is_a_guest_at_once(live: LiveServer, demo_group: Session) -> None:
    with live.client(follow_redirects=True) as c:
        assert c.post("/register", data=FORM).status_code == 200
        found = c.get("/api/v1/guests", params={"q": "13812345678"}).json()
        assert found["total"] == 1
        profile = c.get(f"/api/v1/guests/{found['items'][0]['public_id']}")
        assert profile.status_code == 200 and "王*明" in profile.text


def test_two_online_passes_at_once_queue_rather_than_give_up(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    """Pushes arrive together: each online pass waits its turn for the lock (milliseconds), so both
    imports are resolved at once and none is left for the batch pass."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.ingest_helpers import good_row, write_pms_cn

    f = factory(engine)
    identity.resolve_all(f)  # (the lock row exists, as the migration leaves it)
    batches = [
        ingest.import_file(f, write_pms_cn(tmp_path / f"SHA01_{n}.csv", [good_row(f"92{n}")]), source="pms")
        for n in range(2)
    ]
    with ThreadPoolExecutor(2) as pool:
        done = list(
            pool.map(lambda b: identity.resolve_import(f, b.summary.batch_id, max_records=10), batches)
        )
    assert all(d is not None and d.new_mentions == 1 for d in done), done
    with Session(engine) as s:
        guests = set(s.scalars(select(GuestMention.guest_id)))
    assert len(guests) == 1 and None not in guests  # the same person twice: one guest, not two


def test_an_online_pass_honours_a_stewards_different_people(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    """A steward said two records are different people: the import that brings the second one keeps
    it apart online, although the rules (the same ID number) would link them."""
    from tests.ingest_helpers import good_row, write_pms_cn
    from tests.test_identity_review import _mentions, _queue

    f = factory(engine)
    ingest.import_file(f, write_pms_cn(tmp_path / "SHA01_a.csv", [good_row("7101")]), source="pms")
    identity.resolve_all(f, matching=RULES_ONLY)
    first, _guest = _mentions(engine)["7101"]
    apart = _queue(engine, first, first.replace(":7101", ":7102"))  # the record that has not come yet
    with f.begin() as session:
        identity.decide_review(session, apart, decision="rejected", decided_by="steward1", reason="twins")
    rows = [good_row("7102", 邮箱="", 手机="", 生日="")]
    batch = ingest.import_file(f, write_pms_cn(tmp_path / "SHA01_b.csv", rows), source="pms")
    done = identity.resolve_import(f, batch.summary.batch_id, max_records=10)
    assert done is not None and (done.new_mentions, done.created) == (1, 1)
    m = _mentions(engine)
    assert m["7102"][0] == first.replace(":7101", ":7102")  # the decision named this record
    assert None not in (m["7101"][1], m["7102"][1]) and m["7101"][1] != m["7102"][1]


def test_an_import_resolved_online_is_not_left_waiting(
    live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's check (`records_waiting`): a push resolved online leaves the worker nothing to do;
    a new version of a record still waits (online it keeps its guest, its values are not compared
    again), and so does a push with online resolution off."""
    from guestgraph.access import issue_source_key
    from tests.test_ingest_push import booking

    key = issue_source_key(demo_group, source="ota_booking")
    demo_group.commit()
    identity.resolve_all(factory(live.engine), matching=RULES_ONLY)  # the mark: the last pass began

    def push_then_waiting(*records: dict[str, object]) -> bool:
        with live.client(headers={"X-API-Key": key}) as c:
            pushed = c.post("/api/v1/sources/ota_booking/records", json={"records": list(records)})
        stored = pushed.json()["accepted"] + pushed.json()["accepted_with_warnings"]
        assert pushed.status_code == 200 and stored == len(records), pushed.text
        with Session(live.engine) as s:
            return identity.records_waiting(s)

    assert not push_then_waiting(booking("B21", 1, "2026-12-03"))
    assert push_then_waiting(booking("B21", 2, "2026-12-04"))
    identity.resolve_all(factory(live.engine), matching=RULES_ONLY)
    monkeypatch.setattr(live.settings, "resolve_online_max_records", 0)
    assert push_then_waiting(booking("B22", 1, "2026-12-03"))


def test_a_guest_a_pass_would_not_change_is_left_as_it_is(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    """An online pass writes only the guests whose golden values change: a guest a record adds
    nothing to keeps its sealed values and `updated_at`; a change is sealed and written as before,
    and the batch pass still writes every guest."""
    from sqlalchemy import update

    from guestgraph.identity._golden import refresh_golden
    from tests.ingest_helpers import good_row, write_pms_cn

    f = factory(engine)
    ingest.import_file(f, write_pms_cn(tmp_path / "SHA01_a.csv", [good_row("7301")]), source="pms")
    identity.resolve_all(f, matching=RULES_ONLY)

    def stored() -> tuple[int, str | None, object, str | None]:
        with Session(engine) as s:
            g = s.scalars(select(Guest).where(Guest.id.in_(select(GuestMention.guest_id)))).one()
            return g.id, g.phone_enc, g.updated_at, g.full_name

    guest, phone, updated, _name = stored()
    with f.begin() as s:
        assert refresh_golden(s, guest_ids=[guest], only_changed=True) == 0
    assert stored() == (guest, phone, updated, "王小明")
    with f.begin() as s:
        s.execute(update(GuestMention).values(full_name="王晓明"))
        assert refresh_golden(s, guest_ids=[guest], only_changed=True) == 1
    _guest, sealed_again, _updated, name = stored()
    assert name == "王晓明" and sealed_again != phone
    with f.begin() as s:
        assert refresh_golden(s, guest_ids=[guest]) == 1


def test_a_record_without_a_stay_skips_the_stay_links(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    """An online pass of a record that carries no stay (a desk registration at a hotel whose PMS sends
    the stays) sets the record's guest and runs none of the stay-link statements; a record with a
    stay still gets its stay linked to its guest."""
    from sqlalchemy import event

    from guestgraph.db.models import Stay, StayGuest
    from tests.ingest_helpers import good_row, write_pms_cn

    f = factory(engine)
    ingest.import_file(f, write_pms_cn(tmp_path / "SHA01_s.csv", [good_row("7401")]), source="pms")
    ingest.submit_registration(f, values=FORM)  # the same person (ID number) at the desk
    with Session(engine) as s:
        pms, form = (
            s.scalar(select(SourceRecord.id).where(SourceRecord.external_id.like(like)))
            for like in ("%7401", "%:form:%")
        )
        with_stay = set(s.scalars(select(Stay.source_record_id)))
    assert pms is not None and form is not None
    assert with_stay == {pms}  # the registration carries no stay
    stay_statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "stay_guest" in statement or "UPDATE charge" in statement:
            stay_statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert identity.resolve_records(f, [pms]) is not None
        assert len(stay_statements) == 3  # the stay's guests replaced, its folio lines pointed
        stay_statements.clear()
        joined = identity.resolve_records(f, [form])
        assert joined is not None and joined.attached == 1
        assert stay_statements == []
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    with Session(engine) as s:
        guests: dict[int, int | None] = dict(s.execute(select(SourceRecord.id, SourceRecord.guest_id)).all())
        linked = set(s.scalars(select(StayGuest.guest_id)))
    assert guests[form] is not None and guests[form] == guests[pms]
    assert linked == {guests[pms]}
