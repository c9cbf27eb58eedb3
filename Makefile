# guestgraph: two commands on a fresh machine with Python 3.11+ and make:  make run  ·  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE = 1

.PHONY: run test lint typecheck migrations-check pytest bench fuzz install browser fonts clean help lock

help:
	@echo "make run    - install, migrate the embedded database, load the demo group (first time), serve on :8000"
	@echo "make test   - lint, type-check, migration drift check and every test (SQLite; PostgreSQL too when"
	@echo "              GUESTGRAPH_TEST_POSTGRES_URL is set)"
	@echo "make bench  - run the benchmarks in benchmarks/ (not part of make test)"
	@echo "make fuzz   - fuzz every importer with atheris for FUZZ_SECONDS (default 3600; make test runs 30 s)"
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
FUZZ_SECONDS ?= 3600
fuzz: $(STAMP)
	@mkdir -p .fuzz/corpus
	$(BIN)/python -c 'from pathlib import Path; from tests.fuzz.corpus import seed_corpus; seed_corpus(Path(".fuzz/corpus"), Path("../shared/samples"))'
	cd .fuzz && ../$(BIN)/python ../tests/fuzz/atheris_importers.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=3072 corpus

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

pytest: $(STAMP) browser fonts
	$(BIN)/pytest

test: lint typecheck migrations-check pytest

# Regenerate the lock from pyproject.toml (runtime + dev + build requirements) with pip-tools in its own
# venv. Keeps the current pins unless told otherwise: make lock LOCK_ARGS=--upgrade, or
# LOCK_ARGS='--upgrade-package cryptography'. Needs PyPI (hashes every file of every pin: ~30 s to 2 min).
LOCK_VENV := .venv-lock
LOCK_ARGS ?=
lock:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet 'pip-tools==7.6.2'
	CUSTOM_COMPILE_COMMAND='make lock' $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	  --strip-extras --extra dev --build-deps-for editable --no-emit-index-url --no-emit-find-links \
	  $(LOCK_ARGS) -o $(LOCK) pyproject.toml

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .mypy_cache .ruff_cache .tmp-alembic
