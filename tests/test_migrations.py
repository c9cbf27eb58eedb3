"""The schema migrates up and down on both backends and matches the models exactly."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from guestgraph import analytics, feedback, pii, profiles, prompts, service
from guestgraph.access import DataScope
from guestgraph.config import load_settings
from guestgraph.db import current_revision, head_revision, make_engine
from guestgraph.db._migrate import MIGRATIONS_DIR, check, downgrade, upgrade
from guestgraph.db.models import Base, Guest, OtaReview, ServiceTicket
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


NOW = datetime(2026, 11, 1, tzinfo=UTC)
GUEST = (
    "INSERT INTO guest (public_id, status, provenance, created_at, updated_at, full_name) "
    "VALUES ('G000000000001', 'active', '{}', :now, :now, '王小明')"
)
HOTEL = (
    "INSERT INTO region (code, name_zh, name_en, created_at, updated_at) "
    "VALUES ('R', '华东', 'East', :now, :now)",
    "INSERT INTO hotel (region_id, code, name_zh, name_en, timezone, currency, quality_threshold, pms_feed, "
    "created_at, updated_at) "
    "VALUES (1, 'SHA01', '上海', 'Shanghai', 'Asia/Shanghai', 'CNY', 0.8, false, :now, :now)",
)


@contextmanager
def sealed_after_upgrade(
    backend: str, scratch_db: Any, *, before: str, rows: Sequence[str], **params: object
) -> Iterator[Session]:
    """Migrate a scratch database to `before`, write `rows` in the clear as that version did (raw SQL,
    `:now` and `params` bound), upgrade to head and yield a session that opens sealed fields."""
    url = scratch_db(backend)
    upgrade(url, before)
    engine = make_engine(url)
    with engine.begin() as conn:
        for sql in rows:
            conn.execute(text(sql), {"now": NOW, **params})
    engine.dispose()
    upgrade(url)
    sealed = pii.open_engine(load_settings().model_copy(update={"database_url": url}))
    try:
        with Session(sealed) as session:
            yield session
    finally:
        sealed.dispose()


def stored(session: Session, table: str) -> str:
    """Every stored column of `table` as text, to look for plaintext in it."""
    return repr(session.execute(text(f"SELECT * FROM {table} ORDER BY id")).all())  # noqa: S608


@pytest.mark.parametrize("backend", BACKENDS)
def test_0041_seals_preferences_stored_in_the_clear(backend: str, scratch_db) -> None:
    """An allergy typed before 0041 is sealed in place under its guest's key (a keyless guest gets
    one), and reads the same afterwards through the product's reader."""
    rows = (
        GUEST,
        "INSERT INTO preference (guest_id, category, value, created_at) VALUES "
        "(1, 'allergy', '花生 peanuts', :now), (1, 'floor', 'high', :now)",
    )
    with sealed_after_upgrade(backend, scratch_db, before="0040", rows=rows) as s:
        guest = s.scalars(select(Guest)).one()
        assert guest.key_ref
        lines = s.execute(text("SELECT * FROM preference ORDER BY id")).all()
        assert all(r.key_ref == guest.key_ref and "peanuts" not in r.value_enc for r in lines)
        read = profiles.list_preferences(s, [guest.id])[guest.id]
        assert sorted((p.category, p.value) for p in read) == [("allergy", "花生 peanuts"), ("floor", "high")]


@pytest.mark.parametrize("backend", BACKENDS)
def test_0042_seals_interaction_texts_stored_in_the_clear(backend: str, scratch_db) -> None:
    """A note typed before 0042 is sealed in place under its guest's key (a keyless guest gets one), and
    the profile reads it the same afterwards."""
    rows = (
        GUEST,
        "INSERT INTO interaction (guest_id, hotel_id, channel, direction, kind, text, occurred_at) "
        "VALUES (1, NULL, 'phone', 'inbound', 'complaint', '花生过敏 call 13812345678', :now), "
        "(1, NULL, 'in_person', 'internal', 'note', 'late arrival', :later)",
    )
    later = datetime(2026, 11, 2, tzinfo=UTC)
    with sealed_after_upgrade(backend, scratch_db, before="0041", rows=rows, later=later) as s:
        guest = s.scalars(select(Guest)).one()
        assert guest.key_ref
        lines = s.execute(text("SELECT * FROM interaction ORDER BY id")).all()
        assert all(r.key_ref == guest.key_ref and r.text_enc for r in lines)
        assert "13812345678" not in stored(s, "interaction") and "花生" not in stored(s, "interaction")
        read = profiles.list_interactions(s, scope=DataScope.group(), guest_id=guest.id)
        assert [(i.kind, i.text) for i in read] == [
            ("note", "late arrival"),
            ("complaint", "花生过敏 call 13812345678"),
        ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_0043_seals_ticket_text_stored_in_the_clear(backend: str, scratch_db) -> None:
    """A ticket's description and history written before 0043 are sealed in place under a key of the
    ticket's own (a ticket without a guest too), and read the same afterwards through the product."""
    rows = (
        *HOTEL,
        "INSERT INTO service_ticket (hotel_id, category, priority, status, title, description, "
        "respond_due_at, resolve_due_at, created_at, updated_at) VALUES "
        "(1, 'room', 'high', 'open', 'Allergy', '花生过敏 call 13812345678', :now, :now, :now, :now)",
        "INSERT INTO ticket_event (ticket_id, at, kind, to_status, text) VALUES "
        "(1, :now, 'created', 'open', 'Allergy'), (1, :now, 'comment', NULL, 'rang 13812345678')",
    )
    with sealed_after_upgrade(backend, scratch_db, before="0042", rows=rows) as s:
        assert s.scalars(select(ServiceTicket.key_ref)).one()
        dumped = stored(s, "service_ticket") + stored(s, "ticket_event")
        assert "13812345678" not in dumped and "花生" not in dumped
        group = DataScope.group()
        assert service.get_ticket(s, scope=group, ticket_id=1).description == "花生过敏 call 13812345678"
        history = service.ticket_history(s, scope=group, ticket_id=1)
        assert [e.text for e in history] == ["Allergy", "rang 13812345678"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_0044_seals_ticket_titles_stored_in_the_clear(backend: str, scratch_db) -> None:
    """A ticket's title written before 0044 (a complaint's first line) is sealed in place under the
    ticket's key (one made for a ticket without), reads the same afterwards through the product, and a
    downgrade leaves titles empty rather than unsealing them."""
    rows = (
        *HOTEL,
        "INSERT INTO service_ticket (hotel_id, category, priority, status, title, "
        "respond_due_at, resolve_due_at, created_at, updated_at) VALUES "
        "(1, 'room', 'high', 'open', '花生过敏 call 13812345678', :now, :now, :now, :now), "
        "(1, 'room', 'normal', 'open', 'Lobby light', :now, :now, :now, :now)",
    )
    with sealed_after_upgrade(backend, scratch_db, before="0043", rows=rows) as s:
        assert all(s.scalars(select(ServiceTicket.key_ref)))
        dumped = stored(s, "service_ticket")
        assert "13812345678" not in dumped and "花生" not in dumped and "Lobby" not in dumped
        tickets = service.list_tickets(s, scope=DataScope.group())
        assert sorted(t.title for t in tickets) == ["Lobby light", "花生过敏 call 13812345678"]
        url = s.get_bind().url.render_as_string(hide_password=False)
    downgrade(url, "0043")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            titles = conn.execute(text("SELECT title FROM service_ticket ORDER BY id")).scalars().all()
        assert titles == ["", ""]
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_0045_seals_feedback_comments_stored_in_the_clear(backend: str, scratch_db) -> None:
    """Comments written before 0045 (a survey's, a rating's, a review's) are sealed in place: under the
    guest's key (one made for a guest without), a review matched to nobody under a key of its own; they
    read the same afterwards through the product, and the scores are untouched."""
    rows = (
        *HOTEL,
        GUEST,
        "INSERT INTO survey (guest_id, hotel_id, lang, created_at, expires_at, answered_at, nps, csat, "
        "comment) VALUES (1, 1, 'zh', :now, :now, :now, 9, 5, '花生过敏 call 13812345678')",
        "INSERT INTO service_ticket (hotel_id, guest_id, category, priority, status, "
        "respond_due_at, resolve_due_at, created_at, updated_at) VALUES "
        "(1, 1, 'room', 'high', 'resolved', :now, :now, :now, :now)",
        "INSERT INTO ticket_rating (ticket_id, guest_id, hotel_id, created_at, expires_at, rated_at, "
        "score, comment) VALUES (1, 1, 1, :now, :now, :now, 2, 'rang 13812345678 twice')",
        "INSERT INTO ota_review (hotel_id, channel, external_id, reviewed_on, score, scale, csat, "
        "guest_id, comment, imported_at) VALUES "
        "(1, 'ctrip', 'CT-1', :day, 4.5, 5, 5, 1, '花生过敏 noted, thanks', :now), "
        "(1, 'ctrip', 'CT-2', :day, 2.0, 5, 2, NULL, 'call me 13912345678', :now), "
        "(1, 'ctrip', 'CT-3', :day, 3.0, 5, 3, NULL, NULL, :now)",
    )
    with sealed_after_upgrade(backend, scratch_db, before="0044", rows=rows, day=date(2026, 10, 30)) as s:
        guest = s.scalars(select(Guest)).one()
        assert guest.key_ref
        for table in ("survey", "ticket_rating", "ota_review"):
            dumped = stored(s, table)
            assert "13812345678" not in dumped and "13912345678" not in dumped and "花生" not in dumped
        group = DataScope.group()
        assert [f.comment for f in feedback.recent_feedback(s, scope=group)] == ["花生过敏 call 13812345678"]
        rated = service.ticket_ratings(s, scope=group, ticket_id=1, now=NOW)
        assert [(r.score, r.comment) for r in rated] == [(2, "rang 13812345678 twice")]
        reviews = {r.external_id: r for r in s.scalars(select(OtaReview))}
        assert reviews["CT-1"].key_ref == guest.key_ref
        assert reviews["CT-2"].key_ref not in (None, guest.key_ref) and reviews["CT-3"].key_ref is None
        listed = {r.review_id: r.comment for r in feedback.recent_reviews(s, scope=group)}
        assert [listed[reviews[k].id] for k in ("CT-1", "CT-2", "CT-3")] == [
            "花生过敏 noted, thanks",
            "call me 13912345678",
            None,
        ]
        assert [r.answered for r in feedback.review_scores(s, scope=group)] == [3]


@pytest.mark.parametrize("backend", BACKENDS)
def test_0046_seals_tag_notes_stored_in_the_clear(backend: str, scratch_db) -> None:
    """A manual tag's note written before 0046 is sealed in place under the guest's key (one made for a
    guest without), and the guest's tags read it the same afterwards; a rule tag (no note) stays so."""
    rows = (
        GUEST,
        "INSERT INTO guest_tag (guest_id, tag, kind, note, added_by, since) VALUES "
        "(1, 'allergy_check', 'manual', '花生过敏 call 13812345678', 'lily', :now), "
        "(1, 'business', 'rule', NULL, NULL, :later)",
    )
    later = datetime(2026, 11, 2, tzinfo=UTC)
    with sealed_after_upgrade(backend, scratch_db, before="0045", rows=rows, later=later) as s:
        guest = s.scalars(select(Guest)).one()
        dumped = stored(s, "guest_tag")
        assert guest.key_ref and guest.key_ref in dumped
        assert "13812345678" not in dumped and "花生" not in dumped
        rules = analytics.load_rules()
        tags = analytics.guest_tags(
            s, scope=DataScope.group(), public_id=guest.public_id, rules=rules, locale="en"
        )
        assert [(t.code, t.note) for t in tags] == [
            ("allergy_check", "花生过敏 call 13812345678"),
            ("business", None),
        ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_0049_seals_prompt_details_stored_in_the_clear(backend: str, scratch_db) -> None:
    """A prompt's reason detail written before 0049 (an allergy's text) is sealed in place under the
    guest's key (one made for a guest without), and the prompts page's reader shows it the same; a
    prompt without a detail stays without."""
    rows = (
        *HOTEL,
        GUEST,
        "INSERT INTO stay (hotel_id, confirmation_number, arrival, departure, status, created_at, "
        "updated_at) VALUES (1, 'C-1', :day, :day, 'booked', :now, :now)",
        "INSERT INTO stay_guest (stay_id, guest_id, role) VALUES (1, 1, 'primary')",
        "INSERT INTO prompt_rule (code, name_zh, name_en, department, condition, active, shipped, "
        "created_at, updated_at) VALUES ('allergy_notice', '过敏', 'Allergy', 'food_beverage', "
        '\'{"type": "alert", "kind": "allergy"}\', true, true, :now, :now), '
        "('pet_bed', '宠物', 'Pet', 'housekeeping', '{\"type\": \"alert\", \"kind\": \"vip\"}', true, "
        "true, :now, :now)",
        "INSERT INTO service_prompt (rule_id, hotel_id, stay_id, guest_id, department, reason_kind, "
        "reason_detail, due_on, status, generated_at) VALUES "
        "(1, 1, 1, 1, 'food_beverage', 'allergy', '花生 peanuts', :day, 'open', :now), "
        "(2, 1, 1, 1, 'housekeeping', 'vip_arriving', NULL, :day, 'open', :now)",
    )
    before = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision("0049").down_revision
    with sealed_after_upgrade(
        backend, scratch_db, before=str(before), rows=rows, day=date(2026, 12, 10)
    ) as s:
        guest = s.scalars(select(Guest)).one()
        dumped = stored(s, "service_prompt")
        assert guest.key_ref and guest.key_ref in dumped
        assert "花生" not in dumped and "peanuts" not in dumped
        day = prompts.prompt_day(s, scope=DataScope.group(), hotel_code="SHA01", day=date(2026, 12, 10))
        shown = {p.rule_code: (p.reason, p.reason_detail) for d in day.departments for p in d.prompts}
        assert shown == {
            "allergy_notice": ("Allergy: 花生 peanuts", "花生 peanuts"),
            "pet_bed": ("VIP / loyalty tier: ", None),
        }


def test_a_migration_that_fails_half_way_on_sqlite_leaves_the_database_as_it_was(scratch_db) -> None:
    """0042 adds columns, then seals the notes with their guest's key; a guest whose key is not in the
    key store (the wrong data folder, say) fails the data step. On SQLite the columns added before it
    used to stay, so running it again failed on "duplicate column"; now the whole upgrade rolls back
    and a second run meets the same, fixable, error."""
    from datetime import UTC, datetime

    from guestgraph.crypto import UnknownKey

    url = scratch_db("sqlite")
    upgrade(url, "0041")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO guest (public_id, status, provenance, created_at, updated_at, full_name, "
                "key_ref) VALUES ('G000000000001', 'active', '{}', :now, :now, '王小明', 'NOSUCHKEY0000000')"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO interaction (guest_id, hotel_id, channel, direction, kind, text, occurred_at) "
                "VALUES (1, NULL, 'phone', 'inbound', 'complaint', '花生过敏', :now)"
            ),
            {"now": now},
        )
    for _attempt in (1, 2):
        with pytest.raises(UnknownKey):
            upgrade(url)
        assert current_revision(engine) == "0041"
        assert "key_ref" not in {c["name"] for c in inspect(engine).get_columns("interaction")}
    engine.dispose()
