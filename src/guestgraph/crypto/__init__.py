"""Field encryption, envelope keys, crypto-shredding and blind indexes (issue 7, CR-01..CR-04).

The product uses one `Vault` per process (`Vault.from_settings(settings)`): it seals a guest's field
for its place (`FieldContext`) under the guest's data key, computes blind indexes for exact search,
creates and shreds guest keys, and re-wraps every key when the KEK rotates. See the "Field
encryption and keys" section of docs/architecture.md for the formats and the key inventory.
"""

from guestgraph.crypto._aead import FieldCipher, FieldContext, stored_length
from guestgraph.crypto._blind import IndexKind, normalise
from guestgraph.crypto._errors import FieldTampered, KeyShredded, UnknownKey
from guestgraph.crypto._vault import KekRotation, Vault

__all__ = [
    "FieldCipher",
    "FieldContext",
    "FieldTampered",
    "IndexKind",
    "KekRotation",
    "KeyShredded",
    "UnknownKey",
    "Vault",
    "normalise",
    "stored_length",
]
