"""Coverage-guided fuzzing of every importer (checklist IN-04) with atheris (libFuzzer).

The first byte picks the importer: OTA XML, OPERA (OHIP) JSON, vendor JSON (Mews, Cloudbeds, apaleo,
MyAllocator), or a CSV file with the shipped mapping profiles. The rest is the payload. Every record a
reader yields is then standardised and checked by the rules (`ingest` prepare step), as an import does.
A reader may refuse input only with `ReaderError`; anything else is a crash, which libFuzzer reports with
the input that caused it.

    python tests/fuzz/atheris_importers.py -max_total_time=60 CORPUS_DIR   # bounded (CI)
    make fuzz FUZZ_SECONDS=3600                                               # longer (nightly)

`tests/fuzz/corpus.py` writes the starting corpus from ../shared/samples.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["guestgraph"]):
    from guestgraph.ingest._context import SourceSettings
    from guestgraph.ingest._inbound import InboundRecord
    from guestgraph.ingest._open import open_table
    from guestgraph.ingest._prepare import prepare
    from guestgraph.ingest._profiles import shipped_profiles
    from guestgraph.ingest._rules import default_rules
    from guestgraph.ingest.readers import ReaderError, read_ohip_json, read_ota_xml, read_vendor_json

TARGETS = ("xml", "ohip", "vendor", "csv")
SETTINGS = SourceSettings(
    source="fuzz",
    rules=default_rules(),
    today=date(2026, 11, 23),
    hotel_currency={"SHA01": "CNY"},
    hotel_timezone={"SHA01": "Asia/Shanghai"},
)
PROFILES = list(shipped_profiles().values())
FOLDER = Path(tempfile.mkdtemp(prefix="gg-fuzz-"))


def _records(target: str, payload: bytes) -> list[InboundRecord]:
    if target == "xml":
        return read_ota_xml(payload, source="fuzz").records
    if target == "ohip":
        return read_ohip_json(payload, source="fuzz")
    if target == "vendor":
        return read_vendor_json(payload, source="fuzz")
    path = FOLDER / "SHA01_fuzz.csv"
    path.write_bytes(payload)
    return list(open_table(path, profiles=PROFILES).records())


def one_input(data: bytes) -> None:
    if not data:
        return
    target = TARGETS[data[0] % len(TARGETS)]
    try:
        records = _records(target, data[1:])
    except ReaderError:
        return  # refused, with what, where and how to fix
    for record in records:
        prepare(record, SETTINGS)  # never raises: what is wrong becomes a finding (fix, warn, reject)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
