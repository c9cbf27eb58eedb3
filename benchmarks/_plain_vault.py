"""The ingestion benchmark's baseline: a vault that stores guest fields as sent, so that one run can
measure what field encryption adds (issue 7: "encryption adds ≤ 15 % to the ingestion benchmark").

Used by `bench_ingest.py --compare-plain` only; the product has no way to switch encryption off.
What the plain vault leaves out is everything encryption costs an import: no data key is made, wrapped
or written to the key store; no field is sealed (AES-GCM, its AAD and envelope); no blind index is
computed (the value's normal form, truncated to the index column's 64 characters, stands in for the
HMAC, so the normalisation an index needs anyway stays in the baseline)."""

from __future__ import annotations

from collections.abc import Mapping

from guestgraph.crypto import FieldContext, IndexKind, Vault, normalise
from guestgraph.crypto._vault import new_key_refs


class PlainVault(Vault):
    def new_guest_keys(self, count: int) -> list[str]:
        return new_key_refs(count)

    def encrypt(self, key_ref: str, ctx: FieldContext, value: str) -> str:
        return value

    def encrypt_row(
        self, key_ref: str, table: str, row_id: str | int, values: Mapping[str, str | bytes]
    ) -> dict[str, str]:
        # stored as text, as before sealing (a JSON document comes as orjson's UTF-8 bytes)
        return {k: v.decode("utf-8") if isinstance(v, bytes) else v for k, v in values.items()}

    def decrypt(self, key_ref: str, ctx: FieldContext, stored: str) -> str:
        return stored

    def preload(self, key_refs: object) -> None:
        return None

    def blind_index(self, kind: IndexKind, value: str, *, default_region: str = "CN") -> str:
        return normalise(kind, value, default_region=default_region)[:64]
