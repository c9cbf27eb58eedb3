"""The shape of cleanse errors: the value named (identity numbers masked), a hint, status 400."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from guestgraph.cleanse import (
    CleanseError,
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
    parse_person_name,
    parse_phone,
)
from guestgraph.errors import InvalidInput

BAD: list[tuple[Callable[[str], object], str, str]] = [
    # (parser, raw value, text the message must contain)
    (parse_phone, "12345", "'12345'"),
    (parse_phone, "138****5678", "masked"),
    (parse_phone, "N/A", "no digits"),
    (parse_email, "foo@bar", "'foo@bar'"),
    (parse_email, "无", "'无'"),
    (parse_date, "2024-02-30", "'2024-02-30'"),
    (parse_date, "13/13/2024", "'13/13/2024'"),
    (parse_date, "", "empty"),
    (parse_date, "N/A", "'N/A'"),
    (parse_datetime, "2024-05-01T12:00+2500", "offset"),
    (parse_amount, "1,28", "'1,28'"),
    (parse_amount, "50 dollars", "'dollars'"),
    (parse_amount, "1" * 40, "larger than any bill"),  # found by the atheris run: quantize overflowed
    (parse_amount, "1000000000000", "larger than any bill"),
    (parse_currency, "XYZ", "'XYZ'"),
    (parse_gender, "abc", "'abc'"),
    (parse_country, "Atlantis", "'Atlantis'"),
    (lambda raw: parse_person_name(full=raw), "Room 1203", "digits"),
    (lambda raw: parse_person_name(full=raw), "先生", "only a title"),
]


@pytest.mark.parametrize(
    ("parse", "raw", "fragment"), BAD, ids=[f"{i}-{row[1]}" for i, row in enumerate(BAD)]
)
def test_errors_name_the_value_and_carry_a_hint(
    parse: Callable[[str], object], raw: str, fragment: str
) -> None:
    with pytest.raises(CleanseError) as info:
        parse(raw)
    error = info.value
    assert isinstance(error, InvalidInput) and error.status == 400
    assert fragment in error.message
    assert error.hint
    assert error.to_dict()["hint"] == error.hint


def test_day_first_hint_when_the_other_order_is_valid() -> None:
    with pytest.raises(CleanseError) as info:
        parse_date("25/12/2024")
    assert info.value.hint is not None and "day_first=True" in info.value.hint


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("110105194912310021", "check character"),
        ("99010519491231002X", "province"),
        ("11010519491331002X", "birth date"),
        ("1101051949123100", "16 characters"),
    ],
)
def test_resident_id_errors_mask_the_number(raw: str, fragment: str) -> None:
    with pytest.raises(CleanseError) as info:
        parse_cn_resident_id(raw)
    message = info.value.message
    assert fragment in message and info.value.hint
    assert raw not in message and raw[:6] not in message and raw[-4:] in message
    assert "*" * (len(raw) - 4) in message


def test_document_and_passport_errors_mask_the_number() -> None:
    with pytest.raises(CleanseError) as info:
        parse_passport("E1234567", country="CN")
    assert "E1234567" not in info.value.message and "****4567" in info.value.message
    with pytest.raises(CleanseError) as info:
        parse_document("身份证", "110105194912310021")
    assert "110105" not in info.value.message


def test_control_characters_and_huge_values_are_refused_fast() -> None:
    with pytest.raises(CleanseError, match="control character U\\+0000"):
        parse_phone("138\x0012345678")
    with pytest.raises(CleanseError, match="1,048,576 characters"):
        parse_person_name(full="王" * (1 << 20))
    with pytest.raises(CleanseError, match="must be text"):
        parse_date(20240501)  # type: ignore[arg-type]
    assert parse_phone("\ufeff13812345678\u200b").e164 == "+8613812345678"  # BOM, zero-width space dropped
