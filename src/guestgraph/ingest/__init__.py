"""Integrate: importers for files, messages and the push API, with rules, quarantine and lineage."""

from guestgraph.ingest._engine import BatchSummary, ImportRequest, RecordResult, SourceNotFound, run_import
from guestgraph.ingest._files import FileImport, expand, import_file
from guestgraph.ingest._groups import PushGroups
from guestgraph.ingest._inbound import PERSON_FIELDS, RECORD_FIELDS, InboundRecord
from guestgraph.ingest._manual import FORM_FIELDS, FieldFeedback, check_registration, submit_registration
from guestgraph.ingest._open import table_rows
from guestgraph.ingest._profiles import MappingProfile, shipped_profiles
from guestgraph.ingest._push import (
    MAX_PUSH,
    PushBatch,
    PushPerson,
    PushRecord,
    push_ota_message,
    push_records,
)
from guestgraph.ingest._quarantine import (
    QuarantinedRecord,
    RecordNotFound,
    discard,
    get_quarantined,
    list_quarantine,
    resubmit,
)
from guestgraph.ingest._reports import (
    BatchNotFound,
    BatchReport,
    BatchRow,
    batch_report,
    list_batches,
    problem_rows_csv,
)
from guestgraph.ingest._repost import RepostOutcome, repost_folio_lines
from guestgraph.ingest._rules import RuleSet, attach_rules, default_rules, load_rules, rules_of
from guestgraph.ingest._uploads import (
    held_upload,
    import_upload,
    save_upload,
    sweep_uploads,
    upload_leftovers,
)
from guestgraph.ingest.readers._errors import MessageTooLarge, ReaderError, too_large

__all__ = [
    "RepostOutcome",
    "repost_folio_lines",
    "FORM_FIELDS",
    "MAX_PUSH",
    "FieldFeedback",
    "check_registration",
    "submit_registration",
    "BatchNotFound",
    "BatchReport",
    "BatchRow",
    "PushBatch",
    "PushGroups",
    "PushPerson",
    "PushRecord",
    "QuarantinedRecord",
    "RecordNotFound",
    "batch_report",
    "discard",
    "get_quarantined",
    "list_batches",
    "list_quarantine",
    "problem_rows_csv",
    "push_ota_message",
    "push_records",
    "resubmit",
    "held_upload",
    "import_upload",
    "save_upload",
    "sweep_uploads",
    "upload_leftovers",
    "PERSON_FIELDS",
    "RECORD_FIELDS",
    "BatchSummary",
    "FileImport",
    "ImportRequest",
    "InboundRecord",
    "MappingProfile",
    "MessageTooLarge",
    "ReaderError",
    "too_large",
    "RuleSet",
    "SourceNotFound",
    "default_rules",
    "attach_rules",
    "load_rules",
    "rules_of",
    "expand",
    "import_file",
    "run_import",
    "RecordResult",
    "shipped_profiles",
    "table_rows",
]
