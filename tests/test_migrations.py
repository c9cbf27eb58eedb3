"""The schema migrates up and down on both backends and matches the models exactly."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from guestgraph.db import current_revision, head_revision, make_engine
from guestgraph.db._migrate import check, downgrade, upgrade
from guestgraph.db.models import Base
from tests.conftest import BACKENDS


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_downgrade_upgrade_leaves_no_drift(backend: str, scratch_db) -> None:
    url = scratch_db(backend)
    engine = make_engine(url)
    try:
        upgrade(url)
        assert current_revision(engine) == head_revision()
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        check(url)  # raises when autogenerate would emit any operation
        downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(url)
        check(url)
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(scratch_db) -> None:
    url = scratch_db("sqlite")
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_0015_seals_rows_stored_in_the_clear_by_an_earlier_version(backend: str, scratch_db) -> None:
    """An installation upgraded past 0015 keeps its guests: the plaintext phone, e-mail, ID number,
    birth date and payloads are sealed in place with the installation's keys, and open again."""
    from datetime import UTC, date, datetime

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from guestgraph import pii
    from guestgraph.config import load_settings
    from guestgraph.db.models import Guest, GuestMention, RecordIssue, SourceRecord

    url = scratch_db(backend)
    upgrade(url, "0014")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO source_system (code, kind, name_zh, name_en, trust_rank, created_at, "
                "updated_at) "
                "VALUES ('pms', 'pms', 'PMS', 'PMS', 10, :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO guest (public_id, status, provenance, created_at, updated_at, full_name, phone, "
                "email, id_document_number, birth_date) VALUES ('G000000000001', 'active', '{}', :now, :now, "
                "'王小明', '+8613812345678', 'wang@example.com', '110101199003074258', :born)"
            ),
            {"now": now, "born": date(1990, 3, 7)},
        )
        conn.execute(
            text(
                "INSERT INTO source_record (source_system_id, record_type, external_id, received_at, "
                "raw_format, "
                "raw_payload, standardised, status, version_key, content_hash, is_current, guest_id) VALUES "
                "(1, 'reservation', 'SHA01:1', :now, 'csv', '{\"手机\":\"138 1234 5678\"}', "
                "'{\"persons\":[{\"consent_email_marketing\":\"granted\"}]}', 'accepted', 'v', 'h', true, 1)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO guest_mention (source_record_id, person_index, role, source_system_id, "
                "trust_rank, "
                "seen_at, surname_only, phone, email, guest_id) VALUES (1, 0, 'primary', 1, 10, :now, false, "
                "'+8613812345678', 'wang@example.com', 1)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO record_issue (source_record_id, rule, severity, field, person, raw_value, "
                "fixed_value) VALUES (1, 'phone_format', 'fix', 'phone', 0, '138 1234 5678', "
                "'+8613812345678')"
            )
        )
    engine.dispose()
    upgrade(url)
    sealed = pii.open_engine(load_settings().model_copy(update={"database_url": url}))
    try:
        with Session(sealed) as s:
            vault = pii.vault_of(s)
            guest = s.scalars(select(Guest)).one()
            assert guest.phone_enc and "13812345678" not in guest.phone_enc
            assert pii.guest_values(vault, guest) == {
                "phone": "+8613812345678",
                "email": "wang@example.com",
                "id_document_number": "110101199003074258",
                "birth_date": date(1990, 3, 7),
            }
            assert (guest.birth_month, guest.birth_day) == (3, 7)
            assert guest.phone_bidx == pii.index(vault, "phone", "+8613812345678")
            record = s.scalars(select(SourceRecord)).one()
            opened = pii.open_record(vault, record)
            assert opened.raw == '{"手机":"138 1234 5678"}' and record.has_consent_flags
            mention = s.scalars(select(GuestMention)).one()
            row = pii.mention_row(mention.source_record_id, mention.person_index)
            assert pii.open_person(vault, "guest_mention", row, mention).email == "wang@example.com"
            # 0019 sealed the values the import finding quotes (its sealing is frozen in the migration;
            # the application opens them with its own naming, so the two must agree).
            issue = s.scalars(select(RecordIssue)).one()
            assert issue.raw_value_enc and "1234" not in issue.raw_value_enc
            opened_issue = [
                pii.open_issue_value(
                    vault, record, rule=issue.rule, field=issue.field, person=issue.person, column=c, stored=v
                )
                for c, v in (("raw_value", issue.raw_value_enc), ("fixed_value", issue.fixed_value_enc))
            ]
            assert opened_issue == ["138 1234 5678", "+8613812345678"]
    finally:
        sealed.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_0041_seals_preferences_stored_in_the_clear(backend: str, scratch_db) -> None:
    """An allergy typed before 0041 is sealed in place under its guest's key (a keyless guest gets
    one), and reads the same afterwards through the product's reader."""
    from datetime import UTC, datetime

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from guestgraph import pii, profiles
    from guestgraph.config import load_settings
    from guestgraph.db.models import Guest

    url = scratch_db(backend)
    upgrade(url, "0040")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO guest (public_id, status, provenance, created_at, updated_at, full_name) "
                "VALUES ('G000000000001', 'active', '{}', :now, :now, '王小明')"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO preference (guest_id, category, value, created_at) VALUES "
                "(1, 'allergy', '花生 peanuts', :now), (1, 'floor', 'high', :now)"
            ),
            {"now": now},
        )
    engine.dispose()
    upgrade(url)
    sealed = pii.open_engine(load_settings().model_copy(update={"database_url": url}))
    try:
        with Session(sealed) as s:
            guest = s.scalars(select(Guest)).one()
            assert guest.key_ref
            stored = s.execute(text("SELECT * FROM preference ORDER BY id")).all()
            assert all(r.key_ref == guest.key_ref and "peanuts" not in r.value_enc for r in stored)
            lines = profiles.list_preferences(s, [guest.id])[guest.id]
            assert sorted((p.category, p.value) for p in lines) == [
                ("allergy", "花生 peanuts"),
                ("floor", "high"),
            ]
    finally:
        sealed.dispose()
