"""Hostile and broken input: the readers refuse XML bombs and XXE, and raise nothing but ReaderError."""

from __future__ import annotations

import copy
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, tostring

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guestgraph.ingest.readers import OtaMessage, ReaderError, parse_xml, read_ohip_json, read_ota_xml
from tests.fuzz import examples

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT.parent / "shared" / "samples"
FUZZ = settings(
    max_examples=examples(150), deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def sample(relative: str) -> bytes:
    if not SAMPLES.is_dir():
        pytest.fail(
            f"sample folder {SAMPLES} is missing: check out ../shared/samples next to the repo", pytrace=False
        )
    return (SAMPLES / relative).read_bytes()


XML_SAMPLES = [
    "alpinebits/v_2020_10/GuestRequests-OTA_ResRetrieveRS-reservation.xml",
    "alpinebits/v_2018_10/GuestRequests-OTA_ResRetrieveRS-request-with-roomtype.xml",
    "expedia-booking-notification/01_ExpediaCollect_VirtualCard_new_OTA_HotelResNotifRQ.xml",
    "expedia-booking-notification/03_ExpediaCollect_VirtualCard_cancel_OTA_CancelRQ.xml",
    "siteminder/SiteConnect_Reservation_XML_Sample_OTA_HotelResNotifRQ.xml",
]
JSON_SAMPLES = [
    "oracle-ohip/crm.getProfile.response-200.example.json",
    "oracle-ohip/rsv.getReservations.response-200.example.json",
    "oracle-ohip/rsv.putReservation.request.example.json",
    "oracle-ohip/rsv.postCancelReservation.request.example.json",
    "oracle-ohip/crm.getStayHistory.response-200.example.json",
]


def read_both(data: bytes) -> None:
    """Feed `data` to both readers; anything but a result or a ReaderError fails the test."""
    for reader in (read_ota_xml, read_ohip_json):
        with suppress(ReaderError):
            reader(data, source="fuzz")


# --- XML bombs and external entities -------------------------------------------------------------

_WATCH: dict[str, list[tuple[str, str]] | None] = {"events": None}


def _audit(event: str, args: tuple[object, ...]) -> None:
    events = _WATCH["events"]
    if events is not None and (event == "open" or event.startswith(("socket.", "urllib."))):
        events.append((event, str(args[0]) if args else ""))


sys.addaudithook(_audit)


@contextmanager
def watching() -> Iterator[list[tuple[str, str]]]:
    events: list[tuple[str, str]] = []
    _WATCH["events"] = events
    try:
        yield events
    finally:
        _WATCH["events"] = None


def hostile_payloads(secret: Path) -> dict[str, bytes]:
    lol = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    return {
        "billion laughs": f"<?xml version='1.0'?><!DOCTYPE lolz [{lol}]><lolz>&lol9;</lolz>".encode(),
        "quadratic blowup": (
            f'<!DOCTYPE r [<!ENTITY a "{"x" * 50_000}">]><OTA_CancelRQ>{"&a;" * 5_000}</OTA_CancelRQ>'
        ).encode(),
        "xxe file": f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r><Email>&x;</Email></r>'.encode(),
        "xxe http": b'<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><r>&x;</r>',
        "parameter entity": b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/e.dtd"> %p;]><r/>',
        "external dtd": b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd"><r/>',
        "soap with xxe": (
            f'<!DOCTYPE e [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            '<OTA_CancelRQ xmlns="http://www.opentravel.org/OTA/2003/05"><UniqueID Type="14" ID="&x;"/>'
            "</OTA_CancelRQ></s:Body></s:Envelope>"
        ).encode(),
    }


def test_xml_bombs_and_external_entities_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    for name, payload in hostile_payloads(secret).items():
        started = time.perf_counter()
        with watching() as events, pytest.raises(ReaderError) as caught:
            read_ota_xml(payload, source=name)
        assert time.perf_counter() - started < 1, name
        assert "refused" in caught.value.message and "DOCTYPE" in caught.value.message, name
        assert "TOP-SECRET-MARKER" not in caught.value.message
        assert not [e for e in events if e[0].startswith(("socket.", "urllib."))], f"{name}: network used"
        assert not [e for e in events if str(secret) in e[1]], f"{name}: the secret file was opened"


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(ReaderError, match="nested more than"):
        read_ota_xml(b"<a>" * 20_000 + b"</a>" * 20_000, source="deep")


@pytest.mark.parametrize("reader", [read_ota_xml, read_ohip_json])
def test_sixty_megabytes_is_refused_fast(reader: object) -> None:
    data = b"<" + b"x" * (60 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(ReaderError, match="over the 52,428,800-byte limit"):
        reader(data, source="big")  # type: ignore[operator]
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    "encoding",
    ["rot13", "base64", "zlib", "hex", "idna", "punycode", "utf-7", "unicode_escape", "utf-32", "gbk",
     "shift_jis", "cp1252", "no-such-codec", "utf-8-sig", "latin-1"],
)  # fmt: skip
def test_any_declared_encoding_parses_or_is_a_reader_error(encoding: str) -> None:
    for body in ("<OTA_ReadRQ/>", "<OTA_ReadRQ>\u00e9\u5f20\u0000</OTA_ReadRQ>", "<a>&#0;</a>"):
        data = f'<?xml version="1.0" encoding="{encoding}"?>{body}'.encode("utf-8", "backslashreplace")
        with suppress(ReaderError):
            read_ota_xml(data, source=encoding)


# --- truncation --------------------------------------------------------------------------------


def test_every_cut_of_an_xml_sample_parses_or_is_a_reader_error() -> None:
    data = sample("siteminder/SiteConnect_Reservation_XML_Sample_OTA_HotelResNotifRQ.xml")
    outcomes = {"parsed": 0, "refused": 0}
    for cut in range(0, len(data), 50):
        try:
            assert isinstance(read_ota_xml(data[:cut], source="cut"), OtaMessage)
            outcomes["parsed"] += 1
        except ReaderError as e:
            assert e.location is None or e.location.startswith("line ")
            outcomes["refused"] += 1
    assert outcomes["refused"] > 150
    assert read_ota_xml(data, source="whole").records


def test_every_cut_of_a_json_sample_parses_or_is_a_reader_error() -> None:
    data = sample("oracle-ohip/crm.getProfile.response-200.example.json")
    for cut in range(0, len(data), 50):
        with pytest.raises(ReaderError, match="line"):
            read_ohip_json(data[:cut], source="cut")
    assert read_ohip_json(data, source="whole")


# --- random input ------------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=2_000))
def test_random_bytes(data: bytes) -> None:
    read_both(data)


@FUZZ
@given(st.text(max_size=2_000))
def test_random_text(text: str) -> None:
    read_both(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(
    st.sampled_from(XML_SAMPLES + JSON_SAMPLES),
    st.lists(
        st.tuples(
            st.floats(0, 1),
            st.sampled_from(["delete", "insert", "replace"]),
            st.sampled_from(b'<>/"=&;:{}[],x 0'),
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_byte_mutated_samples(relative: str, mutations: list[tuple[float, str, int]]) -> None:
    data = bytearray(sample(relative))
    for where, operation, byte in mutations:
        at = int(where * (len(data) - 1))
        if operation == "delete":
            del data[at]
        elif operation == "insert":
            data.insert(at, byte)
        else:
            data[at] = byte
    read_both(bytes(data))


TAGS = [
    "HotelReservation", "UniqueID", "RoomStays", "RoomStay", "TimeSpan", "StartDateWindow", "GuestCounts",
    "GuestCount", "Total", "ResGuests", "ResGuest", "Profiles", "ProfileInfo", "Profile", "Customer",
    "PersonName", "GivenName", "Surname", "NamePrefix", "Telephone", "Email", "Address", "AddressLine",
    "CountryName", "CompanyInfo", "CompanyName", "ResGlobalInfo", "HotelReservationIDs", "HotelReservationID",
    "Comments", "Comment", "Text", "ListItem", "SpecialRequests", "SpecialRequest", "POS", "Source",
    "BookingChannel", "RequestorID", "BasicPropertyInfo", "Verification", "Vendor", "RoomTypes", "RoomType",
    "RatePlans", "RatePlan", "RoomRates", "RoomRate", "CustLoyalty", "Document", "Errors", "Error",
]  # fmt: skip
ATTRIBUTES = [
    "Type", "ID", "ResStatus", "Start", "End", "Duration", "Count", "AgeQualifyingCode", "Age",
    "AmountAfterTax", "CurrencyCode", "ProfileType", "PrimaryIndicator", "PhoneNumber", "CountryAccessCode",
    "AreaCityCode",
    "Remark", "ShareMarketInd", "ShareAllOptOutInd", "Code", "ResID_Type", "ResID_Value", "ResID_Source",
    "HotelCode", "CodeContext", "RoomTypeCode", "RatePlanCode", "PhoneTechType", "CancelType",
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(
        ["14", "15", "10", "3", "8", "13", "4", "7", "10", "Yes", "No", "true", "newsletter:yes", "catalog:",
         "Cancelled", "Commit", "Modify", "HotelCode", "2024-01-01", " ", "-1", "1e9", "+"]
    ),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=6),
)  # fmt: skip


@FUZZ
@given(st.sampled_from(XML_SAMPLES), st.booleans(), st.data())
def test_tree_mutated_xml_samples(relative: str, soap: bool, data: st.DataObject) -> None:
    """Drop, duplicate, rename and re-value elements of real messages: the reader copes with any shape."""
    root = parse_xml(sample(relative), source="fuzz")
    if root.tag.endswith("Envelope"):
        root = next(iter(next(c for c in root if c.tag.endswith("Body"))))
    nodes = list(root.iter())
    for _ in range(data.draw(st.integers(1, 10))):
        node = nodes[data.draw(st.integers(0, len(nodes) - 1))]
        operation = data.draw(st.sampled_from(["drop", "attribute", "text", "rename", "duplicate", "clear"]))
        if operation == "drop" and len(node):
            node.remove(node[data.draw(st.integers(0, len(node) - 1))])
        elif operation == "attribute":
            node.set(data.draw(st.sampled_from(ATTRIBUTES)), data.draw(VALUES))
        elif operation == "text":
            node.text = data.draw(VALUES)
        elif operation == "rename":
            node.tag = data.draw(st.sampled_from(TAGS))
        elif operation == "duplicate":
            node.append(copy.deepcopy(nodes[data.draw(st.integers(0, len(nodes) - 1))]))
        else:
            node.clear()
    body = tostring(root)
    if soap:
        body = (
            b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            + body
            + b"</s:Body></s:Envelope>"
        )
    message = read_ota_xml(body, source="fuzz")
    for record in message.records:
        assert all(isinstance(v, str) for v in record.fields.values())
        assert all(isinstance(v, str) for p in record.persons for v in p.values())


PAN, CVV = "4000056655665556", "918273"


@FUZZ
@given(st.sampled_from(XML_SAMPLES), st.data())
def test_card_data_never_reaches_raw_wherever_it_sits(relative: str, data: st.DataObject) -> None:
    root = parse_xml(sample(relative), source="fuzz")
    nodes = list(root.iter())
    for _ in range(data.draw(st.integers(1, 4))):
        parent = nodes[data.draw(st.integers(0, len(nodes) - 1))]
        card = SubElement(parent, data.draw(st.sampled_from(["PaymentCard", "paymentcard", "PaymentCard"])))
        card.set("CardNumber", PAN)
        card.set("SeriesCode", CVV)
        SubElement(SubElement(card, "CardNumber"), "PlainText").text = PAN
        SubElement(card, "SeriesCode").text = CVV
        parent.set(data.draw(st.sampled_from(["CardNumber", "SeriesCode", "cardNumber"])), PAN)
    for record in read_ota_xml(tostring(root), source="fuzz").records:
        values = [record.raw, *record.fields.values(), *(v for p in record.persons for v in p.values())]
        assert not any(PAN in (v or "") or CVV in (v or "") for v in values)


def _json_nodes(value: object) -> list[tuple[dict[str, object] | list[object], object]]:
    found: list[tuple[dict[str, object] | list[object], object]] = []
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


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


@FUZZ
@given(st.sampled_from(JSON_SAMPLES), st.data())
def test_tree_mutated_json_samples(relative: str, data: st.DataObject) -> None:
    document = json.loads(sample(relative))
    for _ in range(data.draw(st.integers(1, 10))):
        nodes = _json_nodes(document)
        if not nodes:
            break
        container, key = nodes[data.draw(st.integers(0, len(nodes) - 1))]
        value = data.draw(JSON_VALUES)
        if isinstance(container, dict) and isinstance(key, str):
            if data.draw(st.booleans()):
                del container[key]
            else:
                container[key] = value
        elif isinstance(container, list) and isinstance(key, int):
            container[key] = value
    for record in read_ohip_json(json.dumps(document).encode(), source="fuzz"):
        assert all(isinstance(v, str) for v in record.fields.values())
        assert all(isinstance(v, str) for p in record.persons for v in p.values())
        json.loads(record.raw)


def test_random_shapes_in_known_places() -> None:
    """Every place the OHIP reader looks may hold any JSON type."""
    places = [
        "reservations",
        "profiles",
        "profileDetails",
        "profile",
        "relationships",
        "profileStayDetails",
        "reason",
    ]
    odd: list[object] = [
        None,
        1,
        "x",
        [],
        {},
        [1],
        [None],
        {"reservation": 5},
        {"profileInfo": [1, {"profile": 2}]},
    ]
    for place in places:
        for value in odd:
            read_ohip_json(json.dumps({place: value}).encode(), source="odd")
    element = Element("OTA_HotelResNotifRQ")
    SubElement(SubElement(element, "HotelReservations"), "HotelReservation")
    [record] = read_ota_xml(tostring(element), source="bare").records
    assert record.external_id is None and record.reader_problems
