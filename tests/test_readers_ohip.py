"""OHIP (OPERA Cloud) JSON reader against every vendor example under ../shared/samples/oracle-ohip.

Expected values were read by hand from the sample files (never copied here).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guestgraph.db.models import RecordType
from guestgraph.ingest._inbound import PERSON_FIELDS, RECORD_FIELDS, InboundRecord
from guestgraph.ingest.readers import ReaderError, read_ohip_json

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT.parent / "shared" / "samples"
OHIP = SAMPLES / "oracle-ohip"


def read(name: str) -> list[InboundRecord]:
    if not OHIP.is_dir():
        pytest.fail(
            f"sample folder {OHIP} is missing: check out ../shared/samples next to the repo", pytrace=False
        )
    return read_ohip_json((OHIP / name).read_bytes(), source=name)


def only(name: str) -> InboundRecord:
    records = read(name)
    assert len(records) == 1
    return records[0]


# file → (number of records, record type)
EXPECTED = {
    "crm.getProfile.response-200.example.json": (1, RecordType.PROFILE),
    "crm.getProfileRelationships.response-200.example.json": (1, RecordType.PROFILE),
    "crm.getStayHistory.response-200.example.json": (1, RecordType.RESERVATION),
    "crm.postProfile.request.example.json": (1, RecordType.PROFILE),
    "crm.putProfile.request.example.json": (1, RecordType.PROFILE),
    "crm.storeEmail.request.example.json": (0, None),  # an e-mail to store, no profile or reservation
    "rsv.getReservation.response-200.example.json": (1, RecordType.RESERVATION),
    "rsv.getReservations.response-200.example.json": (3, RecordType.RESERVATION),
    "rsv.postCancelReservation.request.example.json": (1, RecordType.CANCELLATION),
    "rsv.postReservation.request.example.json": (1, RecordType.RESERVATION),
    "rsv.postReservationByBlock.request.example.json": (1, RecordType.RESERVATION),
    "rsv.putReservation.request.example.json": (1, RecordType.RESERVATION),
}


def test_every_example_is_known() -> None:
    assert OHIP.is_dir(), f"sample folder {OHIP} is missing: check out ../shared/samples next to the repo"
    assert sorted(p.name for p in OHIP.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_example_parses(name: str) -> None:
    count, record_type = EXPECTED[name]
    records = read(name)
    assert len(records) == count
    for record in records:
        assert record.record_type == record_type
        assert record.raw_format == "ohip_json"
        assert set(record.fields) <= RECORD_FIELDS
        assert all(set(p) <= PERSON_FIELDS for p in record.persons)
        raw = json.loads(record.raw)
        assert record.raw == json.dumps(raw, ensure_ascii=False, sort_keys=True)
        assert (
            "cardNumber" not in record.raw.replace("chargeCard", "") and "chargeCardNumber" not in record.raw
        )


def test_get_profile() -> None:
    record = only("crm.getProfile.response-200.example.json")
    assert record.external_id == "a"  # the example's only id is a placeholder with an empty type
    assert record.reader_problems == ["no profileIdList entry of type Profile; using id 'a'"]
    assert record.location == "profiles.profileInfo[0]"
    assert record.source_updated_at == "2000-09-03T14:56:18.259Z"
    assert record.persons == [
        {
            "role": "primary", "given_name": "Thomas", "middle_name": "B", "family_name": "Smith",
            "salutation": "Mr", "gender": "MALE", "birth_date": "2000-01-01", "nationality": "US",
            "language": "EN", "vip_level": "2",
            "id_type": "PASSPORT", "id_number": "C03005988", "id_issuing_country": "USA",
            "email": "eg@example.com", "phone": "+1 415 555 0100",
            "loyalty_program": "Hotel Plus Membership", "loyalty_tier": "Gold",
            "company_name": "Example Corporation, Ltd.",
            "consent_email_marketing": "no", "consent_sms_marketing": "no", "consent_post_marketing": "no",
            "address_line": "500 Oracle Parkway", "city": "Redwood Shores", "postal_code": "94065",
            "region": "CA", "country": "US",
        }
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("crm.postProfile.request.example.json", "Please provide discount."),
        ("crm.putProfile.request.example.json", "Please add comments here."),
    ],
)
def test_post_and_put_profile(name: str, note: str) -> None:
    record = only(name)
    assert (record.external_id, record.hotel_code, record.location) == ("3149001", "HOTEL1", "profileDetails")
    assert record.fields == {
        "notes": note, "created_at": "2019-09-17 08:10:28.0", "updated_at": "2019-09-17 08:23:05.0",
    }  # fmt: skip
    person = record.primary
    assert (person["given_name"], person["middle_name"], person["family_name"]) == ("William", "D", "Smith")
    assert (person["id_type"], person["id_number"], person["id_issuing_country"]) == (
        "PASSPORT",
        "C03005988",
        "USA",
    )
    assert (person["email"], person["phone"], person["country"]) == (
        "eg@example.com",
        "+1 415 555 0100",
        "US",
    )
    assert (person["company_name"], person["vip_level"], person["language"]) == (
        "Oracle America Inc",
        "006",
        "E",
    )
    assert "consent_email_marketing" not in person  # no privacyInfo sent: unknown, not "no"


def test_privacy_opt_ins_are_read_per_channel() -> None:
    doc = json.loads((OHIP / "crm.getProfile.response-200.example.json").read_text())
    privacy = doc["profiles"]["profileInfo"][0]["profile"]["privacyInfo"]
    privacy.update(optInEmail=True, optInSms=False, optInMailingList=True)
    [record] = read_ohip_json(json.dumps(doc).encode(), source="x")
    consent = {k: v for k, v in record.primary.items() if k.startswith("consent_")}
    assert consent == {
        "consent_email_marketing": "yes",
        "consent_sms_marketing": "no",
        "consent_post_marketing": "yes",
    }


def test_profile_relationship() -> None:
    record = only("crm.getProfileRelationships.response-200.example.json")
    assert (record.external_id, record.fields) == ("291397", {"description": "relationship: FAMILY MEMBER"})
    assert record.persons == [
        {
            "role": "primary", "full_name": "Smith", "phone": "+10409000000", "email": "example@test.com",
            "address_line": "500 Oracle Parkway", "city": "Redwood Shores", "postal_code": "94065",
            "region": "CA", "country": "US",
        }
    ]  # fmt: skip


def test_stay_history() -> None:
    record = only("crm.getStayHistory.response-200.example.json")
    assert (record.external_id, record.hotel_code) == ("850348", "HOTEL1")
    assert record.fields == {
        "confirmation_number": "1258752", "arrival": "2020-07-02", "departure": "2020-07-04",
        "room_type": "DLXQ", "rate_plan": "RACK", "stay_status": "NoShow", "amount": "100",
    }  # fmt: skip
    assert record.reader_problems == ["amount is roomStay.rateAmount (a rate), not a stay total"]


def test_get_reservation() -> None:
    record = only("rsv.getReservation.response-200.example.json")
    assert (record.external_id, record.hotel_code) == ("571062", "HOTEL1")
    f = record.fields
    assert (f["confirmation_number"], f["arrival"], f["departure"]) == ("813595", "2020-01-13", "2020-01-14")
    assert f["stay_status"] == "Reserved"
    assert f["notes"] == "This is a sample reservation comment\nCashier Comment: Cashier Comment will go here"
    assert record.source_updated_at == "2020-01-28 14:33:54.0"
    assert record.persons == [{"role": "primary", "given_name": "Jennifer", "family_name": "Clarke"}]


def test_get_reservations_search() -> None:
    records = read("rsv.getReservations.response-200.example.json")
    assert [r.external_id for r in records] == ["236552", "267803", "238564"]
    assert [r.fields["confirmation_number"] for r in records] == ["379252", "432198", "383555"]
    assert [r.fields["stay_status"] for r in records] == ["CheckedOut", "CheckedOut", "NoShow"]
    first = records[0]
    assert first.fields == {
        "confirmation_number": "379252", "booking_reference": "5735646", "arrival": "2020-05-08",
        "departure": "2020-05-09", "room_type": "STDQ", "rate_plan": "UPGRADE", "room_number": "2010",
        "adults": "2", "children": "1", "channel": "PMS", "stay_status": "CheckedOut",
        "created_at": "2020-01-09 01:02:48.0", "updated_at": "2020-02-26 03:00:08.0",
        "amount": "100", "currency": "USD",
    }  # fmt: skip
    assert first.persons == [
        {
            "role": "primary", "given_name": "SARAH", "middle_name": "F", "family_name": "SMITH",
            "phone": "415 555 0100 ", "email": "Sarah@example.com", "language": "E", "vip_level": "GOLD",
            "city": "Redwood Shores", "postal_code": "94065", "region": "CA", "country": "AU",
        }
    ]  # fmt: skip
    assert "cardType" not in records[1].raw  # paymentCard objects are removed from raw


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rsv.postReservation.request.example.json",
         ("2021-07-01", "2021-07-02", "STDK", "DFLEX", "200", "USD", "Ben", "Smith")),
        ("rsv.postReservationByBlock.request.example.json",
         ("2016-12-05", "2016-12-06", "STTD", "1HJ", "200", "USD", "Jennifer", "Smith")),
        ("rsv.putReservation.request.example.json",
         ("2021-02-27", "2021-02-28", "STDK", "IHUBFAST", "121", "USD", "Sam", "Jones")),
    ],
)  # fmt: skip
def test_reservation_requests(name: str, expected: tuple[str, ...]) -> None:
    record = only(name)
    f, guest = record.fields, record.primary
    got = (f["arrival"], f["departure"], f["room_type"], f["rate_plan"], f["amount"], f["currency"])
    assert got + (guest["given_name"], guest["family_name"]) == expected
    assert (record.hotel_code, f["stay_status"], f["adults"], f["children"]) == (
        "HOTEL1",
        "Reserved",
        "1",
        "0",
    )
    assert record.external_id is None  # a request body has no id yet: it is in the URL or the response
    assert record.reader_problems == ["no reservationIdList entry: the reservation cannot be keyed"]


def test_cancellation_request() -> None:
    record = only("rsv.postCancelReservation.request.example.json")
    assert record.record_type == RecordType.CANCELLATION
    assert (record.external_id, record.hotel_code) == ("660082", "HOTEL1")
    assert record.fields == {
        "stay_status": "Cancelled",
        "notes": "cancellation reason: Bad weather has changed travel plans\n"
        "external cancellation id: 123456",
    }


@pytest.mark.parametrize(
    ("data", "location"),
    [
        (b'{"reservations": {\n  "reservation": [\n    {"hotelId": "H1",,}', "line 3, column 22"),
        (b"", "line 1, column 1"),
    ],
)
def test_malformed_json_names_line_and_column(data: bytes, location: str) -> None:
    with pytest.raises(ReaderError) as caught:
        read_ohip_json(data, source="push")
    assert caught.value.location == location
    assert "push at " + location in caught.value.message and "valid JSON" in caught.value.message


@pytest.mark.parametrize("data", [b"42", b'"text"', b"[1, 2]", b"\xff\xfe{}", b"[" * 5000 + b"]" * 5000])
def test_other_unreadable_json_is_a_reader_error(data: bytes) -> None:
    with pytest.raises(ReaderError):
        read_ohip_json(data, source="push")


def test_array_of_payloads_and_utf8_bom() -> None:
    body = (OHIP / "rsv.getReservation.response-200.example.json").read_bytes()
    records = read_ohip_json(b"\xef\xbb\xbf[" + body + b"," + body + b"]", source="x")
    assert [r.location for r in records] == [
        "[0].reservations.reservation[0]",
        "[1].reservations.reservation[0]",
    ]
