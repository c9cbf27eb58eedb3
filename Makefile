# guestgraph: two commands on a fresh machine with Python 3.11+ and make:  make run  ·  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE = 1

.PHONY: run test lint typecheck migrations-check pytest bench fuzz install browser fonts clean help \
	audit audit-online sbom lock advisories

help:
	@echo "make run    - install, migrate the embedded database, load the demo group (first time), serve on :8000"
	@echo "make test   - lint, type-check, migration drift check, dependency audit and every test (SQLite;"
	@echo "              PostgreSQL too when GUESTGRAPH_TEST_POSTGRES_URL is set)"
	@echo "make bench  - run the benchmarks in benchmarks/ (not part of make test)"
	@echo "make fuzz   - fuzz every importer with atheris for FUZZ_SECONDS (default 3600; make test runs 30 s;"
	@echo "              .ci/nightly runs it with the hypothesis fuzz tests at HYPOTHESIS_PROFILE=nightly)"
	@echo "make audit  - check every locked package against the vendored advisory snapshot (part of make test)"
	@echo "make sbom   - write the CycloneDX SBOM of the lock to build/sbom.cdx.json"
	@echo "make lock   - regenerate requirements/lock.txt (pinned, hashed) from pyproject.toml; needs PyPI"

# Everything comes from requirements/lock.txt, pinned and hash-checked (OP-04): first pip, setuptools and
# wheel (their stanzas of the lock), then the lock, then guestgraph itself without dependencies, built
# with the locked setuptools (no build isolation, so nothing unpinned is fetched).
LOCK := requirements/lock.txt
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "guestgraph needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	awk '/^[^ #]/ { keep = ($$0 ~ /^(pip|setuptools|wheel)==/) } keep' $(LOCK) > $(VENV)/bootstrap-lock.txt
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(VENV)/bootstrap-lock.txt
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/guestgraph migrate
	$(BIN)/guestgraph load-demo --if-empty
	$(BIN)/guestgraph serve

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/bandit -q -ll -r src

typecheck: $(STAMP)
	$(BIN)/mypy

# Fails when the models and the Alembic migrations disagree (alembic check on a scratch database).
migrations-check: $(STAMP)
	@rm -rf .tmp-alembic && mkdir -p .tmp-alembic
	GUESTGRAPH_DATABASE_URL=sqlite:///$(CURDIR)/.tmp-alembic/check.db $(BIN)/alembic upgrade head
	GUESTGRAPH_DATABASE_URL=sqlite:///$(CURDIR)/.tmp-alembic/check.db $(BIN)/alembic check
	@rm -rf .tmp-alembic

# Coverage-guided fuzzing of every importer (atheris); `make test` runs it for 30 s, this for longer (nightly).
# FUZZ_ARGS adds libFuzzer options, e.g. -artifact_prefix=DIR/ for where crash inputs go (.ci/nightly).
FUZZ_SECONDS ?= 3600
FUZZ_ARGS ?=
fuzz: $(STAMP)
	@mkdir -p .fuzz/corpus
	$(BIN)/python -c 'from pathlib import Path; from tests.fuzz.corpus import seed_corpus; seed_corpus(Path(".fuzz/corpus"), Path("../shared/samples"))'
	cd .fuzz && ../$(BIN)/python ../tests/fuzz/atheris_importers.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=3072 $(FUZZ_ARGS) corpus

# Browser tests drive Debian's Chromium; install it when we may (root with apt), else say how.
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Chromium at /usr/bin/chromium: sudo apt-get install chromium"; exit 1; fi; }

# The PDF tests embed a Chinese TrueType font (the app itself falls back to a built-in one without it).
WQY := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
fonts:
	@test -f $(WQY) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; \
	  else echo "PDF tests need $(WQY): sudo apt-get install fonts-wqy-microhei"; exit 1; fi; }

# The suite runs in PYTEST_WORKERS processes (pytest-xdist; each has its own SQLite files, PostgreSQL
# databases and key store). Much of a test's time is spent waiting on a database, a browser or a server
# thread, so more workers than cores pays off; PYTEST_WORKERS=0 runs in this process (for a debugger).
# Every worker must collect the same tests in the same order, so the hash seed is the same in each.
PYTEST_WORKERS ?= 3
pytest: $(STAMP) browser fonts
	PYTHONHASHSEED=$${PYTHONHASHSEED:-0} $(BIN)/pytest -n $(PYTEST_WORKERS) --durations=25

test: lint typecheck migrations-check audit pytest

# OP-04: every locked package==version against the vendored PyPA advisory snapshot (offline, ~1 s). Fails
# on a known advisory (unless reasoned in requirements/audit-ignore.toml), on any requirement that is not
# pinned to one version or not covered by the snapshot, and on a missing or unreadable snapshot.
audit: $(STAMP)
	$(BIN)/python -m guestgraph.supply audit --lock $(LOCK) --snapshot requirements/advisories.json \
	  --ignore requirements/audit-ignore.toml

# The same with pip-audit against the live advisory service, for machines that reach it; --strict fails
# when any requirement could not be audited (without it pip-audit passes after auditing nothing).
AUDIT_SERVICE ?= pypi
audit-online: $(STAMP)
	$(BIN)/pip-audit --strict --disable-pip --require-hashes --vulnerability-service $(AUDIT_SERVICE) \
	  --progress-spinner off -r $(LOCK)

# CycloneDX 1.6 JSON of the lock (every pinned package with its version, hashes and purl), validated
# against the schema; not committed: it is derived from the lock at any time. (The warning silenced: the
# lock records no dependency graph.)
sbom: $(STAMP)
	@mkdir -p build
	$(BIN)/python -W ignore::UserWarning -m cyclonedx_py requirements --pyproject pyproject.toml --of JSON \
	  --output-reproducible -o build/sbom.cdx.json $(LOCK)
	@echo "Wrote build/sbom.cdx.json"

# Regenerate the lock from pyproject.toml (runtime + dev + build requirements) with pip-tools in its own
# venv. Keeps the current pins unless told otherwise: make lock LOCK_ARGS=--upgrade, or
# LOCK_ARGS='--upgrade-package cryptography'. Needs PyPI (hashes every file of every pin: ~30 s to 2 min).
# Then run `make advisories` if a package was added, and `make audit`.
LOCK_VENV := .venv-lock
LOCK_ARGS ?=
lock:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet 'pip-tools==7.6.2'
	CUSTOM_COMPILE_COMMAND='make lock' $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	  --strip-extras --extra dev --build-deps-for editable --no-emit-index-url --no-emit-find-links \
	  $(LOCK_ARGS) -o $(LOCK) pyproject.toml

# Refresh requirements/advisories.json from a clone of https://github.com/pypa/advisory-database (CC-BY 4.0):
# only the advisories of packages in the lock. make advisories ADVISORY_DB=/path/to/advisory-database
ADVISORY_DB ?= ../advisory-database
advisories: $(STAMP)
	$(BIN)/python -m guestgraph.supply refresh --database $(ADVISORY_DB) --lock $(LOCK) \
	  --out requirements/advisories.json

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .mypy_cache .ruff_cache .tmp-alembic build
