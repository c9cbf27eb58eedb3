"""DG-02 (first bullet): every column is classified (sensitivity, purpose, retention, encryption) or
listed as holding no personal data; a metadata scan fails on any column in neither."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table

from guestgraph import privacy
from guestgraph.db.models import Base


def unclassified(metadata: MetaData) -> list[str]:
    return [
        f"{t.name}.{c.name}"
        for t in metadata.sorted_tables
        for c in t.columns
        if not (c.primary_key or c.foreign_keys) and not privacy.is_listed(t.name, c.name)
    ]


def test_every_column_is_classified_and_a_new_one_fails_the_scan() -> None:
    assert unclassified(Base.metadata) == [], "classify these in privacy/_inventory.py"
    extended = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(extended)
    extended.tables["guest"].append_column(Column("wechat_openid", String(64)))
    Table("guest_note", extended, Column("id", String, primary_key=True), Column("text", String))
    assert unclassified(extended) == ["guest.wechat_openid", "guest_note.text"]


def test_no_stale_entries_and_every_classification_is_complete() -> None:
    columns = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns}
    listed = {(t, c) for t, cols in privacy.CLASSIFIED.items() for c in cols}
    listed |= {(t, c) for t, cols in privacy.NOT_PERSONAL.items() for c in cols.split()}
    assert listed - columns == set(), "these inventory entries name columns that no longer exist"
    both = {
        (t, c) for t, cols in privacy.CLASSIFIED.items() for c in cols if c in privacy.NOT_PERSONAL.get(t, "")
    }
    assert both == set(), "a column is either personal (classified) or not"
    for table, cols in privacy.CLASSIFIED.items():
        for column, c in cols.items():
            assert all((c.category, c.purpose, c.retention)), f"{table}.{column}"
    sensitive = {
        f"{t}.{c}"
        for t, cols in privacy.CLASSIFIED.items()
        for c, k in cols.items()
        if k.sensitivity == "sensitive"
    }
    assert {
        "guest.id_number_enc",
        "stay.arrival",
        "preference.value_enc",
        "source_record.raw_sealed",
    } <= sensitive
    phone = privacy.classification("guest", "phone_enc")
    assert phone is not None and phone.encryption == "sealed"


def test_sealed_columns_are_marked_sealed_and_blind_indexes_hashed() -> None:
    """CR-01 in the inventory: every `*_enc` / `*_sealed` column is classified `sealed`, every blind
    index `hashed`, and no guest or mention column still says `planned`."""
    for table, cols in privacy.CLASSIFIED.items():
        for column, c in cols.items():
            if column.endswith(("_enc", "_sealed")):
                assert c.encryption == "sealed", f"{table}.{column}"
            if column.endswith("_bidx"):
                assert c.encryption == "hashed", f"{table}.{column}"
    for table in ("guest", "guest_mention", "source_record"):
        assert all(c.encryption != "planned" for c in privacy.CLASSIFIED[table].values()), table
