# guestgraph: two commands on a fresh machine with Python 3.11+ and make:  make run  ·  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE = 1

.PHONY: run test lint typecheck migrations-check pytest bench fuzz install browser fonts clean help

help:
	@echo "make run    - install, migrate the embedded database, load the demo group (first time), serve on :8000"
	@echo "make test   - lint, type-check, migration drift check and every test (SQLite; PostgreSQL too when"
	@echo "              GUESTGRAPH_TEST_POSTGRES_URL is set)"
	@echo "make bench  - run the benchmarks in benchmarks/ (not part of make test)"
	@echo "make fuzz   - fuzz every importer with atheris for FUZZ_SECONDS (default 3600; make test runs 30 s)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "guestgraph needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .tmp-alembic
