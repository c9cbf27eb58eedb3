"""Vendor JSON reader against every Mews, Cloudbeds, MyAllocator, apaleo and OHIP sample.

Expected values were read by hand from the files under ../shared/samples (never copied here).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guestgraph.db.models import RecordType
from guestgraph.ingest._inbound import PERSON_FIELDS, RECORD_FIELDS, InboundRecord
from guestgraph.ingest.readers import ReaderError, read_ohip_json
from guestgraph.ingest.readers.vendor_json import read_vendor_json

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
VENDOR_FOLDERS = ("mews", "cloudbeds", "myallocator", "apaleo")
FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
PAN = "4111111111111111"
SECRET = "s3cr3t-never-kept"

P, R, C = RecordType.PROFILE, RecordType.RESERVATION, RecordType.CANCELLATION
# sample → record types in order (an empty tuple: the payload carries no guest data)
EXPECTED: dict[str, tuple[RecordType, ...]] = {
    "mews/channelManager_confirmGroup.request.json": (),
    "mews/channelManager_processGroup.request.json": (R, R, C),
    "mews/companionships_getAll.response.json": (),
    "mews/customers_add.request.json": (P,),
    "mews/customers_add.response.json": (P,),
    "mews/customers_getAll.response.json": (P,),
    "mews/customers_search.response.json": (P,),
    "mews/identityDocuments_getAll.response.json": (P,),
    "mews/reservations_add.request.json": (R,),
    "mews/reservations_cancel.request.json": (C,),
    "mews/reservations_getAll_2017-04-12.response.json": (P, R),
    "mews/reservations_getAll_2023-06-06.response.json": (R,),
    "mews/reservations_getChannelManagerDetails.response.json": (R, R),
    "mews/webhook_general.request.json": (R, P, P),
    "cloudbeds/guest-profiles.merges.get.response-200.example.json": (P,),
    "cloudbeds/guest-profiles.merges.post.response-200.example.json": (P,),
    "cloudbeds/guest-profiles.merges_mergeId_unmerge.post.response-200.example.json": (P, P),
    "cloudbeds/guest-profiles.profiles.get.response-200.example.json": (P, P),
    "cloudbeds/guest-profiles.profiles_profileId_.get.response-200.example.json": (P,),
    "cloudbeds/guest-profiles.profiles_profileId_anonymize.post.response-200.example.json": (P,),
    "cloudbeds/guest-profiles.profiles_profileId_merged_profiles.get.response-200.example.json": (P, P),
    "cloudbeds/ota-build-to-us.ack_booking.post.request.AckBooking.json": (),
    "cloudbeds/ota-build-to-us.booking_create.post.request.BookingCreate.json": (R,),
    "cloudbeds/ota-build-to-us.cancel_booking.post.request.CancelBooking.json": (C,),
    "cloudbeds/ota-build-to-us.get_booking_id.post.request.GetBookingId.json": (),
    "cloudbeds/ota-build-to-us.get_booking_id.post.response-200.Success.json": (R,),
    "cloudbeds/ota-build-to-us.get_booking_list.post.request.GetBookingList.json": (),
    "cloudbeds/ota-build-to-us.get_booking_list.post.response-200.Success.json": (),
    "myallocator/BookingCallback_Example_of_a_JSON_booking.json": (R,),
    "apaleo/webhook_reservation_created.example.json": (R,),
}


def sample(relative: str) -> bytes:
    if not SAMPLES.is_dir():
        pytest.fail(
            f"sample folder {SAMPLES} is missing: check out ../shared/samples next to the repo", pytrace=False
        )
    return (SAMPLES / relative).read_bytes()


def read(relative: str) -> list[InboundRecord]:
    return read_vendor_json(sample(relative), source=Path(relative).name)


def only(relative: str) -> InboundRecord:
    records = read(relative)
    assert len(records) == 1
    return records[0]


def role(record: InboundRecord, wanted: str) -> dict[str, str | None]:
    found = [p for p in record.persons if p.get("role") == wanted]
    assert len(found) == 1, record.persons
    return found[0]


def everything(record: InboundRecord) -> str:
    """All text a record keeps: raw, fields, persons, problems."""
    values = [record.raw, record.external_id or "", record.hotel_code or "", *record.reader_problems]
    values += [v or "" for v in record.fields.values()]
    values += [v or "" for p in record.persons for v in p.values()]
    return "\n".join(values)


def check_shape(record: InboundRecord) -> None:
    assert set(record.fields) <= RECORD_FIELDS
    assert all(set(p) <= PERSON_FIELDS and p.get("role") for p in record.persons)
    assert all(isinstance(v, str) for v in record.fields.values())
    assert all(isinstance(v, str) for p in record.persons for v in p.values())
    assert record.raw == json.dumps(json.loads(record.raw), ensure_ascii=False, sort_keys=True)
    assert 0 < len(record.location) <= 100


# --- every sample --------------------------------------------------------------------------------


def test_every_vendor_sample_is_known() -> None:
    sample(next(iter(EXPECTED)))  # fails with a clear message when the samples are missing
    found = sorted(str(p.relative_to(SAMPLES)) for f in VENDOR_FOLDERS for p in (SAMPLES / f).glob("*.json"))
    assert found == sorted(EXPECTED)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_every_vendor_sample_reads(relative: str) -> None:
    records = read(relative)
    assert tuple(r.record_type for r in records) == EXPECTED[relative]
    for record in records:
        check_shape(record)
        assert record.raw_format == "vendor_json"
        text = everything(record)
        for secret in ("s3cr3ts4uc3", "very-secret-password", "E0D439EE522F44368DC78E1BFB03710C", PAN, "666"):
            assert secret not in text
        assert "Token" not in record.raw and "shared_secret" not in record.raw


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_raw_reads_back_to_the_same_record(relative: str) -> None:
    """`raw` is the object (or the payload narrowed to it): reading it again gives the record again."""
    for record in read(relative):
        again = read_vendor_json(record.raw.encode(), source="raw")
        assert any(
            (a.record_type, a.external_id, a.fields, a.persons, a.hotel_code)
            == (record.record_type, record.external_id, record.fields, record.persons, record.hotel_code)
            for a in again
        ), (record.location, [a.external_id for a in again])


def test_every_ohip_sample_goes_to_the_ohip_reader() -> None:
    names = sorted(p.name for p in (SAMPLES / "oracle-ohip").glob("*.json"))
    assert len(names) == 12
    for name in names:
        data = sample(f"oracle-ohip/{name}")
        got = read_vendor_json(data, source=name)
        want = read_ohip_json(data, source=name)
        assert [vars(r) for r in got] == [vars(r) for r in want], name
    assert [r.external_id for r in read("oracle-ohip/rsv.getReservation.response-200.example.json")] == [
        "571062"
    ]


# --- Mews Channel Manager API -----------------------------------------------------------------------


def test_mews_process_group_one_record_per_room() -> None:
    rooms = read("mews/channelManager_processGroup.request.json")
    assert [r.external_id for r in rooms] == ["123456/01", "123456/02", "123456/03"]
    assert [r.location for r in rooms] == ["reservations[0]", "reservations[1]", "reservations[2]"]
    first, second, third = rooms
    assert {k: first.fields[k] for k in ("arrival", "departure", "amount", "currency", "stay_status")} == {
        "arrival": "2020-05-05",
        "departure": "2020-05-07",
        "amount": "240",
        "currency": "EUR",
        "stay_status": "Created",
    }
    assert (first.fields["room_type"], first.fields["rate_plan"], first.fields["adults"]) == (
        "SGL",
        "FF",
        "1",
    )
    assert (second.fields["arrival"], second.fields["departure"], second.fields["amount"]) == (
        "2020-05-06",
        "2020-05-09",
        "340",
    )
    assert (second.fields["stay_status"], second.fields["adults"]) == ("Modified", "2")
    assert third.record_type == RecordType.CANCELLATION and third.fields["stay_status"] == "Cancelled"
    assert "amount" not in third.fields
    for room in rooms:
        assert room.fields["booking_reference"] == "EXP-123456"
        assert room.fields["channel"] == "Expedia"
        assert room.fields["notes"].startswith("Approximate arrival: 16:30.")
        assert room.hotel_code is None  # the property is known from the connection only
        assert "paymentCard" not in room.raw and "clientToken" not in room.raw and "messageId" not in room.raw


def test_mews_process_group_guest_customer_and_booker() -> None:
    first, second, _ = read("mews/channelManager_processGroup.request.json")
    guest = role(first, "primary")
    assert (guest["given_name"], guest["family_name"], guest["email"]) == ("Jane", "Smith", "jane@smith.com")
    assert guest["phone"] == "1-369-81891" and guest["salutation"] == "Misses"
    booker = role(first, "booker")
    assert (booker["given_name"], booker["family_name"], booker["email"]) == (
        "adam",
        "Arnold",
        "adam@smith.com",
    )
    customer = role(second, "primary")  # room 02 names no guest: the group's customer stays there
    assert (customer["given_name"], customer["family_name"], customer["email"]) == (
        "John",
        "Smith",
        "john@smith.com",
    )
    assert (customer["loyalty_program"], customer["loyalty_number"], customer["loyalty_tier"]) == (
        "BWR",
        "PG60972345",
        "Gold",
    )
    assert (
        customer["language"] == "en-US"
        and customer["city"] == "Some city"
        and customer["postal_code"] == "123 45"
    )
    assert role(second, "booker")["given_name"] == "adam"
    assert role(second, "company")["company_name"] == "Mews Systems, s.r.o."
    assert role(second, "travel_agent")["company_name"] == "Best Travel Agency, s.r.o"
    assert all(p["given_name"] != "John" for p in first.persons if "given_name" in p)


def test_mews_process_group_without_reservations_cancels_the_group() -> None:
    group = json.loads(sample("mews/channelManager_processGroup.request.json"))
    group["reservations"] = []
    (record,) = read_vendor_json(json.dumps(group).encode(), source="group")
    assert (record.record_type, record.external_id, record.fields["stay_status"]) == (
        C,
        "123456",
        "Cancelled",
    )


def test_mews_confirm_group_only_confirms() -> None:
    assert read("mews/channelManager_confirmGroup.request.json") == []


# --- Mews Connector API -----------------------------------------------------------------------------


def test_mews_customers_get_all() -> None:
    record = only("mews/customers_getAll.response.json")
    assert (record.external_id, record.location) == ("fadd5bb6-b428-45d5-94f8-fd0d89fece6d", "Customers[0]")
    assert record.source_updated_at == "2018-01-02T00:00:00Z"
    assert record.fields["description"] == "classifications: Returning"
    assert record.persons == [
        {
            "role": "primary",
            "given_name": "John",
            "family_name": "Smith Williams",
            "salutation": "Mister",
            "gender": "Male",
            "birth_date": "1983-12-31",
            "nationality": "US",
            "language": "en-GB",
            "email": "j.smith@example.com",
            "phone": "00420123456789",
            "loyalty_number": "LL810213",
            "address_line": "Somerford Road Hello House/135",
            "city": "Christchurch",
            "postal_code": "BH23 3PY",
            "region": "GB-ENG",
            "country": "GB",
            "consent_email_marketing": "yes",
        }
    ]


def test_mews_customers_search_is_the_same_customer() -> None:
    record = only("mews/customers_search.response.json")
    assert record.location == "Customers[0].Customer"
    assert record.persons == only("mews/customers_getAll.response.json").persons


def test_mews_customers_add_request_and_response() -> None:
    request = only("mews/customers_add.request.json")
    assert request.external_id is None
    assert request.reader_problems == [
        "the customer carries no Id (Mews assigns it when adding): it cannot be keyed"
    ]
    person = request.primary
    assert (person["given_name"], person["family_name"], person["birth_date"]) == (
        "Thea",
        "Carbone",
        "1985-09-30",
    )
    assert person["consent_email_marketing"] == "yes"  # Options: SendMarketingEmails
    response = only("mews/customers_add.response.json")
    assert response.external_id == "99b4f0af-9558-463b-8452-07a9bc414708"
    assert response.source_updated_at == "2024-10-12T09:45:00Z"
    assert response.primary["email"] == "thea@quotidiano.example"
    assert response.primary["phone"] == "+39 06 555 5555" and response.primary["country"] == "IT"
    assert "consent_email_marketing" not in response.primary  # Options [] says nothing either way
    assert response.fields["notes"] == "Check-in notturno."


def test_mews_identity_documents_alone_key_the_customer() -> None:
    record = only("mews/identityDocuments_getAll.response.json")
    assert (record.record_type, record.external_id) == (P, "fadd5bb6-b428-45d5-94f8-fd0d89fece6d")
    assert record.persons == [
        {"role": "primary", "id_type": "Passport", "id_number": "M1234567", "id_issuing_country": "CZ"}
    ]
    assert record.fields["notes"] == "further identity documents: IdentityCard"
    assert "ID7654321" in record.raw


def test_mews_identity_documents_attach_to_their_customer() -> None:
    payload = json.loads(sample("mews/customers_getAll.response.json"))
    payload["Documents"] = json.loads(sample("mews/identityDocuments_getAll.response.json"))[
        "IdentityDocuments"
    ]
    (record,) = read_vendor_json(json.dumps(payload).encode(), source="with-documents")
    assert record.primary["family_name"] == "Smith Williams"
    assert (record.primary["id_type"], record.primary["id_number"]) == ("Passport", "M1234567")
    assert "M1234567" in record.raw and "ID7654321" in record.raw


def test_mews_reservations_2017_with_their_customer() -> None:
    profile, reservation = read("mews/reservations_getAll_2017-04-12.response.json")
    assert profile.external_id == "35d4b117-4e60-44a3-9580-c582117eff98"
    assert reservation.external_id == "bfee2c44-1f84-4326-a862-5289598f6e2d"
    assert reservation.hotel_code == "bd26d8db-86da-4f96-9efc-e5a4654a4a94"  # the ServiceId
    assert {
        k: reservation.fields[k] for k in ("confirmation_number", "booking_reference", "stay_status")
    } == {
        "confirmation_number": "52",
        "booking_reference": "TW48ZP",
        "stay_status": "Processed",
    }
    assert (reservation.fields["arrival"], reservation.fields["departure"]) == (
        "2016-02-20T13:00:00Z",
        "2016-02-22T11:00:00Z",
    )
    assert reservation.persons == [
        {
            "role": "primary",
            "given_name": "John",
            "family_name": "Smith",
            "nationality": "US",
            "phone": "00420123456789",
        }
    ]
    assert "amount" not in reservation.fields  # a Mews reservation carries no price


def test_mews_reservations_2023_names_guests_by_id_only() -> None:
    record = only("mews/reservations_getAll_2023-06-06.response.json")
    assert (record.external_id, record.fields["stay_status"]) == (
        "0f515589-99b4-423d-b83a-b237009f0509",
        "Confirmed",
    )
    assert (record.fields["arrival"], record.fields["departure"]) == (
        "2023-04-23T14:00:00Z",
        "2023-04-25T12:00:00Z",
    )
    assert record.source_updated_at == "2023-04-22T17:00:00Z"
    assert record.persons == []
    assert "fadd5bb6-b428-45d5-94f8-fd0d89fece6d" in record.reader_problems[0]  # AccountId, the owner
    assert "ebd507c5-6bfd-4ca9-96aa-ffed6fa94f72" in record.reader_problems[0]  # BookerId


def test_mews_reservation_with_customers_companions_and_booker() -> None:
    payload = json.loads(sample("mews/reservations_getAll_2017-04-12.response.json"))
    owner = payload["Customers"][0]
    companion = {**owner, "Id": "companion-1", "FirstName": "Jane"}
    booker = {**owner, "Id": "booker-1", "FirstName": "Bob", "LastName": "Booker"}
    payload["Customers"] += [companion, booker]
    payload["Reservations"][0] |= {"BookerId": "booker-1", "State": "Canceled"}
    payload["Companionships"] = [
        {"ReservationId": payload["Reservations"][0]["Id"], "CustomerId": "companion-1"}
    ]
    reservation = read_vendor_json(json.dumps(payload).encode(), source="companions")[-1]
    assert reservation.record_type == C
    assert [(p["role"], p["given_name"]) for p in reservation.persons] == [
        ("primary", "John"),
        ("additional", "Jane"),
        ("booker", "Bob"),
    ]


def test_mews_reservations_add_request() -> None:
    record = only("mews/reservations_add.request.json")
    assert record.external_id is None and "Identifier '1234'" in record.reader_problems[0]
    assert record.hotel_code == "bd26d8db-86da-4f96-9efc-e5a4654a4a94"
    assert (record.fields["arrival"], record.fields["departure"]) == (
        "2021-01-01T14:00:00Z",
        "2021-01-03T10:00:00Z",
    )
    assert record.fields["notes"].startswith("Test reservation")
    assert "AccessToken" not in record.raw and "ClientToken" not in record.raw


def test_mews_reservations_cancel_request() -> None:
    record = only("mews/reservations_cancel.request.json")
    assert (record.record_type, record.external_id) == (C, "5ca70705-cbb7-48c4-8cc4-abb900aa278c")
    assert record.hotel_code == "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert record.fields == {"stay_status": "Canceled", "notes": "Cancellation through Connector API"}


def test_mews_channel_manager_details() -> None:
    records = read("mews/reservations_getChannelManagerDetails.response.json")
    assert [(r.external_id, r.fields["booking_reference"], r.fields["rate_plan"]) for r in records] == [
        ("3fa85f64-5717-4562-b3fc-2c963f66afa6", "HC1234", "XyZ123AbC789"),
        ("9b59b50d-bd32-4ce5-add8-09ea0e1300e7", "GR5678", "LmN456OpQ012"),
    ]
    assert records[0].fields["channel"] == "HotelConnect"
    assert records[0].source_updated_at == "2025-03-10T15:30:00Z"


def test_mews_companionships_without_their_customers_yield_nothing() -> None:
    assert read("mews/companionships_getAll.response.json") == []


def test_mews_webhook_events_name_ids_only() -> None:
    records = read("mews/webhook_general.request.json")
    assert [(r.record_type, r.external_id, r.location) for r in records] == [
        (R, "bfee2c44-1f84-4326-a862-5289598f6e2d", "Events[0]"),
        (P, "c2f1d888-232e-49eb-87ac-5f75363af13b", "Events[3]"),
        (P, "b3ce0fd7-a715-4bfc-969e-ef7a4822963c", "Events[4]"),
    ]
    assert all(r.hotel_code == "851df8c8-90f2-4c4a-8e01-a4fc46b25178" for r in records)
    assert all(r.persons == [] and "fetch it" in r.reader_problems[0] for r in records)


# --- Cloudbeds --------------------------------------------------------------------------------------


def test_cloudbeds_profiles_page() -> None:
    first, second = read("cloudbeds/guest-profiles.profiles.get.response-200.example.json")
    assert [(r.external_id, r.location) for r in (first, second)] == [
        ("123456788", "[0].data[0]"),
        ("123456789", "[0].data[1]"),
    ]
    assert first.persons == [
        {
            "role": "primary",
            "given_name": "First Name 1",
            "family_name": "Last Name 1",
            "email": "test1@example.com",
            "phone": "123456789",
            "birth_date": "1970-01-01",
            "gender": "M/F",
            "address_line": "Address line 1, Address line 2",
            "city": "City",
            "region": "State",
            "postal_code": "12345",
            "country": "AZ",
            "id_type": "driver_licence",
            "id_issuing_country": "US",  # the masked documentNumber and companyName are left out
            "consent_email_marketing": "no",
        }
    ]
    assert (second.primary["country"], second.primary["email"]) == ("FR", "test2@example.com")


def test_cloudbeds_one_profile() -> None:
    record = only("cloudbeds/guest-profiles.profiles_profileId_.get.response-200.example.json")
    assert (record.external_id, record.location) == ("123456788", "$")
    assert record.source_updated_at == "2024-08-06T16:58:59+00:00"
    assert record.fields == {
        "created_at": "2024-08-06T13:38:35+00:00",
        "updated_at": "2024-08-06T16:58:59+00:00",
    }
    assert (record.primary["country"], record.primary["id_issuing_country"]) == ("UA", "CA")
    assert "*****" not in "".join(v or "" for v in record.primary.values())


def test_cloudbeds_anonymized_profile_is_an_erasure_not_guest_data() -> None:
    record = only("cloudbeds/guest-profiles.profiles_profileId_anonymize.post.response-200.example.json")
    assert (record.record_type, record.external_id, record.persons) == (P, "74003650641856", [])
    assert "anonymized" in record.reader_problems[0] and "erasure" in record.reader_problems[0]
    assert record.source_updated_at == "2025-02-25T19:17:51+00:00"


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("cloudbeds/guest-profiles.merges.get.response-200.example.json", [("123456788", "TR")]),
        ("cloudbeds/guest-profiles.merges.post.response-200.example.json", [("123456788", "SK")]),
        (
            "cloudbeds/guest-profiles.merges_mergeId_unmerge.post.response-200.example.json",
            [("123456788", "ID"), ("123456789", "MY")],
        ),
    ],
)
def test_cloudbeds_merges_give_the_profiles_after_the_event(
    relative: str, expected: list[tuple[str, str]]
) -> None:
    records = read(relative)
    assert [(r.external_id, r.primary["country"]) for r in records] == expected
    for record in records:
        assert "8723618905976902" in record.fields["description"]
        assert "123456788, 123456789" in record.fields["description"]
        assert record.source_updated_at == "2024-07-22 07:40:46"


def test_cloudbeds_merged_profiles() -> None:
    john, jane = read(
        "cloudbeds/guest-profiles.profiles_profileId_merged_profiles.get.response-200.example.json"
    )
    assert (john.external_id, john.primary["given_name"], john.primary["email"]) == (
        "123456788",
        "John",
        "john.doe@example.com",
    )
    assert (jane.external_id, jane.primary["family_name"], jane.source_updated_at) == (
        "123456789",
        "Doe",
        "2024-08-15T10:30:00+00:00",
    )
    assert "phone" not in jane.primary
    assert "8723618905976902" in john.fields["description"]


def test_cloudbeds_booking_create() -> None:
    record = only("cloudbeds/ota-build-to-us.booking_create.post.request.BookingCreate.json")
    assert (record.external_id, record.hotel_code, record.location) == (
        "123456789",
        "998201",
        "booking_json.Rooms[0]",
    )
    assert (record.fields["arrival"], record.fields["departure"]) == (
        "2017-11-08",
        "2017-11-10",
    )  # EndDate + 1
    assert (record.fields["amount"], record.fields["currency"]) == ("134", "USD")
    assert (record.fields["room_type"], record.fields["rate_plan"]) == ("abcdef", "13649")
    assert record.source_updated_at == "2018-04-22T18:02:58"
    assert record.persons == [
        {
            "role": "primary",
            "email": "test@test.com",
            "country": "US",
            "given_name": "Test Firstname",
            "family_name": "Test Lastname",
        }
    ]
    assert "s3cr3ts4uc3" not in record.raw and "998201" in record.raw


def test_cloudbeds_get_booking_id_response() -> None:
    record = only("cloudbeds/ota-build-to-us.get_booking_id.post.response-200.Success.json")
    assert (record.external_id, record.fields["arrival"], record.fields["departure"]) == (
        "123456789",
        "2017-11-08",
        "2017-11-10",
    )
    assert (record.fields["adults"], record.fields["children"], record.fields["amount"]) == ("2", "0", "134")
    assert record.primary["email"] == "test@test.com"


def test_cloudbeds_cancel_booking() -> None:
    record = only("cloudbeds/ota-build-to-us.cancel_booking.post.request.CancelBooking.json")
    assert (record.record_type, record.external_id, record.hotel_code) == (C, "H7736-29385551", "25678")
    assert record.fields["notes"] == "cancellation reason: Guest called and requested cancellation"
    assert "very-secret-password" not in record.raw


def test_cloudbeds_booking_json_sent_as_text() -> None:
    request = json.loads(sample("cloudbeds/ota-build-to-us.booking_create.post.request.BookingCreate.json"))
    request["booking_json"] = json.dumps(request["booking_json"])
    (record,) = read_vendor_json(json.dumps(request).encode(), source="text")
    assert record.external_id == "123456789"
    request["booking_json"] = '{"OrderId": '
    with pytest.raises(ReaderError, match="booking_json"):
        read_vendor_json(json.dumps(request).encode(), source="text")


# --- MyAllocator --------------------------------------------------------------------------------------


def test_myallocator_booking_callback() -> None:
    record = only("myallocator/BookingCallback_Example_of_a_JSON_booking.json")
    assert (record.external_id, record.hotel_code, record.record_type) == ("13597636", "264", R)
    assert record.fields["booking_reference"] == "726122988"  # OrderSourceId: booking.com's number
    assert (record.fields["arrival"], record.fields["departure"]) == ("2012-09-18", "2012-09-19")
    assert (record.fields["amount"], record.fields["currency"]) == ("16.80", "EUR")
    assert (record.fields["channel"], record.fields["room_type"]) == ("booking.com", "832")
    assert record.source_updated_at == "2012-09-18T17:32:16"
    assert record.persons == [
        {
            "role": "primary",
            "email": "martin@smith.com",
            "city": "Stirling",
            "country": "GB",
            "given_name": "Martin",
            "family_name": "Smith",
        }
    ]


def test_myallocator_several_rooms_occupants_and_cancellation() -> None:
    booking = json.loads(sample("myallocator/BookingCallback_Example_of_a_JSON_booking.json"))
    second = {**booking["Rooms"][0], "OccupantFName": "Ann", "OccupantLName": "Lee", "Price": "20.00"}
    booking["Rooms"].append(second)
    booking["IsCancellation"] = True
    booking["Payments"] = [{"CardNumber": PAN, "CardCode": "VI", "ExpireDate": "1230"}]
    first_room, second_room = read_vendor_json(json.dumps(booking).encode(), source="rooms")
    assert [r.external_id for r in (first_room, second_room)] == ["13597636/1", "13597636/2"]
    assert all(
        r.record_type == C and r.fields["stay_status"] == "Cancelled" for r in (first_room, second_room)
    )
    assert second_room.fields["amount"] == "20.00" and "adults" not in second_room.fields
    assert [(p["role"], p.get("given_name")) for p in second_room.persons] == [
        ("primary", "Ann"),
        ("booker", "Martin"),
    ]
    assert role(first_room, "primary")["given_name"] == "Martin"
    assert json.loads(second_room.raw)["Rooms"] == [second]
    assert PAN not in first_room.raw + second_room.raw


# --- apaleo -------------------------------------------------------------------------------------------


def test_apaleo_webhook_names_the_reservation_only() -> None:
    record = only("apaleo/webhook_reservation_created.example.json")
    assert (record.record_type, record.external_id, record.hotel_code) == (R, "XPGMSXGF-1", "HFTF-AADS")
    assert record.source_updated_at == "2023-08-17T10:35:10.605Z"  # epoch ms 1692268510605
    assert record.persons == []
    assert "no guest" in record.reader_problems[0]
    event = json.loads(sample("apaleo/webhook_reservation_created.example.json")) | {"type": "canceled"}
    (cancelled,) = read_vendor_json(json.dumps(event).encode(), source="cancel")
    assert (cancelled.record_type, cancelled.reader_problems) == (C, [])
    assert read_vendor_json(json.dumps(event | {"topic": "Folio"}).encode(), source="folio") == []


# --- what is not a payload ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {},
        {"ClientToken": "x", "AccessToken": "y", "Client": "c", "Extent": {"Customers": True}},
        {"verb": "GetBookingList", "ota_property_password": "p"},
        {"success": False, "errors": [{"id": 1001, "msg": "The login details you provided are incorrect."}]},
        {"offset": 0, "limit": 20, "total": 0, "data": []},
        {"Customers": [], "Cursor": None},
    ],
)
def test_payloads_without_guest_data_yield_nothing(payload: object) -> None:
    assert read_vendor_json(json.dumps(payload).encode(), source="empty") == []


@pytest.mark.parametrize("payload", [{"hello": "world"}, [{"x": 1}], [1, 2]])
def test_unknown_shapes_name_the_vendors_recognised(payload: object) -> None:
    with pytest.raises(ReaderError, match="Mews") as error:
        read_vendor_json(json.dumps(payload).encode(), source="unknown.json")
    assert "unknown.json" in str(error.value)


@pytest.mark.parametrize(
    ("data", "location"),
    [(b'{"Customers": [', "line 1, column 16"), (b'{\n  "OrderId": 1,\n  oops\n}', "line 3, column 3")],
)
def test_malformed_json_names_line_and_column(data: bytes, location: str) -> None:
    with pytest.raises(ReaderError) as error:
        read_vendor_json(data, source="bad.json")
    assert error.value.location == location


@pytest.mark.parametrize("data", [b'"text"', b"42", b"null", b"\xff\xfe", b"[" * 300 + b"]" * 300])
def test_other_unreadable_json_is_a_reader_error(data: bytes) -> None:
    with pytest.raises(ReaderError):
        read_vendor_json(data, source="odd")


def test_size_limit() -> None:
    with pytest.raises(ReaderError, match="over the 100-byte limit"):
        read_vendor_json(b" " * 101, source="big", max_bytes=100)
    with pytest.raises(ReaderError, match="over the 52,428,800-byte limit"):  # 50 MB by default
        read_vendor_json(b" " * (50 * 1024 * 1024 + 1), source="big")


def test_utf8_bom_and_array_of_payloads() -> None:
    apaleo = json.loads(sample("apaleo/webhook_reservation_created.example.json"))
    cancel = json.loads(sample("cloudbeds/ota-build-to-us.cancel_booking.post.request.CancelBooking.json"))
    data = b"\xef\xbb\xbf" + json.dumps([apaleo, cancel]).encode()
    records = read_vendor_json(data, source="array")
    assert [(r.location, r.external_id) for r in records] == [
        ("[0]", "XPGMSXGF-1"),
        ("[1]", "H7736-29385551"),
    ]


# --- broken and hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "relative",
    [
        "mews/channelManager_processGroup.request.json",
        "cloudbeds/guest-profiles.merges.get.response-200.example.json",
    ],
)
def test_every_cut_of_a_sample_reads_or_is_a_reader_error(relative: str) -> None:
    data = sample(relative)
    for cut in range(0, len(data), 50):
        try:
            records = read_vendor_json(data[:cut], source="cut")
        except ReaderError:
            continue
        assert all(isinstance(r, InboundRecord) for r in records)
    assert read_vendor_json(data, source="whole")


# keys the vendor readers look for, so that random documents reach the places they read
KNOWN_KEYS = (
    "Customers Reservations IdentityDocuments Documents Companionships ReservationIds "
    "ChannelManagerDetails Events Customer Reservation Id FirstName LastName State StartUtc "
    "CustomerId AccountId BookerId CompanionIds Options Address Value Discriminator reservations "
    "channelManagerId channelId code guestCounts totalAmount customer booker sources state "
    "relatedMessageId OrderId Rooms EndDate IsCancellation booking_json Booking Bookings verb "
    "booking_id data offset id firstName afterMergeProfiles beforeMergeProfiles profileId mergeId "
    "dateAnonymized topic type timestamp profiles profileDetails emailBody"
)
KEYS = st.sampled_from(KNOWN_KEYS.split())
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(KEYS | st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)


@FUZZ
@given(JSON_VALUES)
def test_random_json_reads_or_is_a_reader_error(value: object) -> None:
    try:
        records = read_vendor_json(json.dumps(value).encode(), source="fuzz")
    except ReaderError:
        return
    for record in records:
        check_shape(record)


def _places(value: object) -> list[tuple[dict[str, object] | list[object], str | int]]:
    found: list[tuple[dict[str, object] | list[object], str | int]] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found += [(node, k) for k in node]
            stack.extend(node.values())
        elif isinstance(node, list):
            found += [(node, i) for i in range(len(node))]
            stack.extend(node)
    return found


@FUZZ
@given(st.sampled_from(sorted(EXPECTED)), st.data())
def test_tree_mutated_samples_read_or_are_a_reader_error(relative: str, data: st.DataObject) -> None:
    """Any value of any type, or none, wherever a sample has one."""
    document = json.loads(sample(relative))
    for _ in range(data.draw(st.integers(1, 6))):
        places = _places(document)
        if not places:
            break
        container, key = places[data.draw(st.integers(0, len(places) - 1))]
        if isinstance(container, dict) and isinstance(key, str):
            if data.draw(st.booleans()):
                del container[key]
            else:
                container[key] = data.draw(JSON_VALUES)
        elif isinstance(container, list) and isinstance(key, int):
            container[key] = data.draw(JSON_VALUES)
    try:
        records = read_vendor_json(json.dumps(document).encode(), source="mutated")
    except ReaderError:
        return
    for record in records:
        check_shape(record)


def _dicts(value: object) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


CARDS = [
    {"paymentCard": {"number": PAN, "cvv": "123", "holderName": "Card Holder", "expireDate": "1230"}},
    {"CardNumber": PAN, "SeriesCode": "123"},
    {"Payments": [{"CardNumber": PAN, "CardCode": "VI", "ExpireDate": "1230"}]},
    {"creditCard": {"Number": PAN}},
    {"paymentCardData": {"obfuscatedNumber": PAN}},
    {"cardNumber": PAN},
    {
        "ClientToken": SECRET,
        "connectionToken": SECRET,
        "shared_secret": SECRET,
        "ota_property_password": SECRET,
    },
]


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_card_numbers_and_credentials_inserted_anywhere_are_never_kept(relative: str) -> None:
    document = json.loads(sample(relative))
    expected = [(r.record_type, r.external_id) for r in read(relative)]
    for card in CARDS:
        spiked = copy.deepcopy(document)
        for node in _dicts(spiked):
            node.update(copy.deepcopy(card))
        records = read_vendor_json(json.dumps(spiked).encode(), source="spiked")
        assert [(r.record_type, r.external_id) for r in records] == expected
        for record in records:
            assert PAN not in everything(record) and SECRET not in everything(record)
