"""Two imports of the same new person at once (a PMS file and an OTA push), each followed by a
resolve pass, in parallel processes: one guest per person, never two."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from guestgraph.db import make_engine, make_session_factory
from guestgraph.db._migrate import upgrade
from guestgraph.db.models import Guest, GuestMention, GuestStatus
from guestgraph.org import GroupSpec, load_group
from tests.conftest import BACKENDS
from tests.ingest_helpers import good_row, write_pms_cn

OTA = """<?xml version="1.0" encoding="UTF-8"?>
<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="1.0" EchoToken="t">
<HotelReservations>{body}</HotelReservations></OTA_HotelResNotifRQ>"""
RES = """<HotelReservation ResStatus="Commit" CreateDateTime="2026-09-01T10:00:00+08:00">
<UniqueID Type="14" ID="{ota_id}"/><RoomStays><RoomStay>
<TimeSpan Start="2026-10-{day:02d}" End="2026-10-{end:02d}"/>
<Total AmountAfterTax="990" CurrencyCode="CNY"/><BasicPropertyInfo HotelCode="SHA01"/></RoomStay></RoomStays>
<ResGuests><ResGuest><Profiles><ProfileInfo><Profile ProfileType="1"><Customer><PersonName>
<GivenName>{given}</GivenName><Surname>{family}</Surname></PersonName><Email>r{ota_id}@guest.booking.com</Email>
</Customer></Profile></ProfileInfo></Profiles></ResGuest></ResGuests></HotelReservation>"""
PEOPLE = [
    ("欧阳娜娜", "Nana", "Ouyang"),
    ("司马光", "Guang", "Sima"),
    ("诸葛亮", "Liang", "Zhuge"),
    ("上官婉儿", "Waner", "Shangguan"),
    ("李雷", "Lei", "Li"),
    ("韩梅梅", "Meimei", "Han"),
]


def _run(env: dict[str, str], *commands: list[str]) -> subprocess.Popen[bytes]:
    script = " && ".join(" ".join([sys.executable, "-m", "guestgraph.cli", *c]) for c in commands)
    return subprocess.Popen(
        ["bash", "-c", script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_parallel_imports_and_resolves_end_with_one_guest_per_person(
    backend: str, scratch_db, group_spec: GroupSpec, tmp_path: Path
) -> None:
    url = scratch_db(backend)
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        load_group(session, group_spec)
    rows, bodies = [], []
    for n, (han, given, family) in enumerate(PEOPLE):
        day = 1 + 3 * n
        rows.append(
            good_row(
                str(9100 + n),
                姓名=han,
                证件号码="",
                手机="",
                邮箱="",
                生日="",
                房号=str(1500 + n),
                到店日期=f"2026/10/{day:02d}",
                离店日期=f"2026/10/{day + 2:02d}",
            )
        )
        bodies.append(RES.format(ota_id=880000 + n, day=day, end=day + 2, given=given, family=family))
    pms = write_pms_cn(tmp_path / "SHA01_stays.csv", rows)
    ota = tmp_path / "booking_SHA01.xml"
    ota.write_text(OTA.format(body="".join(bodies)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUESTGRAPH_")}
    env.update(GUESTGRAPH_DATABASE_URL=url, GUESTGRAPH_DATA_DIR=str(tmp_path))
    first = _run(env, ["import", str(pms), "--source", "pms"], ["resolve"], ["resolve"])
    second = _run(env, ["import", str(ota), "--source", "ota_booking"], ["resolve"], ["resolve"])
    for proc in (first, second):
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    with engine.connect() as conn:
        active = conn.scalar(
            select(func.count()).select_from(Guest).where(Guest.status == GuestStatus.ACTIVE)
        )
        per_guest = conn.execute(
            select(GuestMention.guest_id, func.count()).group_by(GuestMention.guest_id)
        ).all()
        orphans = conn.scalar(
            select(func.count())
            .select_from(Guest)
            .where(
                Guest.status == GuestStatus.ACTIVE,
                ~Guest.id.in_(select(GuestMention.guest_id).where(GuestMention.guest_id.is_not(None))),
            )
        )
    engine.dispose()
    assert active == len(PEOPLE) and orphans == 0
    assert sorted(n for _g, n in per_guest) == [2] * len(PEOPLE)  # the PMS stay and the OTA booking
