"""IN-04: the atheris harness over every importer runs bounded in CI, seeded from ../shared/samples; a crash
(any exception but a reader's named refusal) fails it with the input that caused it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.fuzz.corpus import seed_corpus
from tests.test_readers_fuzz import SAMPLES

HARNESS = Path(__file__).parent / "fuzz" / "atheris_importers.py"
SECONDS = int(os.environ.get("GUESTGRAPH_FUZZ_SECONDS", "30"))


def test_the_importers_survive_coverage_guided_fuzzing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    assert seed_corpus(corpus, SAMPLES) > 20  # the samples are there: the run is not on an empty corpus
    run = subprocess.run(
        [
            sys.executable,
            str(HARNESS),
            f"-max_total_time={SECONDS}",
            "-seed=20261123",  # the same exploration on every CI run; `make fuzz` draws a new seed
            "-rss_limit_mb=3072",
            "-timeout=20",
            str(corpus),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=SECONDS + 120,
        check=False,
    )
    tail = run.stderr[-3000:]
    assert run.returncode == 0, tail
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*")), tail
    done = re.search(r"Done (\d+) runs", run.stderr)
    assert done and int(done.group(1)) > 1000, tail
