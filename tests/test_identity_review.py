"""The probabilistic pass and the review queue on each backend: a model learnt from the demo group,
stored and reused; pairs in the review band queued with their explanation; steward decisions
(accepted, rejected) honoured by every later pass."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from guestgraph import identity
from guestgraph.bootstrap import import_demo_files
from guestgraph.db.models import GuestMention, MatchModelVersion, MatchReview, SourceRecord, SourceSystem
from guestgraph.identity import MatchSettings, pairwise_scores
from guestgraph.paging import PageRequest
from tests.ingest_helpers import factory, good_row, write_pms_cn

RULES_ONLY = MatchSettings(min_training_records=10**9)  # no model can be trained: exact rules alone
LEARN = MatchSettings(min_training_records=100)  # the test demo group has ~800 mentions


def _scores(engine: Engine, demo_dir: Path) -> identity.PairScores:
    with Session(engine) as session:
        rows = session.execute(
            select(SourceSystem.code, SourceRecord.external_id, GuestMention.guest_id)
            .join(SourceRecord, SourceRecord.id == GuestMention.source_record_id)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
            .where(GuestMention.person_index == 0)
        ).all()
    with (demo_dir / "truth" / "records.csv").open(encoding="utf-8") as fh:
        truth = {
            (
                r["source_system"],
                r["external_id"].split(":")[1] if r["source_system"].startswith("ota_") else r["external_id"],
            ): r["person_id"]
            for r in csv.DictReader(fh)
        }
    return pairwise_scores({(c, e): g for c, e, g in rows}, truth)


@pytest.mark.usefixtures("demo_group")
def test_model_learnt_from_the_data_raises_recall_keeps_precision_and_is_reused(
    engine: Engine, demo_dir: Path
) -> None:
    import_demo_files(factory(engine), demo_dir)
    rules = identity.resolve_all(factory(engine), matching=RULES_ONLY)
    assert rules.model_version is None and rules.probabilistic_links == 0
    before = _scores(engine, demo_dir)
    first = identity.resolve_all(factory(engine), matching=LEARN)
    after = _scores(engine, demo_dir)
    assert first.model_version == 1 and first.probabilistic_links > 0
    assert after.recall > before.recall and after.precision >= 0.995
    again = identity.resolve_all(factory(engine), matching=LEARN)  # reuses version 1: the same links
    assert (again.model_version, again.probabilistic_links) == (1, first.probabilistic_links)
    assert (again.guests, again.created, again.merged) == (first.guests, 0, 0)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(MatchModelVersion)) == 1
        params = session.scalars(select(MatchModelVersion.params)).one()
        assert {f["name"] for f in params["fields"]} >= {"name", "phone", "email", "id_document"}
        page = identity.list_reviews(session, paging=PageRequest(size=100))
    assert page.total == again.review_pairs > 0
    for pair in page.items:
        assert LEARN.review_probability <= pair.match_probability < LEARN.link_probability
        assert pair.left_key < pair.right_key and pair.left_guest_id != pair.right_guest_id
        assert sum(c["weight"] for c in pair.contributions.values()) == pytest.approx(
            pair.match_weight, abs=0.05
        )
    retrained = identity.resolve_all(
        factory(engine), matching=MatchSettings(min_training_records=100, retrain=True)
    )
    assert retrained.model_version == 2


def _import(engine: Engine, tmp_path: Path, rows: list[dict[str, str]]) -> None:
    from guestgraph import ingest

    ingest.import_file(factory(engine), write_pms_cn(tmp_path / "SHA01_stays.csv", rows), source="pms")


def _mentions(engine: Engine) -> dict[str, tuple[str, int | None]]:
    """confirmation number -> (mention key, guest id)"""
    with Session(engine) as session:
        rows = session.execute(
            select(SourceRecord.external_id, GuestMention.source_system_id, GuestMention.guest_id).join(
                SourceRecord, SourceRecord.id == GuestMention.source_record_id
            )
        ).all()
    return {ext.split(":")[1]: (f"{sys}:0:{ext}", gid) for ext, sys, gid in rows}


def _queue(engine: Engine, a: str, b: str) -> int:
    left, right = sorted((a, b))
    with factory(engine).begin() as session:
        row = MatchReview(
            left_key=left, right_key=right, match_weight=0.0, match_probability=0.5, contributions={}
        )
        session.add(row)
        session.flush()
        return row.id


@pytest.mark.usefixtures("demo_group")
def test_steward_decisions_are_honoured_by_later_passes(engine: Engine, tmp_path: Path) -> None:
    _import(
        engine,
        tmp_path,
        [
            good_row("7001"),  # 王小明 with his ID number
            good_row("7002", 邮箱="", 手机="", 生日=""),  # the same ID number: the rules link them
            good_row("7003", 姓名="张伟", 证件号码="", 手机="13811112222", 邮箱="", 生日="", 房号="1"),
            good_row(
                "7004",
                姓名="张伟",
                证件号码="",
                手机="",
                邮箱="zw@163.com",
                生日="",
                房号="2",
                到店日期="2026/11/10",
                离店日期="2026/11/12",
            ),
        ],
    )
    identity.resolve_all(factory(engine), matching=RULES_ONLY)
    m = _mentions(engine)
    assert m["7001"][1] == m["7002"][1] and m["7003"][1] != m["7004"][1]
    apart, together = _queue(engine, m["7001"][0], m["7002"][0]), _queue(engine, m["7003"][0], m["7004"][0])
    with factory(engine).begin() as session:
        identity.decide_review(session, apart, decision="rejected", decided_by="steward1", reason="twins")
        identity.decide_review(session, together, decision="accepted", decided_by="steward1")
    for _ in range(2):  # honoured by this pass and the next
        identity.resolve_all(factory(engine), matching=RULES_ONLY)
        m = _mentions(engine)
        assert m["7001"][1] != m["7002"][1]  # "different people" beats even the same ID number
        assert m["7003"][1] == m["7004"][1]
    _import(engine, tmp_path, [good_row("7002", 邮箱="", 手机="", 生日="", 房号="9")])  # a new version
    identity.resolve_all(factory(engine), matching=RULES_ONLY)
    m = _mentions(engine)
    assert m["7001"][1] != m["7002"][1]  # the decision follows the record, not the row id
    with Session(engine) as session:
        decided = {
            r.id: r for r in identity.list_reviews(session, paging=PageRequest(), status="rejected").items
        }
        assert decided[apart].decided_by == "steward1" and decided[apart].reason == "twins"
        with pytest.raises(identity.ReviewNotFound):
            identity.decide_review(session, 10**9, decision="rejected", decided_by="x")
