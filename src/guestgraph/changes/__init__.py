"""The guest change feed: what downstream systems (a PMS, the loyalty system, a CRM) read to stay in
step with the golden record — corrections, merges, unmerges and erasures, in order, names not values."""

from guestgraph.changes._feed import (
    MAX_PAGE,
    ChangeEntry,
    ChangePage,
    list_changes,
    record_change,
    record_many,
)

__all__ = ["MAX_PAGE", "ChangeEntry", "ChangePage", "list_changes", "record_change", "record_many"]
