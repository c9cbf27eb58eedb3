"""`guestgraph offers expire` as an operator runs it (cron), as a real process on a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from guestgraph.db import make_engine
from guestgraph.db.models import Coupon, CouponState, Offer
from tests.conftest import BACKENDS
from tests.test_cli import run


@pytest.mark.parametrize("backend", BACKENDS)
def test_expire_marks_coupons_past_their_last_day(backend: str, scratch_db, tmp_path: Path) -> None:
    url = scratch_db(backend)
    env = {"GUESTGRAPH_DATABASE_URL": url, "GUESTGRAPH_DATA_DIR": str(tmp_path)}
    assert run("migrate", env=env).returncode == 0
    engine = make_engine(url)
    with engine.begin() as conn:
        offer_id = conn.execute(
            Offer.__table__.insert().values(
                name_zh="券",
                name_en="Coupon",
                kind="other",
                value_kind="percent",
                value=Decimal("10"),
                valid_from=date(2026, 1, 1),
                valid_to=date(2026, 1, 31),
                per_guest_limit=1,
                issued_count=1,
                status="active",
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )  # fmt: skip
        ).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            Coupon.__table__.insert().values(
                code="ABCDE12345",
                offer_id=offer_id,
                state="issued",
                issued_via="staff",
                issued_at=datetime.now(UTC),
                valid_from=date(2026, 1, 1),
                valid_to=date(2026, 1, 31),
            )  # fmt: skip
        )
    early = run("offers", "expire", "--today", "2026-01-31", env=env)
    assert early.returncode == 0 and "0 coupon(s) expired" in early.stderr, early.stderr
    done = run("offers", "expire", "--today", "2026-02-01", env=env)
    assert done.returncode == 0 and "1 coupon(s) expired" in done.stderr, done.stderr
    with engine.connect() as conn:
        assert conn.scalar(select(Coupon.state)) == CouponState.EXPIRED
    engine.dispose()
