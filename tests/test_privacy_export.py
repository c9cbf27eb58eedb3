"""PR-02: the guest's complete export, metadata-driven. Every table with a foreign key to a guest
(directly, or through a source record or a stay) gets one generically seeded row; the export must
hold every seeded row id, and a table without an export mapping fails."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    insert,
    select,
)
from sqlalchemy.orm import Session

from guestgraph import privacy
from guestgraph.access import DataScope
from guestgraph.db.models import Base, Campaign, Guest, Hotel, SourceSystem
from tests.auth_helpers import make_staff
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest

OWNERS = {"guest", "source_record", "stay"}


def guest_linked(metadata: MetaData) -> set[str]:
    """Tables holding a guest's rows: a foreign key to guest, source_record or stay."""
    return {
        t.name for t in metadata.sorted_tables if any(fk.column.table.name in OWNERS for fk in t.foreign_keys)
    }


def unmapped(metadata: MetaData) -> set[str]:
    return guest_linked(metadata) - set(privacy.EXPORTED) - set(privacy.NOT_EXPORTED)


def test_every_guest_table_has_an_export_mapping_and_a_new_one_fails() -> None:
    assert guest_linked(Base.metadata) >= {
        "guest",
        "source_record",
        "stay",
        "consent",
        "charge",
        "guest_mention",
    }
    assert unmapped(Base.metadata) == set(), (
        "map the table in privacy._export.EXPORTED (or NOT_EXPORTED, why)"
    )
    assert all(len(reason) > 30 for reason in privacy.NOT_EXPORTED.values())
    extended = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(extended)
    Table(
        "loyalty_note",
        extended,
        Column("id", Integer, primary_key=True),
        Column("guest_id", ForeignKey("guest.id")),
    )
    assert unmapped(extended) == {"loyalty_note"}


def _value(column: Column[Any]) -> Any:
    kind = column.type
    kind = getattr(kind, "impl", kind)  # a TypeDecorator stores its impl type
    if isinstance(kind, Enum):
        return kind.enums[0]
    for types, value in (
        ((String, Text), "x"),
        ((Boolean,), False),
        ((Integer,), 1),
        ((Numeric,), Decimal("1.00")),
        ((Float,), 0.5),
        ((DateTime,), datetime(2026, 11, 23, tzinfo=UTC)),
        ((Date,), date(2026, 11, 23)),
        ((JSON,), {}),
    ):
        if isinstance(kind, types):
            return value
    raise AssertionError(f"no seed value for {column} ({kind})")


def _campaign(session: Session) -> int:
    texts = dict.fromkeys(("subject_zh", "subject_en", "body_zh", "body_en"), "t")
    campaign = Campaign(name="seed", purpose="marketing", channel="email", **texts)
    session.add(campaign)
    session.flush()
    return campaign.id


def _segment(session: Session) -> int:
    from guestgraph.db.models import Segment

    segment = Segment(name="seed", definition={}, kind="dynamic", created_by="test")
    session.add(segment)
    session.flush()
    return segment.id


def _journey(session: Session) -> int:
    from guestgraph.db.models import Journey

    journey = Journey(name="seed", definition={})
    session.add(journey)
    session.flush()
    return journey.id


def _offer(session: Session) -> int:
    from guestgraph.db.models import Offer

    offer = Offer(
        name_zh="种子", name_en="seed", kind="other", value_kind="percent", value=Decimal("10"),
        valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31),
    )  # fmt: skip
    session.add(offer)
    session.flush()
    return offer.id


def _prompt_rule(session: Session) -> int:
    from guestgraph.db.models import PromptRule

    rule = PromptRule(code="seed", name_zh="种子", name_en="seed", department="housekeeping", condition={})
    session.add(rule)
    session.flush()
    return rule.id


def _loyalty_scheme(session: Session) -> int:
    from guestgraph import loyalty

    return loyalty.save_scheme(
        session,
        {
            "code": "SEED",
            "name_zh": "会员",
            "name_en": "Seed",
            "tiers": [{"code": "m", "name_zh": "会员", "name_en": "M", "rank": 0}],
        },
        now=datetime.now(UTC),
    ).id


def _seed(session: Session, guest: Guest) -> dict[str, tuple[Any, ...]]:
    """One row in every guest-linked table, foreign keys pointing at the guest's rows."""
    staff = make_staff(session, role="compliance_officer")
    parents: dict[str, Any] = {
        "guest": guest.id,
        "hotel": session.scalars(select(Hotel.id)).first(),
        "source_system": session.scalar(select(SourceSystem.id).where(SourceSystem.code == "pms")),
        "staff_user": staff.id,
        "campaign": _campaign(session),
        "segment": _segment(session),
        "journey": _journey(session),
        "offer": _offer(session),
        "prompt_rule": _prompt_rule(session),
        "loyalty_scheme": _loyalty_scheme(session),
    }
    seeded: dict[str, tuple[Any, ...]] = {}
    linked = guest_linked(Base.metadata)
    for table in Base.metadata.sorted_tables:
        if table.name not in linked:
            continue
        values: dict[str, Any] = {}
        for column in table.columns:
            fk = next(iter(column.foreign_keys), None)
            if fk is not None and fk.column.table.name in parents:
                values[column.name] = parents[fk.column.table.name]
            elif column.primary_key and isinstance(column.type, Enum):
                values[column.name] = _value(column)  # part of a composite key (stay_guest.role)
            elif not (column.primary_key or column.nullable or column.default or column.server_default):
                values[column.name] = _value(column)
        result = session.execute(insert(table).values(**values))
        key = tuple(result.inserted_primary_key or ())
        seeded[table.name] = key
        if table.name in ("source_record", "stay", "journey_enrolment"):
            parents[table.name] = key[0]
        elif len(key) == 1:  # a later table's required foreign key points at this row (self_service_request)
            parents.setdefault(table.name, key[0])
    session.flush()
    return seeded


def test_the_export_holds_every_row_of_every_guest_table(demo_group: Session) -> None:
    guest = make_guest(demo_group, full_name="导出测试")
    seeded = _seed(demo_group, guest)
    assert len(seeded) >= 11
    data = privacy.export_guest(
        demo_group, scope=DataScope.group(), public_id=guest.public_id, actor_id=None, now=datetime.now(UTC)
    )
    for name, key in seeded.items():
        if name in privacy.NOT_EXPORTED:
            continue
        table = Base.metadata.tables[name]
        pk = [c.name for c in table.primary_key.columns]
        keys = {tuple(row[c] for c in pk) for row in data["tables"][name]}
        wanted = tuple(v.value if isinstance(v, enum.Enum) else v for v in key)
        assert wanted in keys, f"{name} row {key} is missing from the export"
    assert {"purposes", "recipients", "retention"} <= set(data["processing"])


def test_the_export_over_http_json_and_page(live: LiveServer, demo_group: Session) -> None:
    guest = make_guest(demo_group, full_name="欧阳娜娜")
    _seed(demo_group, guest)
    demo_group.commit()
    sha01 = DataScope.hotels(hotel(demo_group, "SHA01").id)
    with live.client(role="marketing") as c:
        assert c.get(f"/api/v1/privacy/guests/{guest.public_id}/export").status_code == 403
    with live.client(role="compliance_officer", scope=sha01) as c:  # DSRs span every hotel
        assert c.get(f"/api/v1/privacy/guests/{guest.public_id}/export").status_code in (403, 404)
    with live.client(role="compliance_officer") as c:
        data = c.get(f"/api/v1/privacy/guests/{guest.public_id}/export").json()
        assert (
            data["format"] == privacy._export.FORMAT and data["tables"]["guest"][0]["full_name"] == "欧阳娜娜"
        )
        assert (
            data["tables"]["consent"]
            and {"raw_payload", "standardised"} <= data["tables"]["source_record"][0].keys()
        )
        page = c.get(f"/privacy/guests/{guest.public_id}/export")
        assert page.status_code == 200 and "欧阳娜娜" in page.text and 'data-table="consent"' in page.text


def test_erasure_handles_every_guest_table(demo_group: Session) -> None:
    """The same generic seeding, then erasure: every seeded row is gone, or kept without the person."""
    assert guest_linked(Base.metadata) - set(privacy.HANDLED) == set(), "say in privacy._erase.HANDLED"
    guest = make_guest(demo_group, full_name="删除测试")
    seeded = _seed(demo_group, guest)
    privacy.erase_guest(demo_group, guest_id=guest.id, now=datetime.now(UTC))
    kept = {
        "guest", "source_record", "stay", "charge", "privacy_request", "journey_enrolment", "ota_review",
        "guest_change", "payment",
        "loyalty_member",
    }  # fmt: skip
    for name, key in seeded.items():
        table = Base.metadata.tables[name]
        where = [
            c == (v.value if isinstance(v, enum.Enum) else v)
            for c, v in zip(table.primary_key.columns, key, strict=True)
        ]
        row = demo_group.execute(select(table).where(*where)).mappings().first()
        assert (row is not None) == (name in kept), name
        if row is not None and name in ("guest", "source_record"):
            assert row["status"] == "erased", name
        if row is not None and "guest_id" in table.c:
            assert row["guest_id"] in (None, guest.id), name
        if name == "guest_change":  # downstream systems must learn of the erasure; the reason goes
            assert row["reason"] is None
        if name == "ota_review":  # the score stays for the hotel's figures, without the person
            wiped = ("guest_id", "reviewer", "booking_ref", "key_ref", "comment_enc")
            assert [row[c] for c in wiped] == [None] * len(wiped)
    assert demo_group.get(Guest, guest.id).full_name is None  # type: ignore[union-attr]
