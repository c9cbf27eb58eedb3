"""Fuzzing helpers: the atheris harness (atheris_importers.py), its seed corpus, and example budgets."""

from __future__ import annotations

from hypothesis import settings

BASE_EXAMPLES = 100  # hypothesis' own default; the nightly profile raises it (tests/conftest.py)


def examples(n: int) -> int:
    """`n` examples under the default profile, scaled up as the loaded profile raises max_examples
    (HYPOTHESIS_PROFILE=nightly), so that a test's explicit budget does not cap the nightly run."""
    loaded = settings.default.max_examples
    return n if loaded <= BASE_EXAMPLES else n * loaded // BASE_EXAMPLES
