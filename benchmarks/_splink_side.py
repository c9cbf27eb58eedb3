"""Splink (DuckDB) on the same records as ours, with generic settings: the comparison in the
identity quality benchmark. Not run on its own (run_all only runs bench_*.py)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

THRESHOLD = 0.99  # the same link threshold as ours (MatchSettings.link_probability)
_log = logging.getLogger(__name__)  # each step's end; the scale benchmark shows it (INFO)


@dataclass(frozen=True)
class SplinkRun:
    clusters: dict[Any, Any]  # unique_id -> cluster id
    seconds: float


def _since(started: float) -> float:
    return time.perf_counter() - started


def _run(
    frames: list[pd.DataFrame],
    link_type: str,
    comparisons: list[Any],
    blocking: list[Any],
    training: list[Any],
    deterministic: list[Any],
    duckdb_config: dict[str, str] | None = None,
) -> SplinkRun:
    """`duckdb_config`, e.g. {"memory_limit": "10GB", "temp_directory": ...}: DuckDB's own cap, past
    which it spills to the temp directory; None keeps DuckDB's defaults (80 % of the memory)."""
    import duckdb
    from splink import Linker, SettingsCreator
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    started = time.perf_counter()
    db = DuckDBAPI(duckdb.connect(config=duckdb_config) if duckdb_config else ":memory:")
    tables = [db.register(f, table_name=f"input_{i}") for i, f in enumerate(frames)]
    settings = SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
    )
    linker = Linker(tables if len(tables) > 1 else tables[0], settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    _log.info("Splink: prior estimated at %.1f s", _since(started))
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    _log.info("Splink: u estimated at %.1f s", _since(started))
    for session, rule in enumerate(training, 1):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except ValueError as e:  # Splink 5 refuses an m that underflows in one session; keep the rest
            print(f"Splink: an EM session failed and is skipped: {str(e)[:90]}")
        _log.info("Splink: EM session %d of %d at %.1f s", session, len(training), _since(started))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    _log.info("Splink: predictions made at %.1f s", _since(started))
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, THRESHOLD)
    _log.info("Splink: clustered at %.1f s", _since(started))
    out = clusters.as_pandas_dataframe()
    key = (
        out["source_dataset"] + ":" + out["unique_id"].astype(str)
        if "source_dataset" in out and len(frames) > 1
        else out["unique_id"]
    )
    return SplinkRun(dict(zip(key, out["cluster_id"], strict=True)), round(time.perf_counter() - started, 2))


def febrl(frames: list[pd.DataFrame]) -> SplinkRun:
    """FEBRL3 (one frame, dedupe) or FEBRL4 (two frames, link), as Splink's own FEBRL examples."""
    import splink.comparison_library as cl
    from splink import block_on

    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
        cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
        cl.ExactMatch("street_number"),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
        cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
        cl.LevenshteinAtThresholds("postcode", [1]),
        cl.ExactMatch("state"),
    ]
    blocking = [
        block_on("given_name"),
        block_on("surname"),
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("postcode", "street_number"),
    ]
    training = [block_on("given_name"), block_on("surname"), block_on("date_of_birth")]
    deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
    link_type = "link_only" if len(frames) > 1 else "dedupe_only"
    return _run(frames, link_type, comparisons, blocking, training, deterministic)


def guests(frame: pd.DataFrame, duckdb_config: dict[str, str] | None = None) -> SplinkRun:
    """Guest records with generic cleaning: lower-cased names, digits-only phones."""
    import splink.comparison_library as cl
    from splink import block_on

    comparisons = [
        cl.NameComparison("name").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("birth_date", input_is_string=True),
        cl.ExactMatch("gender"),
        cl.LevenshteinAtThresholds("phone", [1]).configure(term_frequency_adjustments=True),
        cl.EmailComparison("email").configure(term_frequency_adjustments=True),
        cl.ExactMatch("id_number"),
        cl.ExactMatch("loyalty_number"),
    ]
    blocking = [
        block_on("phone"),
        block_on("email"),
        block_on("id_number"),
        block_on("loyalty_number"),
        block_on("name"),
        block_on("birth_date"),
    ]
    training = [block_on("name"), block_on("birth_date"), block_on("phone")]
    deterministic = [block_on("id_number"), block_on("name", "phone"), block_on("name", "email")]
    return _run([frame], "dedupe_only", comparisons, blocking, training, deterministic, duckdb_config)
