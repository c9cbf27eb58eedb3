"""DG-01: the retention schedule, enforced. A time-travel seed (an injected `now` years after the rows
were written): only what has outlived its period goes, the dry run and the run agree, a second run
finds nothing, and one audit event records the counts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import audit, pii, privacy
from guestgraph.db import make_engine
from guestgraph.db.models import (
    AuditEventRow,
    Campaign,
    CampaignMessage,
    Charge,
    Consent,
    ConsentDecision,
    Guest,
    GuestMention,
    GuestStatus,
    Interaction,
    Jurisdiction,
    MessageStatus,
    Outlet,
    Payment,
    PaymentMethod,
    PrivacyRequest,
    RecordIssue,
    RecordStatus,
    RecordType,
    RequestKind,
    ServiceTicket,
    Severity,
    SourceRecord,
    SourceSystem,
    Stay,
    StayGuest,
    TicketStatus,
)
from guestgraph.errors import InvalidInput
from guestgraph.paging import PageRequest
from tests.conftest import BACKENDS
from tests.factories import contact, hotel, make_guest, make_interaction, make_stay, timeline_texts
from tests.test_cli import run

NOW = datetime(2030, 6, 1, 9, 0, tzinfo=UTC)  # cut-offs: profile 2027-06-02, documents 2029-06-01,
LONG_AGO = datetime(2024, 1, 1, tzinfo=UTC)  # stay links 2025-06-02, unresolved records 2029-12-03


def _at(y: int, m: int, d: int = 1) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)


def _stay(s: Session, g: Guest, departure: date, *, charge: bool = True) -> Stay:
    stay = make_stay(s, "SHA01", g, arrival=date.fromordinal(departure.toordinal() - 2))
    stay.departure = departure
    if charge:
        s.add(
            Charge(
                hotel_id=stay.hotel_id,
                stay_id=stay.id,
                guest_id=g.id,
                outlet=Outlet.MINIBAR,
                description="minibar",
                amount=Decimal("42.00"),
                currency="CNY",
                posted_at=datetime.combine(departure, datetime.min.time(), UTC),
            )
        )
        s.add(
            Payment(
                hotel_id=stay.hotel_id,
                stay_id=stay.id,
                method=PaymentMethod.CARD,
                amount=Decimal("42.00"),
                currency="CNY",
                reference="POS-1",
                card_last4="4242",
                paid_at=datetime.combine(departure, datetime.min.time(), UTC),
            )
        )
    return stay


def _record(s: Session, status: RecordStatus, received: datetime, guest: Guest | None = None) -> SourceRecord:
    system = s.scalars(select(SourceSystem).order_by(SourceSystem.id)).first()
    assert system is not None
    vault = pii.vault_of(s)
    external_id, key_ref = (
        f"R{received:%Y%m%d}{status.value}{guest.id if guest else 0}",
        vault.new_guest_key(),
    )
    record = SourceRecord(
        source_system_id=system.id,
        record_type=RecordType.PROFILE,
        external_id=external_id,
        version_key="1",
        content_hash="h",
        raw_format="csv",
        key_ref=key_ref,
        **pii.seal_record(
            vault,
            key_ref,
            pii.record_row(system.id, external_id, "1"),
            "王小明,110101199003074514,13812340000",
            {"persons": [{"phone": "+8613812340000"}]},
        ),
        status=status,
        received_at=received,
        guest_id=guest.id if guest else None,
    )
    s.add(record)
    s.flush()
    return record


def _mention(s: Session, record: SourceRecord, guest: Guest | None, seen: datetime) -> GuestMention:
    m = GuestMention(
        source_record_id=record.id,
        person_index=0,
        role="primary",
        source_system_id=record.source_system_id,
        guest_id=guest.id if guest else None,
        seen_at=seen,
        id_type="cn_ric",
        **pii.seal_person(
            pii.vault_of(s),
            record.key_ref or "",
            "guest_mention",
            pii.mention_row(record.id, 0),
            pii.Sensitive(id_number="110101199003074514"),
        ),
    )
    s.add(m)
    s.flush()
    return m


def _guest(s: Session, created: datetime = LONG_AGO, **values: object) -> Guest:
    g = make_guest(s, **values)
    g.created_at = created
    return g


def _seed(s: Session) -> dict[str, Guest]:
    sha = hotel(s, "SHA01").id
    doc = {"id_document_type": "cn_ric", "id_document_number": "110101199003074514"}
    old = _guest(s, **doc)  # nothing since 2024: erased
    _stay(s, old, date(2024, 3, 3))
    s.add(
        Interaction(
            guest_id=old.id,
            channel="phone",
            direction="inbound",
            kind="call",
            occurred_at=_at(2024, 3),
        )
    )
    s.add(
        Consent(
            guest_id=old.id,
            purpose="marketing",
            channel="email",
            decision=ConsentDecision.GRANTED,
            recorded_at=_at(2024, 3),
        )
    )

    recent = _guest(s, **doc)  # stayed last month: kept, only its old stay, interaction and ticket go
    _stay(s, recent, date(2024, 2, 10))
    _stay(s, recent, date(2030, 5, 3))
    make_interaction(s, recent, "old", channel="email", occurred_at=_at(2026, 1))
    make_interaction(s, recent, "new", channel="email", occurred_at=_at(2029, 1))
    _mention(s, _record(s, RecordStatus.ACCEPTED, _at(2030, 5), recent), recent, _at(2030, 5))
    due = _at(2026, 2)
    s.add(
        ServiceTicket(
            guest_id=recent.id,
            hotel_id=sha,
            category="request",
            priority="normal",
            status=TicketStatus.CLOSED,
            closed_at=due,
            respond_due_at=due,
            resolve_due_at=due,
        )
    )
    campaign = Campaign(
        name="spring",
        purpose="marketing",
        channel="email",
        subject_zh="春",
        subject_en="Spring",
        body_zh="b",
        body_en="b",
    )
    s.add(campaign)
    s.flush()
    s.add(
        CampaignMessage(
            campaign_id=campaign.id, guest_id=recent.id, status=MessageStatus.SENT, queued_at=_at(2026, 3)
        )
    )

    lapsed = _guest(s, **doc)  # last stay 2028: kept, but its ID document goes (mention too)
    _stay(s, lapsed, date(2028, 1, 5))
    _mention(s, _record(s, RecordStatus.ACCEPTED, _at(2028, 1), lapsed), lapsed, _at(2028, 1))

    held = _guest(s)  # would be erased, but an access request is open
    _stay(s, held, date(2026, 8, 1))
    s.add(
        PrivacyRequest(
            guest_id=held.id,
            guest_public_id=held.public_id,
            kind=RequestKind.ACCESS,
            jurisdiction=Jurisdiction.PIPL,
            due_at=_at(2030, 7),
        )
    )
    survivor = _guest(s)  # nothing of its own, but a guest merged into it stayed in 2030: kept
    merged = _guest(s, status=GuestStatus.MERGED, merged_into_id=survivor.id)
    _stay(s, merged, date(2030, 1, 10))
    newcomer = _guest(s, created=_at(2030, 5))  # no stay yet, created last month: kept

    stale = _record(s, RecordStatus.QUARANTINED, _at(2029, 1))  # unresolved for 17 months: wiped
    s.add(
        RecordIssue(
            source_record_id=stale.id,
            rule="id_checksum",
            severity=Severity.REJECT,
            field="id_number",
            raw_value_enc="g1.a.sealed",  # what it quotes is sealed; the test only needs the row
        )
    )
    _mention(s, stale, None, _at(2029, 1))
    _record(s, RecordStatus.QUARANTINED, _at(2030, 4))  # still waiting for a steward: kept
    s.commit()
    return {
        "old": old,
        "recent": recent,
        "lapsed": lapsed,
        "held": held,
        "survivor": survivor,
        "newcomer": newcomer,
    }


EXPECTED = {
    "identity_documents_cleared": 2,  # old, lapsed
    "mention_documents_cleared": 2,  # lapsed's, and the stale record's
    "stay_links_removed": 2,  # old's and recent's stays of 2024
    "charges_anonymised": 2,
    "payments_anonymised": 2,  # the same stays' payments lose their reference and card digits
    "interactions_deleted": 2,  # old's and recent's of 2024 and 2026
    "tickets_deleted": 1,
    "conversations_deleted": 0,  # covered in test_inbox.py
    "campaign_messages_deleted": 1,
    "record_issues_deleted": 1,
    "unresolved_mentions_deleted": 1,
    "unresolved_records_wiped": 1,
    "guests_erased": 1,
}


def _rows(s: Session) -> dict[str, int]:
    models = (
        Guest,
        Stay,
        StayGuest,
        Charge,
        Interaction,
        ServiceTicket,
        CampaignMessage,
        GuestMention,
        SourceRecord,
    )
    return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0 for m in models}


def test_retention_removes_only_expired_data_and_records_one_event(demo_group: Session) -> None:
    s = demo_group
    g = _seed(s)
    before = _rows(s)
    dry = privacy.run_retention(s, now=NOW, apply=False)
    s.commit()
    assert dry.counts == EXPECTED and not dry.applied
    assert _rows(s) == before  # a dry run changes nothing

    with audit.acting_as(audit.Actor(username="cli")):
        run = privacy.run_retention(s, now=NOW, apply=True)
    s.commit()
    assert run.counts == dry.counts  # the dry run said exactly what the run did
    after = _rows(s)
    assert after["stay"] == before["stay"]  # stays are kept for accounting, without the person
    for table, key in (
        ("stay_guest", "stay_links_removed"),
        ("interaction", "interactions_deleted"),
        ("service_ticket", "tickets_deleted"),
        ("campaign_message", "campaign_messages_deleted"),
    ):
        assert before[table] - after[table] >= EXPECTED[key], table

    s.expire_all()
    status = {k: s.get(Guest, v.id).status for k, v in g.items()}  # type: ignore[union-attr]
    assert status == {k: GuestStatus.ERASED if k == "old" else GuestStatus.ACTIVE for k in g}
    assert contact(s, s.get_one(Guest, g["recent"].id)).id_number == "110101199003074514"
    lapsed = s.get_one(Guest, g["lapsed"].id)
    assert lapsed.id_number_enc is None and lapsed.id_number_bidx is None
    assert (
        s.scalar(select(func.count()).select_from(StayGuest).where(StayGuest.guest_id == g["recent"].id)) == 1
    )
    assert timeline_texts(s, g["recent"]) == ["new"]
    kept = s.scalars(select(SourceRecord.status).where(SourceRecord.guest_id.is_(None))).all()
    assert sorted(kept) == sorted([RecordStatus.ERASED, RecordStatus.QUARANTINED])
    assert s.scalar(select(func.count()).select_from(Charge).where(Charge.description.is_not(None))) == 4

    events = audit.search_events(s, action="guest.retention", paging=PageRequest(page=1, size=10)).items
    assert len(events) == 1
    details = events[0].event.details
    assert {k: details[k] for k in EXPECTED} == EXPECTED
    assert details["before"]["profile"] == "2027-06-02" and events[0].event.category == "sensitive"

    again = privacy.run_retention(s, now=NOW, apply=True)  # nothing left to remove
    assert again.total == 0


def test_a_configured_period_replaces_the_default(demo_group: Session) -> None:
    s = demo_group
    g = _guest(s)
    s.add(
        Interaction(
            guest_id=g.id,
            channel="phone",
            direction="inbound",
            kind="call",
            occurred_at=_at(2029, 1),
        )
    )
    s.commit()
    assert privacy.run_retention(s, now=NOW, apply=False).counts["interactions_deleted"] == 0
    line = privacy.set_retention(
        s, category="interaction", days=365, note="group policy", actor_id=None, now=NOW
    )
    assert line.days == 365 and line.default_days == 1095 and line.overridden
    assert privacy.run_retention(s, now=NOW, apply=False).counts["interactions_deleted"] == 1
    privacy.set_retention(s, category="profile", days=None, note="keep", actor_id=None, now=NOW)
    assert privacy.run_retention(s, now=NOW, apply=False).counts["guests_erased"] == 0
    with pytest.raises(InvalidInput, match="No retention category 'stays'"):
        privacy.set_retention(s, category="stays", days=30, note=None, actor_id=None, now=NOW)
    with pytest.raises(InvalidInput, match="out of range"):
        privacy.set_retention(s, category="interaction", days=0, note=None, actor_id=None, now=NOW)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_command_counts_applies_and_configures(backend: str, scratch_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = scratch_db(backend)
    env = {"GUESTGRAPH_DATABASE_URL": url, "GUESTGRAPH_DATA_DIR": str(tmp_path)}
    assert run("migrate", env=env).returncode == 0
    configured = run("privacy", "retention-set", "interaction", "30", "--note", "group policy", env=env)
    assert configured.returncode == 0 and "interaction: 30" in configured.stderr, configured.stderr
    assert run("privacy", "retention-set", "stays", "30", env=env).returncode != 0
    dry = run("privacy", "retention", env=env)
    assert dry.returncode == 0 and "interaction\t30 days" in dry.stdout and "(dry run)" in dry.stderr
    applied = run("privacy", "retention", "--apply", env=env)
    assert applied.returncode == 0 and "guests_erased\t0" in applied.stdout, applied.stderr
    engine = make_engine(url)
    with engine.connect() as conn:
        actions = conn.scalars(select(AuditEventRow.action).order_by(AuditEventRow.seq)).all()
    assert actions[-2:] == ["privacy.retention.configure", "guest.retention"]  # the dry run logs nothing
    refused = run(
        "privacy",
        "recipient-add",
        "crm-sg",
        "--name",
        "CRM",
        "--kind",
        "export_destination",
        "--country",
        "SG",
        "--route",
        "standard_contract",
        env=env,
    )
    assert refused.returncode != 0 and "needs its reference" in refused.stderr, refused.stderr
    added = run(
        "privacy",
        "recipient-add",
        "crm-sg",
        "--name",
        "CRM",
        "--kind",
        "export_destination",
        "--country",
        "SG",
        "--route",
        "standard_contract",
        "--reference",
        "SC-2026-17",
        env=env,
    )
    assert added.returncode == 0, added.stderr
    listed = run("privacy", "recipients", env=env)
    assert "crm-sg\texport_destination\tSG\tstandard_contract\tSC-2026-17\tactive" in listed.stdout
    with engine.connect() as conn:
        actions = conn.scalars(select(AuditEventRow.action).order_by(AuditEventRow.seq)).all()
    engine.dispose()
    assert actions[-1] == "privacy.recipient.save"
