"""Examples for the name standardisers: family/given split, titles, script, pinyin, match keys."""

from __future__ import annotations

import pytest

from guestgraph.cleanse import canonical_given_name, latin_variants, parse_person_name, pinyin_of

NAMES: list[tuple[str, str, str | None, str | None, str, str | None, str | None, bool]] = [
    ("王小明", "王", "小明", None, "Hans", "王小明", "wang xiao ming", False),
    ("欧阳娜娜", "欧阳", "娜娜", None, "Hans", "欧阳娜娜", "ouyang na na", False),
    ("歐陽娜娜", "歐陽", "娜娜", None, "Hant", "欧阳娜娜", "ouyang na na", False),
    ("司马光", "司马", "光", None, "Hans", "司马光", "sima guang", False),
    ("诸葛亮", "诸葛", "亮", None, "Hans", "诸葛亮", "zhuge liang", False),
    ("尉迟恭", "尉迟", "恭", None, "Hans", "尉迟恭", "yuchi gong", False),
    ("单田芳", "单", "田芳", None, "Hans", "单田芳", "shan tian fang", False),
    ("曾小贤", "曾", "小贤", None, "Hans", "曾小贤", "zeng xiao xian", False),
    ("王先生", "王", None, "先生", "Hans", "王", "wang", True),
    ("欧阳女士", "欧阳", None, "女士", "Hans", "欧阳", "ouyang", True),
    ("李小姐", "李", None, "小姐", "Hans", "李", "li", True),
    ("欧阳 娜娜", "欧阳", "娜娜", None, "Hans", "欧阳娜娜", "ouyang na na", False),
    ("王|小明", "王", "小明", None, "Hans", "王小明", "wang xiao ming", False),
    ("王|先生", "王", None, "先生", "Hans", "王", "wang", True),
    ("ZHANG/WEI", "Zhang", "Wei", None, "Latn", None, "zhang wei", False),
    ("ZHANG/WEI MR", "Zhang", "Wei", "Mr", "Latn", None, "zhang wei", False),
    ("Zhang, Wei", "Zhang", "Wei", None, "Latn", None, "zhang wei", False),
    ("Wei Zhang", "Zhang", "Wei", None, "Latn", None, "zhang wei", False),
    ("Zhang Xiaoming", "Zhang", "Xiaoming", None, "Latn", None, "zhang xiao ming", False),
    ("Xiao-Ming Zhang", "Zhang", "Xiao-Ming", None, "Latn", None, "zhang xiao ming", False),
    ("zhangwei", "Zhang", "Wei", None, "Latn", None, "zhang wei", False),
    ("OUYANGNANA", "Ouyang", "Nana", None, "Latn", None, "ouyang na na", False),
    ("Zhangwei|", "Zhang", "Wei", None, "Latn", None, "zhang wei", False),
    ("CHAN Tai Man", "Chan", "Tai Man", None, "Latn", None, "chan tai man", False),
    ("Tai Man CHAN", "Chan", "Tai Man", None, "Latn", None, "chan tai man", False),
    ("Mr. John Smith", "Smith", "John", "Mr", "Latn", None, None, False),
    ("Dr Wang Fang", "Wang", "Fang", "Dr", "Latn", None, "wang fang", False),
    ("Ms Wang", "Wang", None, "Ms", "Latn", None, "wang", True),
    ("José García", "García", "José", None, "Latn", None, None, False),
    ("Ｗａｎｇ　Ｆａｎｇ", "Wang", "Fang", None, "Latn", None, "wang fang", False),
    ("王小明 Wang Xiaoming", "王", "小明", None, "mixed", "王小明", "wang xiao ming", False),
    (
        "迪丽热巴·迪力木拉提",
        "迪力木拉提",
        "迪丽热巴",
        None,
        "Hans",
        "迪丽热巴·迪力木拉提",
        "dilimulati di li re ba",
        False,
    ),
    ("김민수", "김", "민수", None, "other", None, None, False),
]
LATIN_KEYS = {"Mr. John Smith": "smithjohn", "José García": "garciajose", "김민수": None}


@pytest.mark.parametrize("row", NAMES, ids=[row[0] for row in NAMES])
def test_parse_person_name(
    row: tuple[str, str, str | None, str | None, str, str | None, str | None, bool],
) -> None:
    sent, *expected = row
    if "|" in sent:
        family, _, given = sent.partition("|")
        name = parse_person_name(family=family, given=given)
    else:
        name = parse_person_name(full=sent)
    got = [
        name.family,
        name.given,
        name.salutation,
        name.script,
        name.simplified,
        name.pinyin,
        name.is_surname_only,
    ]
    assert got == expected
    pinyin = expected[5]
    assert name.latin_key == LATIN_KEYS.get(
        sent, pinyin.replace(" ", "") if isinstance(pinyin, str) else None
    )


def test_pinyin_and_variants() -> None:
    assert pinyin_of("欧阳娜娜") == "ou yang na na"
    assert pinyin_of("歐陽娜娜") == "ou yang na na"
    assert latin_variants("吕小明") >= {"lvxiaoming", "lyuxiaoming", "luxiaoming"}
    assert "zengyue" in latin_variants("曾乐") and "cengle" in latin_variants("曾乐")
    assert "ouyangnana" in latin_variants("NANA OUYANG") & latin_variants("歐陽娜娜")
    assert latin_variants("FANG/WANG") & latin_variants("王芳")  # fields swapped by the guest
    assert "smithrobert" in latin_variants("Bob Smith")
    assert latin_variants("김민수") == frozenset()


@pytest.mark.parametrize(
    ("nickname", "canonical"),
    [("Bob", "robert"), ("bill", "william"), ("Liz", "elizabeth"), ("MIKE", "michael"), ("Anna", "anna")],
)
def test_canonical_given_name(nickname: str, canonical: str) -> None:
    assert canonical_given_name(nickname) == canonical
