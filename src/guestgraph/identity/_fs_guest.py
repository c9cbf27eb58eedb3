"""Guest mentions as Fellegi–Sunter records: the compared fields and the blocking keys.

Names compare on their Latin key (the pinyin of a Han name, the folded letters of a Latin one), so
王小明, WANG/XIAOMING and Xiaoming Wang meet; the Han form, when both sides have one, tells 王伟 from
汪伟. A cashier's "王先生" has no usable name here. Relay e-mails and virtual numbers never reach
guest_mention, so they are neither compared nor blocked on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from guestgraph.identity._fs_compare import FieldSpec
from guestgraph.identity._fs_engine import TrainingRule
from guestgraph.identity._fs_pairs import BlockingRule
from guestgraph.identity._resolve import MentionKeys

GUEST_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "name", "name_key", tf=True, script_col="name_han", sorted_col="name_sorted"),
    FieldSpec("birth_date", "date", "birth"),
    FieldSpec("gender", "exact", "gender"),
    FieldSpec("phone", "number", "phone", tf=True),
    FieldSpec("email", "email", "email", tf=True),
    FieldSpec("id_document", "document", "document"),
    FieldSpec("loyalty_number", "exact", "loyalty", tf=True),
    FieldSpec("city", "exact", "city", tf=True),
)
GUEST_BLOCKING: tuple[BlockingRule, ...] = (
    ("phone",),
    ("email",),
    ("document",),
    ("loyalty",),
    ("name_key",),
    ("name_sorted",),
    ("birth", "name_start"),
)
GUEST_TRAINING: tuple[TrainingRule, ...] = (
    TrainingRule(("name_key",), ("name",)),
    TrainingRule(("birth",), ("birth_date",)),
    TrainingRule(("phone",), ("phone",)),
    TrainingRule(("email",), ("email",)),
    TrainingRule(("document",), ("id_document",)),
)


def _han(m: MentionKeys) -> str | None:
    text = m.name_simplified
    return text if text and not m.surname_only else None


def guest_columns(mentions: Sequence[MentionKeys]) -> dict[str, NDArray[np.object_]]:
    """The compared and blocking columns of every mention, in list order."""

    def col(values: list[object]) -> NDArray[np.object_]:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out

    names = [None if m.surname_only else m.name_key for m in mentions]
    emails = [m.email for m in mentions]
    return {
        "name_key": col(list(names)),
        "name_han": col([_han(m) for m in mentions]),
        "name_sorted": col(["".join(sorted(n)) if n else None for n in names]),
        "name_start": col([n[:2] if n else None for n in names]),
        "birth": col([m.birth_date.isoformat() if m.birth_date else None for m in mentions]),
        "gender": col([m.gender for m in mentions]),
        "phone": col([m.phone for m in mentions]),
        "email": col(list(emails)),
        "email_local": col([e.partition("@")[0] if e else None for e in emails]),
        "document": col([m.id_number for m in mentions]),
        "document_type": col([m.id_type for m in mentions]),
        "loyalty": col([m.loyalty_number for m in mentions]),
        "city": col([m.city.casefold() if m.city else None for m in mentions]),
    }
