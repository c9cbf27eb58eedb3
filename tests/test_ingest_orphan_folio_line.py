"""A folio line imported before its stay (the POS file before the PMS file, or an OTA push after the
POS line) waits for it (issues 4 and 8, nothing is lost): when the stay arrives, the import posts the
line to it, the resolve pass gives it the stay's primary guest, and its spend counts for the stay and
the guest, in the incremental analytics refresh as in a full one."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import analytics, identity, ingest, profiles
from guestgraph.db.models import Charge, GuestMetrics, SourceRecord, Stay
from tests.ingest_helpers import factory, write_pms_cn
from tests.test_analytics_late_folio_line import (
    AS_OF,
    EXACT,
    GROUP,
    SETTINGS,
    STAYS,
    _figures,
    _folio,
    _primary,
    _public_id,
    _row,
)


def _line(s: Session, line: str) -> tuple[int | None, int | None]:
    s.expire_all()
    records = select(SourceRecord.id).where(SourceRecord.external_id == f"SHA01:folio:{line}")
    found = s.execute(select(Charge.stay_id, Charge.guest_id).where(Charge.source_record_id.in_(records)))
    stay_id, guest_id = found.one()
    return stay_id, guest_id


def test_a_folio_line_imported_before_its_stay_is_posted_to_it_when_the_stay_arrives(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    s = demo_group
    ingest.import_file(factory(engine), write_pms_cn(tmp_path / "SHA01_stays.csv", STAYS), source="pms")
    identity.resolve_all(factory(engine))
    assert analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF).kind == "full"

    _folio(engine, "8104", "L-9", "fnb", "321.00")  # the POS file first: no stay 8104 yet
    _folio(engine, "8105", "L-10", "spa", "99.00")  # nor 8105
    assert _line(s, "L-9") == _line(s, "L-10") == (None, None)
    late = [_row("8104", 4, "2026/10/02", "2026/10/03"), _row("8105", 5, "2026/10/04", "2026/10/05")]
    ingest.import_file(factory(engine), write_pms_cn(tmp_path / "SHA01_late.csv", late), source="pms")
    stay_id = s.scalar(select(Stay.id).where(Stay.confirmation_number == "8104"))
    other = s.scalar(select(Stay.id).where(Stay.confirmation_number == "8105"))
    assert stay_id is not None and _line(s, "L-9") == (stay_id, None)  # posted at the stay's import
    assert other is not None and _line(s, "L-10") == (other, None)  # each to its own stay
    identity.resolve_all(factory(engine))
    guest_id = _primary(s, "8104")
    assert guest_id is not None and _line(s, "L-9") == (stay_id, guest_id)

    quick = analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF, incremental=True, margins=EXACT)
    assert quick.kind == "incremental"
    incremental = _figures(s)
    metrics = s.get(GuestMetrics, guest_id)
    assert metrics is not None and metrics.fnb_spend == Decimal("321.00")
    public_id = _public_id(s, guest_id)
    profile = profiles.get_profile(s, scope=GROUP, public_id=public_id)
    (stay,) = profile.stays
    assert stay.spend == {"fnb": Decimal("321.00")}
    insight = analytics.guest_insight(
        s, scope=GROUP, public_id=public_id, rules=analytics.load_rules(), locale="en"
    )
    assert insight.monetary == metrics.monetary and metrics.monetary >= Decimal("321.00")

    assert analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF).kind == "full"
    assert _figures(s) == incremental
