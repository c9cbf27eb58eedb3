"""`guestgraph loyalty …` as an operator runs it (cron), as real processes on a real database: the
schemes from a YAML file, members from loyalty numbers, accrual twice (the same ledger), tiers,
an operator's corrections (`adjust`, audited, never below zero), expiry, and `run` (all four)
finding nothing left to do."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph.db import make_engine
from guestgraph.db.models import (
    AuditEventRow,
    Guest,
    GuestRole,
    Hotel,
    LoyaltyEntry,
    LoyaltyMember,
    Region,
    Stay,
    StayGuest,
    StayStatus,
)
from tests.conftest import BACKENDS
from tests.test_cli import run

SCHEMES = """
schemes:
  - code: HB
    name_zh: 酒店会员
    name_en: Hotel members
    golden_number: true
    expiry_months: 12
    earn: {room: 1.5, fnb: 2}
    tiers:
      - {code: blue, name_zh: 蓝卡, name_en: Blue, rank: 0}
      - {code: gold, name_zh: 金卡, name_en: Gold, rank: 1, min_nights: 3, labels: [gold]}
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_nightly_commands(backend: str, scratch_db, tmp_path: Path) -> None:
    url = scratch_db(backend)
    env = {"GUESTGRAPH_DATABASE_URL": url, "GUESTGRAPH_DATA_DIR": str(tmp_path)}
    assert run("migrate", env=env).returncode == 0
    engine = make_engine(url)
    with Session(engine) as s:
        region = Region(code="E", name_zh="华东", name_en="East")
        s.add(region)
        s.flush()
        sha = Hotel(code="SHA01", name_zh="上海", name_en="Shanghai", region_id=region.id)
        guest = Guest(loyalty_number="HB0001", loyalty_tier="Gold")
        s.add_all([sha, guest])
        s.flush()
        stay = Stay(
            hotel_id=sha.id, confirmation_number="C1", arrival=date(2026, 10, 1), departure=date(2026, 10, 3),
            status=StayStatus.CHECKED_OUT, amount=Decimal("999.99"), currency="CNY",
        )  # fmt: skip
        stay.guests.append(StayGuest(guest_id=guest.id, role=GuestRole.PRIMARY))
        s.add(stay)
        s.commit()
        public_id = guest.public_id
    schemes = tmp_path / "schemes.yaml"
    schemes.write_text(SCHEMES, encoding="utf-8")
    now = ["--now", "2026-11-20T10:00:00"]

    def ok(*args: str) -> str:
        done = run("loyalty", *args, env=env)
        assert done.returncode == 0, done.stderr
        return done.stderr

    assert "1 scheme(s) saved: HB" in ok("load-schemes", str(schemes))
    assert "1 member(s) added" in ok("sync-members", *now)
    assert "1 entr(ies) earned" in ok("accrue", *now)
    assert "0 entr(ies) earned, 0 reversed" in ok("accrue", *now)
    assert "1 tier change(s)" in ok("evaluate-tiers", *now)  # gold from the loyalty system: 2 nights < 3
    # an operator's corrections: either sign, never below zero, a reason always
    taken = ok("adjust", public_id, "--points", "-99", "--reason", "minibar billed twice", *now)
    assert f"{public_id}: -99 points on HB HB0001, balance 1,400" in taken
    refused = run("loyalty", "adjust", public_id, "--points", "-1401", "--reason", "x", *now, env=env)
    assert refused.returncode == 2 and "1,400 points" in refused.stderr
    blank = run("loyalty", "adjust", public_id, "--points", "5", "--reason", " ", *now, env=env)
    assert blank.returncode == 2 and "Say why the points are adjusted." in blank.stderr
    zero = run("loyalty", "adjust", public_id, "--points", "0", "--reason", "x", env=env)
    assert zero.returncode == 2 and "not 0" in zero.stderr
    assert "balance 1,500" in ok("adjust", public_id, "--points", "100", "--reason", "goodwill", *now)
    # what was added expires like earned points, what was taken counts as spent: 1,499 + 100 - 99
    assert "1 expiry entr(ies) written" in ok("expire", "--now", "2028-01-01T00:00:00")
    assert "0 member(s) added, 0 earned, 0 reversed, 0 expired, 0 tier change(s)" in ok("run", *now)
    with engine.connect() as conn:
        assert conn.scalar(select(LoyaltyMember.member_number)) == "HB0001"
        assert conn.scalar(select(func.sum(LoyaltyEntry.points))) == 0  # 1,499 - 99 + 100, all expired
        assert conn.scalar(select(func.count()).select_from(LoyaltyEntry)) == 4
        actors = conn.scalars(
            select(AuditEventRow.actor_username).where(AuditEventRow.action == "loyalty.adjust")
        )
        assert [a.startswith("cli:") for a in actors] == [True, True]
    assert run("loyalty", "load-schemes", str(tmp_path / "none.yaml"), env=env).returncode != 0
    engine.dispose()
