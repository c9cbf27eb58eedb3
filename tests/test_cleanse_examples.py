"""Table-driven examples for the standardisers in guestgraph.cleanse, including the tricky inputs
hotel files really contain. Names are in test_cleanse_names.py, error messages in test_cleanse_errors.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from guestgraph.cleanse import (
    CleanseError,
    Document,
    Email,
    EmailKind,
    Passport,
    Phone,
    ResidentId,
    parse_amount,
    parse_cn_resident_id,
    parse_country,
    parse_currency,
    parse_date,
    parse_datetime,
    parse_document,
    parse_email,
    parse_gender,
    parse_passport,
    parse_phone,
    plausible_birth_date,
)

MOBILE = Phone("+8613812345678", "CN", "mobile", False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", MOBILE),
        ("138-1234-5678", MOBILE),
        ("+86 138 1234 5678", MOBILE),
        ("0086 13812345678", MOBILE),
        ("(+86)13812345678", MOBILE),
        ("8613812345678", MOBILE),
        ("１３８１２３４５６７８", MOBILE),
        ("13812345678 ", MOBILE),
        ("\u300013812345678", MOBILE),
        ("(852) 9123 4567", Phone("+85291234567", "HK", "mobile", False)),
        ("+852 9123 4567", Phone("+85291234567", "HK", "mobile", False)),
        ("+1 202-555-0123", Phone("+12025550123", "US", "unknown", False)),
        ("021-1234 5678", Phone("+862112345678", "CN", "fixed", False)),
        ("17012345678", Phone("+8617012345678", "CN", "virtual", True)),
        ("16512345678", Phone("+8616512345678", "CN", "virtual", True)),
        ("17100001234-1234", Phone("+8617100001234", "CN", "virtual", True, "1234")),
        ("13812345678转8899", Phone("+8613812345678", "CN", "virtual", True, "8899")),
        ("+86 21 1234 5678 ext. 123", Phone("+862112345678", "CN", "fixed", True, "123")),
        ("400 812 3456", Phone("+864008123456", "CN", "unknown", True)),
    ],
)
def test_parse_phone(raw: str, expected: Phone) -> None:
    assert parse_phone(raw) == expected


def test_parse_phone_default_region_reads_national_numbers_elsewhere() -> None:
    assert parse_phone("9123 4567", default_region="HK") == Phone("+85291234567", "HK", "mobile", False)
    assert parse_phone("+86 138 1234 5678", default_region="US") == MOBILE


@pytest.mark.parametrize(
    ("raw", "address", "kind"),
    [
        (" Wang.Ming@Huaxin-Tech.COM.cn ", "wang.ming@huaxin-tech.com.cn", "business"),
        ("ＷＡＮＧ@QQ.COM", "wang@qq.com", "personal"),
        ("li.na@163.com", "li.na@163.com", "personal"),
        ("bob@yahoo.co.jp", "bob@yahoo.co.jp", "personal"),
        ("jo@hotmail.co.uk", "jo@hotmail.co.uk", "personal"),
        ("88888@qq.com", "88888@qq.com", "personal"),
        ("jsmith.123@guest.booking.com", "jsmith.123@guest.booking.com", "ota_relay"),
        ("x1@m.expediapartnercentral.com", "x1@m.expediapartnercentral.com", "ota_relay"),
        ("a1b2@guest.airbnb.com", "a1b2@guest.airbnb.com", "ota_relay"),
        ("abc@ctrip-relay.example", "abc@ctrip-relay.example", "ota_relay"),
        ("k9@relay.trip.com", "k9@relay.trip.com", "ota_relay"),
        ("z@agoda-messaging.com", "z@agoda-messaging.com", "ota_relay"),
        ("noemail@gmail.com", "noemail@gmail.com", "placeholder"),
        ("no@no.com", "no@no.com", "placeholder"),
        ("guest@hotel", "guest@hotel", "placeholder"),
        ("xxxx@163.com", "xxxx@163.com", "placeholder"),
        ("test@company.cn", "test@company.cn", "placeholder"),
    ],
)
def test_parse_email(raw: str, address: str, kind: EmailKind) -> None:
    domain = address.partition("@")[2]
    assert parse_email(raw) == Email(address, domain, kind, kind in ("ota_relay", "placeholder"))


@pytest.mark.parametrize(
    ("raw", "day_first", "expected"),
    [
        ("2024-05-01", False, date(2024, 5, 1)),
        ("2024/5/1", False, date(2024, 5, 1)),
        ("2024.5.1", False, date(2024, 5, 1)),
        ("20240501", False, date(2024, 5, 1)),
        ("01/05/2024", True, date(2024, 5, 1)),
        ("01/05/2024", False, date(2024, 1, 5)),
        ("5/1/2024", False, date(2024, 5, 1)),
        ("2024年5月1日", False, date(2024, 5, 1)),
        ("2024年05月01日", False, date(2024, 5, 1)),
        ("２０２４年５月１日", False, date(2024, 5, 1)),
        (" 2024-05-01 ", False, date(2024, 5, 1)),
        ("2024-05-01T23:30:00+08:00", False, date(2024, 5, 1)),
        ("2024-05-01 00:00:00", False, date(2024, 5, 1)),
        ("5/1/2024 12:00:00 AM", False, date(2024, 5, 1)),
        ("01-MAY-24", False, date(2024, 5, 1)),
        ("01-MAY-70", False, date(1970, 5, 1)),
        ("1 May 2024", False, date(2024, 5, 1)),
        ("May 1, 2024", False, date(2024, 5, 1)),
        ("2024-02-29", False, date(2024, 2, 29)),
    ],
)
def test_parse_date(raw: str, day_first: bool, expected: date) -> None:
    assert parse_date(raw, day_first=day_first) == expected


SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01T12:00:00+0700", datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=7)))),
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01 12:00:00 +08:00", datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=8)))),
        ("2024/05/01 12:30 PM -0530", datetime(2024, 5, 1, 12, 30, tzinfo=timezone(timedelta(minutes=-330)))),
        ("20240501T120000Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ],
)
def test_parse_datetime_with_offsets(raw: str, expected: datetime) -> None:
    parsed = parse_datetime(raw)
    assert parsed == expected and parsed.utcoffset() == expected.utcoffset()


def test_parse_datetime_needs_a_zone_for_naive_values() -> None:
    assert parse_datetime("2024-05-01 14:00", assume_tz=SHANGHAI) == datetime(2024, 5, 1, 14, tzinfo=SHANGHAI)
    assert parse_datetime("2024年5月1日", assume_tz=SHANGHAI) == datetime(2024, 5, 1, tzinfo=SHANGHAI)
    with pytest.raises(CleanseError, match="no UTC offset") as info:
        parse_datetime("2024-05-01 14:00")
    assert info.value.hint is not None and "assume_tz" in info.value.hint


@pytest.mark.parametrize(
    ("born", "plausible"),
    [
        (date(1990, 1, 1), True),
        (date(2024, 5, 1), True),
        (date(2024, 5, 2), False),
        (date(1903, 5, 2), True),
        (date(1903, 5, 1), False),
        (date(1850, 1, 1), False),
    ],
)
def test_plausible_birth_date(born: date, plausible: bool) -> None:
    assert plausible_birth_date(born, today=date(2024, 5, 1)) is plausible


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", ResidentId("11010519491231002X", date(1949, 12, 31), "F", "110105")),
        ("11010519491231002x", ResidentId("11010519491231002X", date(1949, 12, 31), "F", "110105")),
        (" 110105 19491231 002X ", ResidentId("11010519491231002X", date(1949, 12, 31), "F", "110105")),
        ("110105491231002", ResidentId("11010519491231002X", date(1949, 12, 31), "F", "110105")),
        (
            "３１０１０１１９９００１０１１２３４",
            ResidentId("310101199001011234", date(1990, 1, 1), "M", "310101"),
        ),
    ],
)
def test_parse_cn_resident_id(raw: str, expected: ResidentId) -> None:
    assert parse_cn_resident_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("E12345678", "CN", Passport("E12345678", "CN")),
        ("ea 1234567", "CHN", Passport("EA1234567", "CN")),
        ("G12345678", "中国", Passport("G12345678", "CN")),
        ("123456789", None, Passport("123456789", None)),
        ("p-1234567", "USA", Passport("P1234567", "US")),
    ],
)
def test_parse_passport(raw: str, country: str | None, expected: Passport) -> None:
    assert parse_passport(raw, country=country) == expected


RESIDENT_F = Document("cn_resident_id", "11010519491231002X", date(1949, 12, 31), "F")
RESIDENT_M = Document("cn_resident_id", "310101199001011234", date(1990, 1, 1), "M")


@pytest.mark.parametrize(
    ("id_type", "number", "expected"),
    [
        ("身份证", "11010519491231002X", RESIDENT_F),
        ("居民身份证", "110105491231002", RESIDENT_F),
        ("ID", "310101199001011234", RESIDENT_M),
        ("01", "310101199001011234", RESIDENT_M),
        ("", "310101199001011234", RESIDENT_M),
        ("护照", "e1234 5678", Document("passport", "E12345678")),
        ("Passport", "AB1234567", Document("passport", "AB1234567")),
        ("P", "123456789", Document("passport", "123456789")),
        ("港澳通行证", "C12345678", Document("hk_macau_permit", "C12345678")),
        ("回乡证", "H1234567801", Document("hk_macau_permit", "H1234567801")),
        ("HOME RETURN PERMIT", "H12345678", Document("hk_macau_permit", "H12345678")),
        ("台胞证", "12345678", Document("taiwan_permit", "12345678")),
        ("MTP", "12345678", Document("taiwan_permit", "12345678")),
        ("军官证", "南字第12345号", Document("other", "南字第12345号")),
    ],
)
def test_parse_document(id_type: str, number: str, expected: Document) -> None:
    assert parse_document(id_type, number) == expected


# input ("family|given" when sent in fields), family, given, salutation, script, simplified, pinyin,
# surname only; latin_key is the pinyin without spaces unless the row says otherwise.
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,280.00", Decimal("1280.00")),
        ("¥1280", Decimal(1280)),
        ("1280元", Decimal(1280)),
        ("RMB 1280", Decimal(1280)),
        ("￥１，２８０．５０", Decimal("1280.50")),
        ("-50", Decimal(-50)),
        ("(50)", Decimal(-50)),
        ("HK$ 99.90", Decimal("99.90")),
        ("-¥50", Decimal(-50)),
        ("1280 CNY", Decimal(1280)),
        ("0.5", Decimal("0.5")),
    ],
)
def test_parse_amount(raw: str, expected: Decimal) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("RMB", "CNY"),
        ("人民币", "CNY"),
        ("元", "CNY"),
        ("¥", "CNY"),
        ("￥", "CNY"),
        ("HK$", "HKD"),
        ("cny", "CNY"),
        ("usd", "USD"),
        ("港币", "HKD"),
        ("JP¥", "JPY"),
        ("EUR", "EUR"),
    ],
)
def test_parse_currency(raw: str, code: str) -> None:
    assert parse_currency(raw) == code


@pytest.mark.parametrize(
    ("raw", "gender"),
    [
        ("男", "M"),
        ("女", "F"),
        ("M", "M"),
        ("f", "F"),
        ("Male", "M"),
        ("FEMALE", "F"),
        ("先生", "M"),
        ("女士", "F"),
        ("1", "M"),
        ("2", "F"),
        ("0", None),
        ("9", None),
        ("", None),
        ("未知", None),
    ],
)
def test_parse_gender(raw: str, gender: str | None) -> None:
    assert parse_gender(raw) == gender


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("CN", "CN"),
        ("cn", "CN"),
        ("CHN", "CN"),
        ("USA", "US"),
        ("GBR", "GB"),
        ("UK", "GB"),
        ("中国", "CN"),
        ("中国香港", "HK"),
        ("香港", "HK"),
        ("中国台湾", "TW"),
        ("美国", "US"),
        ("日本", "JP"),
        ("韩国", "KR"),
        ("英国", "GB"),
        ("德国", "DE"),
        ("法国", "FR"),
        ("新加坡", "SG"),
        ("澳大利亚", "AU"),
        ("加拿大", "CA"),
        ("中國", "CN"),
        ("China", "CN"),
        ("United States", "US"),
        ("south korea", "KR"),
        ("Hong Kong SAR China", "HK"),
        ("Viet Nam", "VN"),
        ("Côte d’Ivoire", "CI"),
        ("The Netherlands", "NL"),
        ("ＪＰ", "JP"),
    ],
)
def test_parse_country(raw: str, code: str) -> None:
    assert parse_country(raw) == code
