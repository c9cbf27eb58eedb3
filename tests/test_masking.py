from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from guestgraph.access import mask_document, mask_email, mask_name, mask_phone


def test_masks_match_the_forms_staff_expect() -> None:
    assert mask_document("310101199001011234") == "3101**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+8613812345678") == "+86138****5678"
    assert mask_name("王小明") == "王*明"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("王明") == "王*"
    assert mask_email("a@b.cn") == "*@b.cn"
    assert mask_document("E12345678") == "E1****678"
    assert mask_name("王") == "*"
    assert mask_name("Zhang Wei") == "Zhang W**"
    assert mask_name("JANG/MIN-JUN") == "JANG/M******"
    assert mask_name("Smith, John") == "Smith,J***"
    assert mask_name("Zhangwei") == "Z*******"


digits = st.text(alphabet="0123456789", min_size=8, max_size=15)


@given(digits, st.booleans())
def test_phone_mask_keeps_length_and_last_four_and_hides_the_middle(number: str, plus: bool) -> None:
    value = ("+" if plus else "") + number
    masked = mask_phone(value)
    assert masked is not None and len(masked) == len(value)
    assert masked[-4:] == value[-4:]
    assert masked.count("*") >= 4


@given(st.text(alphabet="0123456789X", min_size=9, max_size=20))
def test_document_mask_never_reveals_more_than_eight_characters(number: str) -> None:
    masked = mask_document(number)
    assert masked is not None and len(masked) == len(number)
    assert len(masked) - masked.count("*") <= 8


# MK-01: property tests over values of any length ------------------------------------------------

any_text = st.text(min_size=1, max_size=40).filter(lambda v: "*" not in v)  # a value of stars is its own mask


@given(any_text)
def test_no_mask_returns_a_non_empty_value_unchanged(value: str) -> None:
    for mask in (mask_phone, mask_email, mask_document, mask_name):
        assert mask(value) != value, (mask.__name__, value)


@given(st.text(min_size=1, max_size=40))
def test_document_mask_reveals_at_most_eight_characters_and_never_a_birth_date(value: str) -> None:
    masked = mask_document(value)
    assert masked is not None and len(masked) == len(value)
    revealed = [i for i, ch in enumerate(masked) if ch != "*"]
    assert len(revealed) <= (8 if len(value) == 18 else 5)
    if len(value) == 18:
        assert all(i < 6 or i > 13 for i in revealed)  # the birth date (digits 7–14) stays hidden
    if len(value) <= 4:
        assert revealed == []


@given(st.text(alphabet="0123456789", min_size=1, max_size=16), st.booleans())
def test_phone_mask_reveals_at_most_seven_digits_and_nothing_of_short_numbers(
    number: str, plus: bool
) -> None:
    value = ("+" if plus else "") + number
    masked = mask_phone(value)
    assert masked is not None
    shown = sum(ch.isdigit() for ch in masked)
    assert shown <= (0 if len(number) <= 7 else 10 if plus else 7)  # (country code +) 3 + 4 at most
    assert masked.count("*") >= (len(value) if len(number) <= 7 else 4)


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=6))
def test_han_name_mask_shows_at_most_the_first_and_last_character(name: str) -> None:
    masked = mask_name(name)
    assert masked is not None and len(masked) == len(name)
    assert len(masked) - masked.count("*") <= min(2, len(name) - 1)


@given(st.emails().filter(lambda v: "*" not in v))
def test_email_mask_shows_at_most_one_character_of_the_mailbox(email: str) -> None:
    masked = mask_email(email)
    assert masked is not None and masked != email
    local, _, domain = email.partition("@")
    masked_local = masked.partition("@")[0]
    assert len(masked_local) - masked_local.count("*") <= (1 if len(local) > 2 else 0)
    assert masked.endswith("@" + domain)
