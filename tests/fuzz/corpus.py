"""The starting corpus of the importer fuzzer: every sample in ../shared/samples, and a Chinese PMS export."""

from __future__ import annotations

from pathlib import Path

from tests.ingest_helpers import PMS_CN_HEADER, good_row


def seed_corpus(folder: Path, samples: Path) -> int:
    """One corpus file per sample: the selector byte for its importer, then the sample as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds = {".xml": 0, ".json": 1, ".csv": 3}
    written = 0
    for path in sorted(samples.rglob("*")):
        if path.suffix in kinds and path.is_file() and path.stat().st_size < 200_000:
            selector = kinds[path.suffix]
            if path.suffix == ".json" and "oracle-ohip" not in path.parts:
                selector = 2
            (folder / f"{written:04d}{path.suffix}").write_bytes(bytes([selector]) + path.read_bytes())
            written += 1
    # A PMS export in GB18030 with a title row above the header, as Chinese PMSs write them.
    header = ",".join(PMS_CN_HEADER[:18])
    row = ",".join(f'"{v}"' for v in good_row("A1001").values())
    text = f"云栖上海外滩酒店 在住及离店客人报表\r\n{header}\r\n{row}\r\n"
    (folder / f"{written:04d}.csv").write_bytes(bytes([3]) + text.encode("gb18030"))
    return written + 1
