"""CR-03: blind indexes over normalised values under a dedicated key."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from guestgraph.cleanse import CleanseError
from guestgraph.crypto import Vault, normalise
from guestgraph.errors import InvalidInput
from tests.crypto_helpers import open_vault, random_key

FULLWIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")
WIDE_LETTERS = {ord(c): ord(c) + 0xFEE0 for c in "abcdefghijklmnopqrstuvwxyz0123456789._@"}


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = open_vault(tmp_path, f"sqlite:///{tmp_path / 'ks.db'}")
    yield v
    v.close()


def typings(national: str) -> list[str]:
    """One CN mobile typed the ways guests and clerks type it."""
    return [
        national,
        f"+86 {national[:3]} {national[3:7]} {national[7:]}",
        f"0086-{national[:3]}-{national[3:7]}-{national[7:]}",
        f"(+86){national}".translate(FULLWIDTH),
    ]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prefix=st.sampled_from(["130", "135", "138", "139", "150", "186", "199"]),
    rest=st.integers(min_value=0, max_value=10**8 - 1),
)
def test_a_phone_typed_several_ways_gives_one_index(vault: Vault, prefix: str, rest: int) -> None:
    national = f"{prefix}{rest:08d}"
    indexes = {vault.blind_index("phone", typed) for typed in typings(national)}
    assert len(indexes) == 1
    assert normalise("phone", typings(national)[2]) == "+86" + national


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(local=st.from_regex(r"[a-z][a-z0-9._]{0,15}", fullmatch=True))
def test_an_email_in_any_case_or_width_gives_one_index(vault: Vault, local: str) -> None:
    plain = f"{local}@example.cn"
    shouted = f"  {local.upper()}@EXAMPLE.CN "
    wide = plain.translate(
        str.maketrans("abcdefghijklmnopqrstuvwxyz", "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ")
    )
    assert len({vault.blind_index("email", v) for v in (plain, shouted, wide)}) == 1


def test_an_id_number_with_spaces_or_lower_case_gives_one_index(vault: Vault) -> None:
    forms = ["11010519491231002x", "110105 19491231 002X", "１１０１０５１９４９１２３１００２Ｘ"]
    assert len({vault.blind_index("id_number", f) for f in forms}) == 1
    assert normalise("id_number", forms[1]) == "11010519491231002X"


def test_the_index_is_keyed_not_a_plain_hash(vault: Vault, tmp_path: Path) -> None:
    value = "+8613912345678"
    index = vault.blind_index("phone", value)
    assert len(index) == 64 and int(index, 16) >= 0
    for hashed in (value, "phone\x00" + value):
        assert index != hashlib.sha256(hashed.encode()).hexdigest()
    other = open_vault(
        tmp_path / "other", f"sqlite:///{tmp_path / 'ks2.db'}", blind_index_key=SecretStr(random_key())
    )
    assert other.blind_index("phone", value) != index  # another key, another index
    other.close()


def test_kinds_are_separated(vault: Vault) -> None:
    assert vault.blind_index("id_number", "13912345678") != vault.blind_index("email", "13912345678")


def test_hmac_sm3_is_available_and_differs(tmp_path: Path) -> None:
    key = SecretStr(random_key())
    url = f"sqlite:///{tmp_path / 'ks.db'}"
    sha = open_vault(tmp_path, url, blind_index_key=key)
    sm3 = open_vault(tmp_path, url, blind_index_key=key, blind_index_hash="hmac-sm3")
    assert sm3.blind_index("email", "a@b.cn") != sha.blind_index("email", "a@b.cn")
    assert len(sm3.blind_index("email", "a@b.cn")) == 64
    sha.close()
    sm3.close()


def test_bad_input_raises_a_guestgraph_error(vault: Vault) -> None:
    with pytest.raises(CleanseError):
        vault.blind_index("phone", "not a phone")
    with pytest.raises(InvalidInput, match="Unknown blind index kind"):
        vault.blind_index("name", "王小明")  # type: ignore[arg-type]
