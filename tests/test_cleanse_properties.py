"""Property tests for guestgraph.cleanse: round trips in every supported spelling, checksums that
catch every single-character slip, and fuzzing that nothing but CleanseError ever escapes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import opencc
import phonenumbers
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from guestgraph.cleanse import (
    CleanseError,
    latin_variants,
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
    pinyin_of,
)

FULL_WIDTH = str.maketrans("0123456789+-/.,()", "０１２３４５６７８９＋－／．，（）")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# ---- dates -------------------------------------------------------------------------------------

DATE_FORMS: dict[str, tuple[Callable[[date], str], bool]] = {
    # name: (formatter, day_first)
    "iso": (lambda d: d.isoformat(), False),
    "slash": (lambda d: f"{d.year:04d}/{d.month}/{d.day}", False),
    "slash_padded": (lambda d: f"{d.year:04d}/{d.month:02d}/{d.day:02d}", False),
    "dots": (lambda d: f"{d.year:04d}.{d.month}.{d.day}", False),
    "compact": (lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}", False),
    "chinese": (lambda d: f"{d.year:04d}年{d.month}月{d.day}日", False),
    "chinese_padded": (lambda d: f"{d.year:04d}年{d.month:02d}月{d.day:02d}日", False),
    "us": (lambda d: f"{d.month}/{d.day}/{d.year:04d}", False),
    "us_padded": (lambda d: f"{d.month:02d}/{d.day:02d}/{d.year:04d}", False),
    "dmy": (lambda d: f"{d.day:02d}/{d.month:02d}/{d.year:04d}", True),
    "dmy_dashes": (lambda d: f"{d.day}-{d.month}-{d.year:04d}", True),
    "iso_datetime": (lambda d: f"{d.isoformat()}T08:30:00+08:00", False),
    "iso_space_time": (lambda d: f"{d.isoformat()} 00:00:00", False),
    "opera": (lambda d: f"{d.day:02d}-{MONTHS[d.month - 1].upper()}-{d.year:04d}", False),
    "english": (lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year:04d}", False),
}


@settings(max_examples=300)
@given(
    st.dates(min_value=date(1000, 1, 1)),
    st.sampled_from(sorted(DATE_FORMS)),
    st.booleans(),
    st.sampled_from(["", " ", "\u3000", "\t"]),
)
def test_dates_round_trip_in_every_form(d: date, form: str, full_width: bool, pad: str) -> None:
    formatter, day_first = DATE_FORMS[form]
    text = formatter(d)
    if full_width:
        text = text.translate(FULL_WIDTH)
    assert parse_date(pad + text + pad, day_first=day_first) == d


@settings(max_examples=100)
@given(st.dates(min_value=date(1969, 1, 1), max_value=date(2068, 12, 31)))
def test_two_digit_opera_years_pivot_like_strptime(d: date) -> None:
    assert parse_date(f"{d.day:02d}-{MONTHS[d.month - 1].upper()}-{d.year % 100:02d}") == d


# ---- phones ------------------------------------------------------------------------------------

# Every 3-digit range phonenumbers' CN metadata treats as mobile in full (1[38]x, 14[57], 15[0-35-9], ...).
CN_MOBILE_PREFIXES = [
    f"1{second}{third}"
    for second, thirds in {"3": "0123456789", "4": "57", "5": "012356789", "6": "2567", "7": "01235678",
                           "8": "0123456789", "9": "01235789"}.items()
    for third in thirds
]  # fmt: skip
CN_SPELLINGS: list[Callable[[str], str]] = [
    lambda n: n,
    lambda n: f"{n[:3]}-{n[3:7]}-{n[7:]}",
    lambda n: f"{n[:3]} {n[3:7]} {n[7:]}",
    lambda n: f"+86{n}",
    lambda n: f"+86 {n[:3]} {n[3:7]} {n[7:]}",
    lambda n: f"0086 {n}",
    lambda n: f"(+86){n}",
    lambda n: f"+86-{n}",
    lambda n: f"86{n}",
    lambda n: f" {n} ",
    lambda n: n.translate(FULL_WIDTH),
    lambda n: f"＋８６ {n}".translate(FULL_WIDTH),
]


@settings(max_examples=300)
@given(
    st.sampled_from(CN_MOBILE_PREFIXES),
    st.text("0123456789", min_size=8, max_size=8),
    st.sampled_from(CN_SPELLINGS),
)
def test_cn_mobiles_parse_to_one_e164_in_every_spelling(
    prefix: str, rest: str, spell: Callable[[str], str]
) -> None:
    national = prefix + rest
    phone = parse_phone(spell(national))
    assert phone.e164 == "+86" + national and phone.country == "CN"
    assert phone.kind == ("virtual" if prefix in {"162", "165", "167", "170", "171"} else "mobile")
    assert parse_phone(phone.e164) == phone


@settings(max_examples=300)
@given(st.text("0123456789", min_size=10, max_size=10))
def test_fast_path_agrees_with_phonenumbers(rest: str) -> None:
    national = "1" + rest
    try:
        expected: phonenumbers.PhoneNumber | None = phonenumbers.parse(national, "CN")
    except phonenumbers.NumberParseException:
        expected = None
    valid = expected is not None and phonenumbers.is_valid_number(expected)
    try:
        phone = parse_phone(national)
    except CleanseError:
        assert not valid
    else:
        assert valid and expected is not None
        assert phone.e164 == phonenumbers.format_number(expected, phonenumbers.PhoneNumberFormat.E164)


@settings(max_examples=100)
@given(st.sampled_from(["US", "GB", "HK", "JP", "DE", "SG", "AU", "FR"]))
def test_foreign_example_numbers_are_idempotent(region: str) -> None:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    international = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    assert parse_phone(international).e164 == e164
    assert parse_phone(parse_phone(e164).e164).e164 == e164


# ---- resident IDs ------------------------------------------------------------------------------

REGIONS = ["110101", "110105", "310101", "440305", "510104", "330106", "650102", "810000", "130102", "370202"]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_char(first17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


resident_ids = st.builds(
    lambda region, born, seq: region + f"{born:%Y%m%d}" + f"{seq:03d}",
    st.sampled_from(REGIONS),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31)),
    st.integers(0, 999),
).map(lambda first17: first17 + check_char(first17))


@settings(max_examples=200)
@given(resident_ids, st.data())
def test_resident_ids_parse_and_any_single_slip_is_caught(number: str, data: st.DataObject) -> None:
    parsed = parse_cn_resident_id(number.lower())
    assert parsed.number == number and parsed.region_code == number[:6]
    assert parsed.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert parsed.gender == ("M" if int(number[16]) % 2 else "F")
    position = data.draw(st.integers(0, 17))
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    slipped = number[:position] + replacement + number[position + 1 :]
    try:
        parse_cn_resident_id(slipped)
    except CleanseError as e:
        assert slipped not in e.message and slipped[-4:] in e.message
    else:
        raise AssertionError(f"a slip at position {position} was not caught")


@settings(max_examples=100)
@given(resident_ids)
def test_old_fifteen_digit_ids_convert(number: str) -> None:
    assume(number[6:8] == "19")
    old = number[:6] + number[8:17]
    assert parse_cn_resident_id(old).number == number


# ---- names -------------------------------------------------------------------------------------

SURNAMES = {
    "王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang", "黄": "huang",
    "赵": "zhao", "吴": "wu", "周": "zhou", "徐": "xu", "孙": "sun", "马": "ma", "朱": "zhu", "胡": "hu",
    "郭": "guo", "林": "lin", "罗": "luo", "郑": "zheng", "欧阳": "ouyang", "司马": "sima", "诸葛": "zhuge",
    "上官": "shangguan", "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "吕": "lv",
}  # fmt: skip
GIVEN = {
    "伟": "wei", "芳": "fang", "敏": "min", "静": "jing", "丽": "li", "强": "qiang", "磊": "lei",
    "军": "jun", "洋": "yang", "勇": "yong", "艳": "yan", "杰": "jie", "涛": "tao", "明": "ming",
    "超": "chao", "秀": "xiu", "霞": "xia", "刚": "gang", "桂": "gui", "英": "ying", "华": "hua",
    "玉": "yu", "萍": "ping", "红": "hong", "建": "jian", "文": "wen", "辉": "hui", "国": "guo",
    "晓": "xiao", "海": "hai", "鹏": "peng", "宇": "yu", "浩": "hao", "婷": "ting", "雪": "xue",
    "琳": "lin", "梅": "mei", "新": "xin", "龙": "long", "凤": "feng",
}  # fmt: skip
S2T = opencc.OpenCC("s2t")
han_names = st.tuples(
    st.sampled_from(sorted(SURNAMES)), st.lists(st.sampled_from(sorted(GIVEN)), min_size=1, max_size=2)
)


@settings(max_examples=200)
@given(han_names)
def test_han_names_pinyin_and_script_round_trip(parts: tuple[str, list[str]]) -> None:
    surname, given_chars = parts
    name = surname + "".join(given_chars)
    expected = " ".join([SURNAMES[surname], *(GIVEN[c] for c in given_chars)])
    parsed = parse_person_name(full=name)
    assert (parsed.family, parsed.given) == (surname, "".join(given_chars))
    assert parsed.pinyin == expected
    assert parsed.latin_key == expected.replace(" ", "")
    traditional = S2T.convert(name)
    from_traditional = parse_person_name(full=traditional)
    assert from_traditional.simplified == name
    assert from_traditional.pinyin == expected
    assert from_traditional.script == ("Hant" if traditional != name else "Hans")
    assert pinyin_of(traditional) == pinyin_of(name)


@settings(max_examples=200)
@given(han_names, st.sampled_from(["family_first", "given_first", "slash", "comma", "fields"]), st.booleans())
def test_han_names_meet_their_latin_spellings(parts: tuple[str, list[str]], style: str, upper: bool) -> None:
    surname, given_chars = parts
    family = SURNAMES[surname].capitalize()
    given_latin = "".join(GIVEN[c] for c in given_chars).capitalize()
    if upper:
        family, given_latin = family.upper(), given_latin.upper()
    spelled = {
        "family_first": {"full": f"{family} {given_latin}"},
        "given_first": {"full": f"{given_latin} {family}"},
        "slash": {"full": f"{family}/{given_latin}"},
        "comma": {"full": f"{family}, {given_latin}"},
        "fields": {"family": family, "given": given_latin},
    }[style]
    latin = parse_person_name(**spelled)
    han = parse_person_name(full=surname + "".join(given_chars))
    assert latin_variants(latin) & latin_variants(han)


# ---- amounts -----------------------------------------------------------------------------------

MARKS: list[Callable[[str], str]] = [
    lambda s: s, lambda s: f"¥{s}", lambda s: f"￥{s}", lambda s: f"RMB {s}", lambda s: f"{s}元",
    lambda s: f"{s} CNY", lambda s: f"HK$ {s}", lambda s: f"人民币{s}",
]  # fmt: skip


@settings(max_examples=300)
@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(MARKS),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_amounts_round_trip(
    value: Decimal, mark: Callable[[str], str], commas: bool, parens: bool, wide: bool
) -> None:
    body = mark(f"{abs(value):,.2f}" if commas else f"{abs(value):.2f}")
    if value < 0:
        body = f"({body})" if parens else f"-{body}"
    if wide:
        body = body.translate(FULL_WIDTH)
    assert parse_amount(body) == value


# ---- fuzzing -----------------------------------------------------------------------------------

PARSERS: dict[str, Callable[[str], object]] = {
    "phone": parse_phone,
    "email": parse_email,
    "date": parse_date,
    "date_day_first": lambda raw: parse_date(raw, day_first=True),
    "datetime": parse_datetime,
    "resident_id": parse_cn_resident_id,
    "passport": parse_passport,
    "passport_cn": lambda raw: parse_passport(raw, country="CN"),
    "document_id": lambda raw: parse_document("身份证", raw),
    "document_type": lambda raw: parse_document(raw, "E12345678"),
    "document_untyped": lambda raw: parse_document(None, raw),
    "name_full": lambda raw: parse_person_name(full=raw),
    "name_fields": lambda raw: parse_person_name(family=raw[: len(raw) // 2], given=raw[len(raw) // 2 :]),
    "variants": latin_variants,
    "pinyin": pinyin_of,
    "amount": parse_amount,
    "currency": parse_currency,
    "gender": parse_gender,
    "country": parse_country,
}
messy_text = st.one_of(
    st.text(),
    st.text(alphabet="0123456789+-()/.,:年月日 Xx*@#转元¥$", max_size=30),
    st.text(alphabet="王李欧阳娜歐陽先生·ZHANGWEI zhangwei/,.-'Mr", max_size=20),
)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(PARSERS)), messy_text)
def test_only_cleanse_errors_escape(parser: str, raw: str) -> None:
    try:
        PARSERS[parser](raw)
    except CleanseError as e:
        assert e.message and e.hint
