"""Fuzzing the CSV/Excel/JSONL readers: any bytes end in records or a ReaderError, never anything else."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guestgraph.ingest._open import open_table, read_jsonl
from guestgraph.ingest._profiles import shipped_profiles
from guestgraph.ingest.readers._errors import ReaderError
from tests.fuzz import examples
from tests.ingest_helpers import PMS_CN_HEADER

PROFILES = list(shipped_profiles().values())
HEADER = ",".join(PMS_CN_HEADER).encode("gb18030")


def _read(data: bytes, suffix: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"SHA01_stays{suffix}"
        path.write_bytes(data)
        try:
            if suffix == ".jsonl":
                return sum(1 for _ in read_jsonl(path, shipped_profiles()["loyalty_members"]))
            return sum(1 for _ in open_table(path, profiles=PROFILES).records())
        except ReaderError:
            return -1


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_after_a_valid_header(body: bytes) -> None:
    assert _read(HEADER + b"\r\n" + body, ".csv") >= -1


@settings(max_examples=examples(100), deadline=None)
@given(st.text(max_size=1500))
def test_random_text_as_csv_and_jsonl(text: str) -> None:
    data = text.encode("utf-8", "replace")
    assert _read(data, ".csv") >= -1
    assert _read(data, ".jsonl") >= -1


@settings(max_examples=examples(60), deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_as_excel(data: bytes) -> None:
    assert _read(b"PK\x03\x04" + data, ".xlsx") == -1


def test_every_cut_of_a_real_export_reads_or_fails_cleanly(tmp_path: Path) -> None:
    from tests.ingest_helpers import good_row, write_pms_cn

    full = write_pms_cn(tmp_path / "full.csv", [good_row(str(n)) for n in range(30)]).read_bytes()
    for cut in range(0, len(full), 37):
        assert _read(full[:cut], ".csv") >= -1
