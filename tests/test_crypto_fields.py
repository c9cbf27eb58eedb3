"""CR-01: AEAD field encryption bound to its place (tenant, table, column, row, key version)."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guestgraph.crypto import FieldContext, FieldTampered, UnknownKey, Vault, stored_length
from guestgraph.crypto._aead import associated_data, sm4_gcm_decrypt, sm4_gcm_encrypt
from guestgraph.crypto._vault import new_key_refs
from guestgraph.errors import GuestgraphError
from tests.conftest import BACKENDS
from tests.crypto_helpers import ctx, open_vault

CANARY_PHONE = "+8613912345678"


@pytest.fixture(params=BACKENDS)
def keystore_url(request: pytest.FixtureRequest, scratch_db, tmp_path: Path) -> str:
    url: str = scratch_db(request.param)
    return url


@pytest.fixture(params=["aes-256-gcm", "sm4-gcm"])
def vault(request: pytest.FixtureRequest, keystore_url: str, tmp_path: Path) -> Iterator[Vault]:
    v = open_vault(tmp_path, keystore_url, field_cipher=request.param)
    yield v
    v.close()


@pytest.fixture
def ref(vault: Vault) -> str:
    """One guest key; hypothesis examples of a test share it."""
    return vault.new_guest_key()


def test_rfc8998_a1_sm4_gcm_vector() -> None:
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plain = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    expected = bytes.fromhex(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"  # the tag
    )
    assert sm4_gcm_encrypt(key, nonce, plain, aad) == expected
    assert sm4_gcm_decrypt(key, nonce, expected, aad) == plain
    with pytest.raises(InvalidTag):
        sm4_gcm_decrypt(key, nonce, expected, aad[:-1] + b"\x00")


def test_round_trip_and_stored_form(vault: Vault) -> None:
    ref = vault.new_guest_key()
    stored = vault.encrypt(ref, ctx(), CANARY_PHONE)
    alg = "a" if vault.cipher == "aes-256-gcm" else "s"
    assert stored.startswith(f"g1.{alg}.{ref}.1.")
    assert stored.isascii() and CANARY_PHONE not in stored and "13912345678" not in stored
    assert vault.decrypt(ref, ctx(), stored) == CANARY_PHONE
    assert vault.encrypt(ref, ctx(), CANARY_PHONE) != stored  # a fresh nonce every time


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=300))
def test_any_text_round_trips_within_its_computed_length(vault: Vault, ref: str, value: str) -> None:
    stored = vault.encrypt(ref, ctx(column="address"), value)
    assert len(stored) <= stored_length(len(value.encode("utf-8")))
    assert vault.decrypt(ref, ctx(column="address"), stored) == value


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.dictionaries(
        st.sampled_from(["phone", "email", "id_number", "birth_date", "raw"]),
        st.text(max_size=200),
        max_size=5,
    )
)
def test_a_row_sealed_at_once_is_the_same_as_each_column_sealed(
    vault: Vault, ref: str, values: dict[str, str]
) -> None:
    """`encrypt_row` (the importer's path) writes what `encrypt` writes column by column: each value
    opens in its own column of its own row only, and each has its own nonce."""
    sealed = vault.encrypt_row(ref, "guest", "G0000000001", values)
    assert sealed.keys() == values.keys()

    def place(column: str, row: str = "G0000000001", tenant: str = vault.tenant) -> FieldContext:
        return FieldContext(tenant=tenant, table="guest", column=column, row_id=row)

    for column, value in values.items():
        alone = vault.encrypt(ref, place(column), value)
        assert sealed[column].rsplit(".", 1)[0] == alone.rsplit(".", 1)[0]  # same header
        assert len(sealed[column]) == len(alone)
        assert vault.decrypt(ref, place(column), sealed[column]) == value
        for elsewhere in (place("address"), place(column, row="G0000000002"), place(column, tenant="x")):
            with pytest.raises(FieldTampered):
                vault.decrypt(ref, elsewhere, sealed[column])
    nonces = {base64.urlsafe_b64decode(v.rsplit(".", 1)[1] + "==")[:12] for v in sealed.values()}
    assert len(nonces) == len(values)
    # a value given as its UTF-8 bytes (a JSON document as orjson writes it) is the same text sealed
    encoded = {c: v.encode("utf-8") for c, v in values.items()}
    as_bytes = vault.encrypt_row(ref, "guest", "G0000000001", encoded)
    for column, value in values.items():
        assert len(as_bytes[column]) == len(sealed[column])
        assert vault.decrypt(ref, place(column), as_bytes[column]) == value


def test_algorithms_read_each_others_values(keystore_url: str, tmp_path: Path) -> None:
    """Switching the setting never breaks old values: each names its own algorithm."""
    aes = open_vault(tmp_path, keystore_url, field_cipher="aes-256-gcm")
    sm4 = open_vault(tmp_path, keystore_url, field_cipher="sm4-gcm")
    ref = aes.new_guest_key()
    by_aes, by_sm4 = aes.encrypt(ref, ctx(), "a@b.cn"), sm4.encrypt(ref, ctx(), "a@b.cn")
    assert by_aes.split(".")[1] == "a" and by_sm4.split(".")[1] == "s"
    assert sm4.decrypt(ref, ctx(), by_aes) == aes.decrypt(ref, ctx(), by_sm4) == "a@b.cn"
    aes.close()
    sm4.close()


def flip_bit(stored: str, bit: int) -> str:
    head, payload = stored.rsplit(".", 1)
    blob = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    blob[bit // 8 % len(blob)] ^= 1 << (bit % 8)
    return head + "." + base64.urlsafe_b64encode(bytes(blob)).rstrip(b"=").decode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bit=st.integers(min_value=0, max_value=8 * (12 + 14 + 16) - 1))
def test_any_flipped_bit_is_reported_as_tampering(vault: Vault, ref: str, bit: int) -> None:
    stored = vault.encrypt(ref, ctx(), CANARY_PHONE)  # 14 bytes: nonce, ciphertext, tag all hit
    with pytest.raises(FieldTampered) as caught:
        vault.decrypt(ref, ctx(), flip_bit(stored, bit))
    assert caught.value.message.startswith("field tampered: guest.phone row G0000000001")
    assert isinstance(caught.value, GuestgraphError)


@pytest.mark.parametrize(
    "moved_to",
    [
        ctx(row="G0000000002"),  # another guest's row
        ctx(column="email"),  # another column of the same row
        ctx(table="guest_mention"),  # another table
        FieldContext(tenant="other", table="guest", column="phone", row_id="G0000000001"),
        ctx(row="G00000000010"),  # a row id that merely starts the same
    ],
)
def test_a_value_moved_elsewhere_is_tampering(vault: Vault, moved_to: FieldContext) -> None:
    ref = vault.new_guest_key()
    stored = vault.encrypt(ref, ctx(), CANARY_PHONE)
    with pytest.raises(FieldTampered, match="field tampered"):
        vault.decrypt(ref, moved_to, stored)


def test_a_value_moved_to_another_guests_key_is_tampering(vault: Vault) -> None:
    mine, theirs = vault.new_guest_key(), vault.new_guest_key()
    stored = vault.encrypt(mine, ctx(), CANARY_PHONE)
    with pytest.raises(FieldTampered, match="another guest's key"):
        vault.decrypt(theirs, ctx(), stored)
    forged = stored.replace(f".{mine}.", f".{theirs}.")  # relabel the header too: the AAD catches it
    with pytest.raises(FieldTampered, match="field tampered"):
        vault.decrypt(theirs, ctx(), forged)


@pytest.mark.parametrize(
    "garbage", ["", "13912345678", "g1.a.k.1.", "g2.a.k.1.AAAA", "g1.x.k.1.AAAA", "g1.a.k.one.AAAA"]
)
def test_garbage_in_the_column_is_tampering_not_a_crash(vault: Vault, garbage: str) -> None:
    ref = vault.new_guest_key()
    with pytest.raises(FieldTampered):
        vault.decrypt(ref, ctx(), garbage)


def test_unknown_key_id_gives_a_clear_error(vault: Vault) -> None:
    ref = vault.new_guest_key()
    stored = vault.encrypt(ref, ctx(), CANARY_PHONE).replace(f".{ref}.", ".NoSuchKeyRef0000000.")
    with pytest.raises(UnknownKey, match="NoSuchKeyRef0000000 is not in the key store") as caught:
        vault.decrypt("NoSuchKeyRef0000000", ctx(), stored)
    assert caught.value.hint and "KEYSTORE_URL" in caught.value.hint
    with pytest.raises(UnknownKey):
        vault.encrypt("NoSuchKeyRef0000000", ctx(), CANARY_PHONE)


def test_unknown_key_version_gives_a_clear_error(vault: Vault) -> None:
    ref = vault.new_guest_key()
    stored = vault.encrypt(ref, ctx(), CANARY_PHONE).replace(f".{ref}.1.", f".{ref}.2.")
    with pytest.raises(UnknownKey, match="version 2 does not exist"):
        vault.decrypt(ref, ctx(), stored)


def test_the_aad_encoding_is_unambiguous() -> None:
    """Naive concatenation would make guest‖phone and guestp‖hone the same place."""
    places = [
        FieldContext("yunqi", "guest", "phone", "G1"),
        FieldContext("yunqi", "guestp", "hone", "G1"),
        FieldContext("yunqi", "guest", "phoneG", "1"),
        FieldContext("yunqiguest", "", "phone", "G1"),
    ]
    aads = {associated_data(p, "a", "k", 1) for p in places}
    assert len(aads) == len(places)
    assert associated_data(places[0], "a", "k", 1) != associated_data(places[0], "a", "k", 2)


def test_key_refs_sort_by_creation_time_and_differ_in_their_random_part() -> None:
    """The key store's primary key grows at its end (a bulk import writes a key per record): refs made
    later sort after earlier ones; within a batch they share the time and differ in 72 random bits."""
    earlier = new_key_refs(500)
    time.sleep(0.002)
    later = new_key_refs(500)
    assert max(earlier) < min(later)
    assert all(len(r) == 20 and r.startswith("k") and base64.urlsafe_b64decode(r) for r in earlier + later)
    assert len({r[8:] for r in earlier}) == 500 and len({r[:8] for r in earlier}) == 1


def test_a_batch_of_keys_is_distinct_well_formed_and_readable_from_the_key_store(
    keystore_url: str, tmp_path: Path
) -> None:
    writer = open_vault(tmp_path, keystore_url)
    refs = writer.new_guest_keys(1200)
    assert len(set(refs)) == 1200
    assert all(len(r) == 20 and base64.urlsafe_b64decode(r) and "=" not in r for r in refs)
    stored = {r: writer.encrypt(r, ctx(row=r), f"+86139{n:08d}") for n, r in enumerate(refs)}
    reader = open_vault(tmp_path, keystore_url)  # nothing cached: each key is unwrapped from the store
    reader.preload(refs)
    assert [reader.decrypt(r, ctx(row=r), stored[r]) for r in refs] == [f"+86139{n:08d}" for n in range(1200)]
    writer.close()
    reader.close()
