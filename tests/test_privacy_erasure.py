"""PR-03: erasure everywhere, proven by a canary. A guest with a valid ID number, phone, e-mail and a
rare name comes in through every import path (CSV file, push API, front-desk form) plus a quarantined
row; after resolution and erasure through the API, a full database dump (SQLite `iterdump`,
PostgreSQL `pg_dump`) holds none of the canary's values, normalised forms or pinyin."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from guestgraph import identity, ingest, pii, privacy
from guestgraph.access import issue_source_key
from guestgraph.db.models import Guest, RecordStatus, SourceRecord, Stay, StayGuest
from tests.conftest import LiveServer
from tests.factories import make_interaction, make_preference
from tests.ingest_helpers import factory, good_row, write_pms_cn

NAME, PHONE, EMAIL = "诸葛青云", "13987654321", "Zhuge.Qingyun@Canary-Mail.example"


def cn_id(base17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return base17 + "10X98765432"[sum(int(d) * w for d, w in zip(base17, weights, strict=True)) % 11]


ID_NUMBER = cn_id("11010519880512437")
NEEDLES = {
    NAME,
    json.dumps(NAME)[1:-1],  # as a JSON \u escape
    "zhuge",
    "qingyun",
    ID_NUMBER,
    PHONE,
    "+86" + PHONE,
    "139 8765 4321",
    "8765-4321",
    EMAIL,
}


def dump(db_url: str) -> str:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(str(url.database)) as conn:
            return "\n".join(conn.iterdump())
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    done = subprocess.run(
        ["/usr/bin/pg_dump", *args, "-d", str(url.database)], capture_output=True, check=True
    )  # noqa: S603
    return done.stdout.decode()


def hits(text: str) -> set[str]:
    low = text.lower()
    return {n for n in NEEDLES if n.lower() in low}


def _seed_everywhere(live: LiveServer, session: Session, tmp_path: Path) -> None:
    canary_row = {
        "姓名": NAME,
        "证件号码": ID_NUMBER,
        "手机": "139 8765 4321",
        "邮箱": EMAIL,
        "生日": "1988-05-12",
    }
    rows = [
        good_row("C-1", **canary_row),
        good_row("", **canary_row),  # no confirmation number: quarantined, never resolved
        good_row("K-1"),  # a control guest who must survive
    ]
    ingest.import_file(factory(live.engine), write_pms_cn(tmp_path / "SHA01_stays.csv", rows), source="pms")
    key = issue_source_key(session, source="ota_booking")
    session.commit()
    person = {"given_name": "Qingyun", "family_name": "Zhuge", "phone": "+86-139-8765-4321", "email": EMAIL}
    booking = {
        "external_id": "OTA-9",
        "record_type": "reservation",
        "version": 1,
        "hotel_code": "SHA01",
        "fields": {
            "confirmation_number": "OTA-9",
            "arrival": "2026-12-01",
            "departure": "2026-12-03",
            "amount": "990",
        },
        "persons": [{"role": "primary", "values": {**person, "consent_email_marketing": "yes"}}],
    }
    form = {
        "hotel_code": "SHA01", "full_name": NAME, "gender": "男", "id_type": "身份证", "id_number": ID_NUMBER,
        "phone": PHONE, "email": EMAIL, "birth_date": "1988-05-12", "nationality": "中国",
        "arrival": "2026-11-23", "departure": "2026-11-25", "room_number": "1808",
        "notes": NAME + " 对花生过敏",
    }  # fmt: skip
    with live.client(role=None, headers={"X-API-Key": key}) as c:
        pushed = c.post("/api/v1/sources/ota_booking/records", json={"records": [booking]})
        assert pushed.status_code == 200, pushed.text
    with live.client(follow_redirects=True) as c:
        assert c.post("/register", data=form).status_code == 200
    identity.resolve_all(factory(live.engine))


def test_erasure_leaves_nothing_of_the_canary_in_a_full_dump(
    live: LiveServer, demo_group: Session, tmp_path: Path
) -> None:
    _seed_everywhere(live, demo_group, tmp_path)
    with factory(live.engine)() as s:
        privacy.import_consents(s, now=datetime.now(UTC))
        guest_id = s.scalars(select(SourceRecord.guest_id).where(SourceRecord.external_id == "OTA-9")).one()
        assert guest_id is not None
        make_preference(s, s.get_one(Guest, guest_id), "pillow", NAME + " likes feather-free")
        make_interaction(s, s.get_one(Guest, guest_id), "call " + PHONE, channel="phone", direction="in")
        s.commit()
        guest = s.get(Guest, guest_id)
        assert guest is not None and guest.full_name == NAME
        public_id = guest.public_id
        quarantined = s.scalar(select(func.count()).where(SourceRecord.status == RecordStatus.QUARANTINED))
        assert quarantined == 1
        stays_before = s.scalar(select(func.count()).select_from(Stay))
        linked = s.scalar(
            select(func.count(StayGuest.stay_id.distinct())).where(StayGuest.guest_id == guest_id)
        )
        assert linked and linked >= 2
    vault = pii.vault_of(live.engine)
    indexes = {
        pii.index(vault, "phone", "+86" + PHONE),
        pii.index(vault, "email", EMAIL),
        pii.index(vault, "id_number", ID_NUMBER),
    }
    text = dump(live.db_url)
    before = hits(text)
    assert before >= {NAME, "zhuge", "qingyun"}, before  # the grep finds the names
    # CR-01: the sealed fields, and the staff's note quoting the phone, are nowhere in the clear, while
    # the fields' blind indexes are there, so exact search works
    assert before & {PHONE, ID_NUMBER, "+86" + PHONE, "139 8765 4321", EMAIL} == set(), before
    assert all(i is not None and i in text for i in indexes)

    with live.client(role="compliance_officer") as c:
        made = c.post("/api/v1/privacy/requests", json={"guest": public_id, "kind": "erasure"})
        assert made.status_code == 201, made.text
        erased = c.post(f"/api/v1/privacy/requests/{made.json()['id']}/erase")
        assert erased.status_code == 200, erased.text
        outcome = erased.json()["outcome"]
        assert erased.json()["status"] == "completed" and outcome["kept"]["stays_anonymised"] == linked
        assert c.get(f"/api/v1/guests/{public_id}").status_code == 404
        assert c.get(f"/guests/{public_id}").status_code == 404
        for q in (PHONE, EMAIL, NAME, "zhuge qingyun", ID_NUMBER):
            assert c.get("/api/v1/guests", params={"q": q}).json()["total"] == 0, q
        assert c.get("/api/v1/guests", params={"q": "王小明"}).json()["total"] == 1  # the control survives

    after = dump(live.db_url)
    assert hits(after) == set() and not any(i in after for i in indexes if i)
    identity.resolve_all(factory(live.engine))  # a later pass brings nothing back
    assert hits(dump(live.db_url)) == set()
    with factory(live.engine)() as s:
        assert s.scalar(select(func.count()).select_from(Stay)) == stays_before
        guest = s.get(Guest, guest_id)
        assert guest is not None and guest.status.value == "erased" and guest.full_name is None
        answer = privacy.may_use(
            s, guest_id, privacy.Purpose.MARKETING, privacy.Channel.EMAIL, now=datetime.now(UTC)
        )
        assert answer.answer == "denied"


def grep_folder(folder: Path) -> dict[str, set[str]]:
    """Every file under `folder`, as bytes, searched for the canary's values in UTF-8 and in GB18030
    (a Chinese PMS export's encoding), any case: the needles found, by file."""
    forms = {(n, n.lower().encode(enc)) for n in NEEDLES for enc in ("utf-8", "gb18030")}
    found: dict[str, set[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes().lower()
        hit = {needle for needle, form in forms if form in data}
        if hit:
            found[str(path.relative_to(folder))] = hit
    return found


def test_a_web_import_leaves_nothing_of_the_erased_guest_in_the_data_directory(
    live: LiveServer, demo_group: Session, tmp_path: Path
) -> None:
    """PR-03, "a grep of the data directory": the canary arrives in a PMS export uploaded through
    `/imports`; after the erasure, no file under data_dir (uploads, audit checkpoints, anything) and
    no row of the full dump holds the canary's ID number, phone, e-mail, name or pinyin."""
    row = {"姓名": NAME, "证件号码": ID_NUMBER, "手机": "139 8765 4321", "邮箱": EMAIL, "生日": "1988-05-12"}
    path = write_pms_cn(tmp_path / "SHA01_stays.csv", [good_row("W-1", **row), good_row("W-2")])
    assert grep_folder(tmp_path)[path.name] >= {ID_NUMBER, "139 8765 4321", NAME}  # the grep sees GB18030
    with live.client(follow_redirects=True) as c:
        done = c.post(
            "/imports", data={"source": "pms"}, files={"file": (path.name, path.read_bytes(), "text/csv")}
        )
        assert done.status_code == 200, done.text
    with factory(live.engine)() as s:
        guest = s.scalars(select(Guest).where(Guest.full_name == NAME)).one()
        public_id = guest.public_id
    with live.client(role="compliance_officer") as c:
        made = c.post("/api/v1/privacy/requests", json={"guest": public_id, "kind": "erasure"})
        assert made.status_code == 201, made.text
        assert c.post(f"/api/v1/privacy/requests/{made.json()['id']}/erase").status_code == 200
    assert grep_folder(live.settings.data_dir) == {}
    assert hits(dump(live.db_url)) == set()
