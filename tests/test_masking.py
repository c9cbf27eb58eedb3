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
    assert mask_email("a@b.cn") == "a*@b.cn"
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
